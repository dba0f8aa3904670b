/*
 * A partial (htmx) request that finds the session gone is answered 401 with the "replydesk:signed-out" event
 * (replydesk/htmx_sessions.py): this shows the page's #signed-out banner (inbox/templates/inbox/_signed_out.html),
 * whose link signs in again and comes back to the page. When a later partial request succeeds again (the person
 * signed in again in another tab), the banner offers a reload instead: the page's forms carry the old session's
 * CSRF token. Pages that keep text the person typed lock it themselves on the same event (question_live.js).
 *
 * Safe to include more than once (a page and the base template).
 */
(function () {
  "use strict";

  if (window.replydeskSignedOut) return;
  var state = (window.replydeskSignedOut = { signedOut: false });

  function show(back) {
    var banner = document.getElementById("signed-out");
    if (!banner) return;
    // The links come back to this page, whichever it is (the banner's markup is the same on every page).
    var here = window.location.pathname + window.location.search;
    var signIn = banner.querySelector('[data-signed-out-link="sign-in"]');
    if (signIn) signIn.href = signIn.getAttribute("href").split("?")[0] + "?next=" + encodeURIComponent(here);
    var reload = banner.querySelector('[data-signed-out-link="reload"]');
    if (reload) reload.href = here;
    banner.hidden = false;
    // The header's name, links and "Sign out" (and what the page says the person holds) belong to the session
    // that ended: hidden until a reload shows the new one.
    document.documentElement.classList.add("signed-out");
    banner.querySelectorAll("[data-signed-out]").forEach(function (line) {
      line.hidden = line.getAttribute("data-signed-out") !== (back ? "back" : "out");
    });
  }

  document.addEventListener("replydesk:signed-out", function () {
    if (state.signedOut) return;
    state.signedOut = true;
    show(false);
  });
  // beforeSwap, not afterRequest: it fires on the element still in the page, whatever the answer (204 too).
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail && event.detail.xhr ? event.detail.xhr.status : 0;
    if (state.signedOut && status >= 200 && status < 300) show(true);
  });
})();
