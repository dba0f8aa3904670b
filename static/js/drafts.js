/*
 * Nothing typed is lost: the reply box's text is kept in this browser (localStorage) while it is written, under a
 * key naming the employee and the question (#question-page[data-draft-key]), and put back when the page is shown
 * again: after a refused send (the server answers with a redirect to the question), a lost session and signing in
 * again, an expired claim claimed again, a reload, a browser restart.
 *
 * A draft is forgotten once this person's reply for its round was accepted (data-answered-round: the last round in
 * which their reply was queued), when the box is emptied, or when the person discards it. A page without a reply
 * box (the question is no longer theirs) shows a kept draft read-only in #unsent, to copy.
 *
 * Drafts older than KEEP_DAYS are dropped, so that a shared computer does not keep them for ever.
 */
(function () {
  "use strict";

  var PREFIX = "replydesk:draft:";
  var KEEP_DAYS = 14;

  function storage() {
    try {
      var probe = PREFIX + "probe";
      window.localStorage.setItem(probe, "1");
      window.localStorage.removeItem(probe);
      return window.localStorage;
    } catch (error) {
      return null; // storage refused (private mode, policy): the session's copy of a refused reply still helps
    }
  }

  function read(store, key) {
    if (!store) return null;
    try {
      var draft = JSON.parse(store.getItem(key) || "null");
      return draft && typeof draft.text === "string" ? draft : null;
    } catch (error) {
      return null;
    }
  }

  function prune(store) {
    if (!store) return;
    var oldest = Date.now() - KEEP_DAYS * 24 * 3600 * 1000;
    for (var i = store.length - 1; i >= 0; i--) {
      var key = store.key(i);
      if (key && key.indexOf(PREFIX) === 0) {
        var draft = read(store, key);
        if (!draft || !(draft.savedAt > oldest)) store.removeItem(key);
      }
    }
  }

  function copy(button) {
    var box = document.getElementById(button.getAttribute("data-copy-text"));
    if (!box) return;
    var done = function () {
      var label = button.getAttribute("data-copied");
      if (!label) return;
      if (!button.hasAttribute("data-label")) button.setAttribute("data-label", button.textContent);
      button.textContent = label;
      window.setTimeout(function () {
        button.textContent = button.getAttribute("data-label");
      }, 2000);
    };
    box.focus();
    box.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(box.value).then(done, function () {
        if (document.execCommand("copy")) done();
      });
    } else if (document.execCommand("copy")) {
      done();
    }
  }

  function start() {
    var root = document.getElementById("question-page");
    if (!root) return;
    var key = root.getAttribute("data-draft-key");
    var round = parseInt(root.getAttribute("data-round"), 10) || 1;
    var answeredRound = parseInt(root.getAttribute("data-answered-round"), 10) || 0;
    var store = storage();
    prune(store);

    var draft = read(store, key);
    if (draft && (draft.round || 1) <= answeredRound) {
      store.removeItem(key); // this person's reply for that round was accepted
      draft = null;
    }

    var save = function (text) {
      if (!store) return;
      try {
        if (text.trim() === "") store.removeItem(key);
        else store.setItem(key, JSON.stringify({ text: text, round: round, savedAt: Date.now() }));
      } catch (error) {
        // full or refused: the text stays in the box, and a refused send keeps it in the session
      }
    };

    var box = document.getElementById("reply-body");
    if (box) {
      if (box.value.trim() === "" && draft && draft.text.trim() !== "") {
        box.value = draft.text;
        box.dispatchEvent(new Event("input", { bubbles: true }));
        var restored = root.querySelector("[data-draft-restored]");
        if (restored) restored.hidden = false;
      } else if (box.value.trim() !== "") {
        save(box.value); // the server handed back a refused reply
      }
      box.addEventListener("input", function () {
        save(box.value);
      });
      if (box.form) {
        box.form.addEventListener("submit", function () {
          save(box.value);
        });
      }
    } else {
      var unsent = document.getElementById("unsent");
      var area = document.getElementById("unsent-text");
      if (unsent && area) {
        var text = area.getAttribute("data-server-text") || (draft ? draft.text : "");
        if (text.trim() !== "") {
          area.value = text;
          unsent.hidden = false;
          if (!draft) save(text);
        }
      }
    }

    document.addEventListener("click", function (event) {
      var copyButton = event.target.closest("[data-copy-text]");
      if (copyButton) {
        copy(copyButton);
        return;
      }
      if (event.target.closest("[data-discard-draft]")) {
        if (store) store.removeItem(key);
        var section = document.getElementById("unsent");
        if (section) section.hidden = true;
      }
    });

    window.replydeskDrafts = {
      key: key,
      save: function () {
        if (box) save(box.value);
      },
    };
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
