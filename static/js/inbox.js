/*
 * The inbox stays true without a reload, and never moves what the reader is looking at.
 *
 * Every POLL_MS while the page is visible, #arrivals is sent "arrivals-poll" (its hx-trigger): htmx asks
 * /inbox/arrivals/ with the newest question the page knew and the shown rows' versions (their hidden "row" inputs).
 * The answer is 204 while nothing changed; else a new #arrivals ("3 new questions — show", a link the reader
 * follows when they choose), and out of band the rows' status lines that changed and, once a minute, all of them
 * and the counts. The rows themselves, their order and the reader's place stay as they are.
 *
 * A poll that finds the session gone is answered 401 with the "replydesk:signed-out" event
 * (replydesk/htmx_sessions.py): the page says so and stops asking.
 */
(function () {
  "use strict";

  var POLL_MS = 10000;
  var stopped = false;

  function poll() {
    var element = document.getElementById("arrivals");
    if (!element || stopped || document.hidden || !window.htmx) return;
    window.htmx.trigger(element, "arrivals-poll");
  }

  // A post is shown cut to its first lines only where it is longer than they are at this width: the server guesses
  // (by length), the browser knows. Where the whole post fits, its "Show all" goes.
  function measure() {
    var list = document.querySelector("[data-question-list]");
    if (!list) return;
    list.querySelectorAll("details.qrow-text:not([open])").forEach(function (details) {
      var post = details.querySelector(".qrow-post");
      if (post) details.classList.toggle("cut", post.scrollHeight > post.clientHeight + 1);
    });
    list.classList.add("measured");
  }

  var resizing = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(resizing);
    resizing = window.setTimeout(measure, 150);
  });

  document.addEventListener("DOMContentLoaded", function () {
    measure();
    if (!document.getElementById("arrivals")) return;
    window.setInterval(poll, POLL_MS);
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) poll();
    });
    document.body.addEventListener("replydesk:signed-out", function () {
      stopped = true;
      var notice = document.getElementById("inbox-signed-out");
      if (notice) notice.hidden = false;
    });
  });
})();
