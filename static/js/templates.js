/*
 * Reply templates and similar past answers: the button [data-template-insert="<picker id>"] inserts the chosen
 * template, and [data-insert-text] its own text (a past answer), into the reply box
 * (the picker's data-template-target) at the cursor, replacing only what is selected and keeping the rest; the
 * cursor lands after the inserted text, and the counter and the browser's draft recount it (an "input" event).
 *
 * A button, not the picker's change event: moving through a closed <select> with the arrow keys fires "change" at
 * every option, which would insert each template passed on the way.
 *
 * execCommand("insertText") keeps the browser's undo (Ctrl+Z takes the template out again); setRangeText is the
 * fallback where it is missing. Between Latin text and a Latin template a space is added, never inside Japanese.
 */
(function () {
  "use strict";

  var WORD_EDGE = /[\x21-\x7e\u00c0-\u024f]/;

  function joined(before, text, after) {
    var lead = before && WORD_EDGE.test(before) && WORD_EDGE.test(text.charAt(0)) ? " " : "";
    var tail = after && WORD_EDGE.test(after) && WORD_EDGE.test(text.charAt(text.length - 1)) ? " " : "";
    return lead + text + tail;
  }

  function insertAtCursor(box, text) {
    var start = box.selectionStart;
    var end = box.selectionEnd;
    var piece = joined(box.value.charAt(start - 1), text, box.value.charAt(end));
    box.focus();
    box.setSelectionRange(start, end);
    var inserted = false;
    try {
      inserted = document.execCommand("insertText", false, piece);
    } catch (error) {
      inserted = false;
    }
    if (!inserted || box.value.slice(start, start + piece.length) !== piece) {
      box.setRangeText(piece, start, end, "end");
      box.dispatchEvent(new Event("input", { bubbles: true }));
    }
    var caret = start + piece.length;
    box.setSelectionRange(caret, caret);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-template-insert]");
    if (!button || button.disabled) return;
    var picker = document.getElementById(button.getAttribute("data-template-insert"));
    if (!picker || !picker.value) {
      if (picker) picker.focus();
      return;
    }
    var box = document.getElementById(picker.getAttribute("data-template-target"));
    if (!box || box.readOnly) return;
    // A textarea holds "\n" line breaks only; the template's "\r\n" would not compare equal once inserted.
    insertAtCursor(box, picker.value.replace(/\r\n?/g, "\n"));
    // The send service knows which template the reply started from: unedited, it needs no approval for its words.
    var field = document.getElementById(picker.getAttribute("data-template-field"));
    var option = picker.options[picker.selectedIndex];
    if (field && option) field.value = option.getAttribute("data-template-id") || "";
    picker.value = "";
    document.body.dispatchEvent(new CustomEvent("replydesk:template-inserted"));
  });

  // A similar past answer ([data-insert-text], inbox/_similar_answers.html): its text, without its author's
  // signature, at the cursor. The template field is left as it is: a template changed by the insertion is an edited
  // template, and a reply that starts from a past answer is checked for approval like typed text.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-insert-text]");
    if (!button || button.disabled) return;
    var box = document.getElementById(button.getAttribute("data-insert-target"));
    if (!box || box.readOnly) return;
    insertAtCursor(box, button.getAttribute("data-insert-text").replace(/\r\n?/g, "\n"));
    document.body.dispatchEvent(new CustomEvent("replydesk:template-inserted"));
  });

  // An emptied reply box no longer starts from a template.
  document.addEventListener("input", function (event) {
    var box = event.target;
    if (!box || box.id !== "reply-body" || box.value.trim()) return;
    var picker = document.querySelector("[data-template-field]");
    var field = picker && document.getElementById(picker.getAttribute("data-template-field"));
    if (field) field.value = "";
  });
})();
