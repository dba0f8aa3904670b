/*
 * Keyboard shortcuts of the desk. Elements name what a key does to them with data-shortcut="...", and this file
 * binds the keys (on every page: base.html includes it):
 *
 *   j / k        next / previous question of the inbox list ([data-question-row]); the row's link takes the focus
 *   Enter        opens the selected question (a focused link opens by itself)
 *   /            focuses the search box ([data-shortcut=search], or the inbox's #id_q); Esc leaves it
 *   c            claims the question ([data-shortcut=claim])
 *   r            focuses the reply box ([data-shortcut=reply])
 *   Ctrl+Enter   in the reply box (Cmd+Enter on a Mac): sends ([data-shortcut=send])
 *   ?            shows the list of shortcuts (#shortcuts-dialog, fetched from /inbox/shortcuts/ where the page does
 *                not carry it); Esc closes it
 *
 * No key fires while the person types in a field (Ctrl+Enter in the reply box excepted), nor with Ctrl, Alt or
 * Cmd held: the browser's and the input method's own shortcuts stay theirs.
 */
(function () {
  "use strict";

  var SHORTCUTS_URL = "/inbox/shortcuts/";
  var SELECTED_KEY = "replydesk:inbox-selected";

  function isTyping(element) {
    if (!element) return false;
    if (element.isContentEditable) return true;
    var tag = element.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") return true;
    if (tag !== "INPUT") return false;
    var kind = (element.getAttribute("type") || "text").toLowerCase();
    return ["button", "checkbox", "radio", "submit", "reset", "image", "file", "range", "color"].indexOf(kind) < 0;
  }

  function visible(element) {
    return !!element && !element.disabled && element.getClientRects().length > 0;
  }

  function shortcut(name) {
    var found = document.querySelectorAll('[data-shortcut="' + name + '"]');
    for (var i = 0; i < found.length; i++) {
      if (visible(found[i])) return found[i];
    }
    return null;
  }

  // --- the inbox list --------------------------------------------------------------------------------------

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-question-row]"));
  }

  function rowLink(row) {
    return row.querySelector(".qrow-link, a[href]");
  }

  function currentRow(list) {
    var active = document.activeElement;
    for (var i = 0; i < list.length; i++) {
      if (list[i].contains(active)) return i;
    }
    for (var j = 0; j < list.length; j++) {
      if (list[j].classList.contains("selected")) return j;
    }
    return -1;
  }

  function select(row) {
    rows().forEach(function (other) {
      other.classList.toggle("selected", other === row);
    });
    var link = rowLink(row);
    if (link) link.focus();
    row.scrollIntoView({ block: "nearest" });
    try {
      window.sessionStorage.setItem(SELECTED_KEY, row.id);
    } catch (error) {
      // Storage refused (private mode): the selection is simply not remembered.
    }
  }

  function move(step) {
    var list = rows();
    if (!list.length) return false;
    var index = currentRow(list);
    var next = index < 0 ? (step > 0 ? 0 : list.length - 1) : Math.min(list.length - 1, Math.max(0, index + step));
    select(list[next]);
    return true;
  }

  function openSelected() {
    var list = rows();
    var index = currentRow(list);
    if (index < 0) return false;
    var link = rowLink(list[index]);
    if (!link) return false;
    link.click();
    return true;
  }

  function restoreSelection() {
    var id;
    try {
      id = window.sessionStorage.getItem(SELECTED_KEY);
    } catch (error) {
      return;
    }
    var row = id && document.getElementById(id);
    if (row && row.hasAttribute("data-question-row")) row.classList.add("selected");
  }

  // --- the list of shortcuts -------------------------------------------------------------------------------

  var loading = null;

  function dialog() {
    return document.getElementById("shortcuts-dialog");
  }

  function withDialog(then) {
    if (dialog()) return then(dialog());
    if (!loading) {
      loading = window
        .fetch(SHORTCUTS_URL, { credentials: "same-origin", headers: { "HX-Request": "true" } })
        .then(function (response) {
          if (!response.ok || response.redirected) throw new Error("no shortcuts here");
          return response.text();
        })
        .then(function (html) {
          var holder = document.createElement("div");
          holder.innerHTML = html;
          var found = holder.querySelector("#shortcuts-dialog");
          if (found) document.body.appendChild(found);
          return found;
        })
        .catch(function () {
          loading = null;
          return null;
        });
    }
    loading.then(function (found) {
      if (found) then(found);
    });
  }

  function showShortcuts() {
    withDialog(function (element) {
      if (!element.open) element.showModal();
    });
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-shortcut-help]")) {
      event.preventDefault();
      showShortcuts();
      return;
    }
    var close = event.target.closest("[data-shortcuts-close]");
    if (close) {
      var open = dialog();
      if (open) open.close();
    }
  });

  // --- the keys --------------------------------------------------------------------------------------------

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.isComposing || event.keyCode === 229) return;
    var target = event.target;

    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      if (target.matches && target.matches('[data-shortcut="reply"]')) {
        var send = shortcut("send");
        if (send) {
          event.preventDefault();
          send.click();
        }
      }
      return;
    }

    if (event.key === "Escape" && target.matches && target.matches('input[type="search"]')) {
      target.blur(); // back to the list's keys
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || isTyping(target)) return;
    var open = dialog();
    if (open && open.open) return; // the dialog has the keyboard; Esc closes it

    var handled = false;
    switch (event.key) {
      case "j":
        handled = move(1);
        break;
      case "k":
        handled = move(-1);
        break;
      case "Enter":
        // A focused link or button does what Enter does to it; only a selection without focus needs help.
        if (target === document.body || target === document.documentElement) handled = openSelected();
        break;
      case "c":
        var claim = shortcut("claim");
        if (claim) {
          claim.click();
          handled = true;
        }
        break;
      case "r":
        var reply = shortcut("reply");
        if (reply) {
          reply.focus();
          handled = true;
        }
        break;
      case "/":
        var search = shortcut("search") || document.getElementById("id_q");
        if (search && visible(search)) {
          search.focus();
          search.select();
          handled = true;
        }
        break;
      case "?":
        showShortcuts();
        handled = true;
        break;
    }
    if (handled) event.preventDefault();
  });

  document.addEventListener("DOMContentLoaded", restoreSelection);
})();
