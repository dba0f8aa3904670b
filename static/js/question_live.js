/*
 * The question page stays true without a reload, and keeps its reply box safe when the session is gone.
 *
 * Every POLL_MS while the page is visible, the #live element is sent "live-poll" (its hx-trigger): htmx asks
 * /inbox/questions/<id>/changes/?since=<version>, which answers 204 while nothing changed, or the new #live and the
 * changed parts (conversation, holder, status line, history) as out-of-band swaps. The reply box is never swapped:
 * when the question is no longer the reader's (taken by a supervisor, claim lost, answered, closed), the page's
 * state on #live (data-held-by-me, data-held, data-open) locks it read-only instead, with its text kept.
 *
 * A partial request that finds the session gone fires "replydesk:signed-out" (static/js/signed_out.js shows the
 * banner): the reply box locks too, its draft kept in the browser (static/js/drafts.js), until the page is loaded
 * again after signing in.
 */
(function () {
  "use strict";

  var POLL_MS = 3000;
  var signedOut = false;

  function live() {
    return document.getElementById("live");
  }

  function poll() {
    var element = live();
    // A poll still on its way drops this one (htmx's default hx-sync for one element).
    if (!element || document.hidden || !window.htmx) return;
    window.htmx.trigger(element, "live-poll");
  }

  // reason: "lost" (the question is no longer this person's) or "signed-out" (the banner says what to do).
  function lockComposer(locked, reason) {
    var form = document.getElementById("reply-form");
    if (!form) return;
    var box = document.getElementById("reply-body");
    if (box) box.readOnly = locked;
    form.querySelectorAll("button[type=submit], select, [data-template-insert]").forEach(function (control) {
      control.disabled = locked;
    });
    form.classList.toggle("locked", locked);
    form.querySelectorAll("[data-composer-locked]").forEach(function (notice) {
      notice.hidden = !locked || notice.getAttribute("data-composer-locked") !== reason;
    });
    document.querySelectorAll("[data-release] button").forEach(function (button) {
      button.disabled = locked;
    });
    if (locked) {
      // The claim is gone: stop renewing it (htmx stops polling an element that left the page).
      document.querySelectorAll("[data-lease]").forEach(function (lease) {
        lease.remove();
      });
    }
  }

  function applyState() {
    var element = live();
    if (!element) return;
    var state = element.dataset;
    if (signedOut) lockComposer(true, "signed-out");
    else lockComposer(state.heldByMe !== "true", "lost");
    document.querySelectorAll("[data-live-show]").forEach(function (part) {
      var when = part.getAttribute("data-live-show");
      part.hidden = when === "held" ? state.held !== "true" : state.open !== "true";
    });
    var hasComposer = !!document.getElementById("reply-body");
    document.querySelectorAll("[data-when-composer]").forEach(function (part) {
      part.hidden = !hasComposer;
    });
    document.querySelectorAll("[data-when-no-composer]").forEach(function (part) {
      part.hidden = hasComposer;
    });
  }

  function start() {
    document.addEventListener("replydesk:signed-out", function () {
      if (window.replydeskDrafts) window.replydeskDrafts.save();
      if (!signedOut) {
        signedOut = true;
        applyState();
      }
    });
    document.body.addEventListener("htmx:afterSettle", applyState);
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) poll();
    });
    window.setInterval(poll, POLL_MS);
    applyState();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
