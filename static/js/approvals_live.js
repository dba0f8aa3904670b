/*
 * The approval list stays true without a reload: the navigation's count of replies waiting for this person's
 * approval is refreshed every 20 s by every page (base.html's badge poll, an out-of-band swap of #approvals-badge);
 * when it no longer matches the list shown, the list alone is fetched again. Nothing is asked while they agree.
 */
(function () {
  "use strict";

  var LIST_LIMIT = 200; // the list shows at most this many; the badge counts them all
  var fetching = false;

  function count(element) {
    return Number(element.getAttribute("data-count") || "0");
  }

  // htmx fires it on each element the response swapped in (the badges' fragment swaps several).
  document.addEventListener("htmx:oobAfterSwap", function () {
    var badge = document.getElementById("approvals-badge");
    var list = document.getElementById("approval-list");
    if (!badge || !list || !window.htmx || fetching) return;
    var waiting = count(badge);
    var shown = count(list);
    if (waiting === shown || (waiting > LIST_LIMIT && shown >= LIST_LIMIT)) return;
    fetching = true;
    window.htmx
      .ajax("GET", list.getAttribute("data-refresh-url"), { target: "#approval-list", swap: "outerHTML" })
      .finally(function () {
        fetching = false;
      });
  });
})();
