"""The inbox: the questions a person may answer, to read, search and choose from, and what arrived since."""

import time
from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import ANSWERERS, require_role

from . import search, selectors
from .access import access_queue, queue_ids_for, queues_for
from .forms import InboxFilterForm
from .models import Question, Queue

# A page's rows are drawn again after this long, so that "waited 12 minutes" and the counts do not go stale.
REDRAW_SECONDS = 60


@dataclass(frozen=True)
class Chip:
    """One link of the inbox's rows of filters: its words, its count (None: not counted), and whether it is the one
    shown. `key` names its count on the page, which the poll redraws."""

    key: str
    label: str
    count: int | None
    url: str
    current: bool


def _query(filters: selectors.InboxFilters, **changes) -> str:
    """The inbox's address for `filters` with `changes`, naming only what differs from the defaults (and never a
    keyset position unless given: another filter starts at the first page)."""
    values = {
        "q": filters.search,
        "queue": filters.queue_id or "",
        "status": "" if filters.status == Question.Status.OPEN else filters.status,
        "sort": "" if filters.sort == selectors.WAITING else filters.sort,
        "mine": "on" if filters.mine else "",
        "overdue": "on" if filters.overdue else "",
        "after": "",
        **changes,
    }
    return "?" + urlencode({name: value for name, value in values.items() if value})


def _status_chips(filters: selectors.InboxFilters, counts: selectors.InboxCounts) -> list[Chip]:
    is_open = filters.status == Question.Status.OPEN
    plain = {"status": "", "mine": "", "overdue": ""}
    return [
        Chip(
            "open",
            Question.Status.OPEN.label,
            counts.open,
            _query(filters, **plain),
            is_open and not filters.mine and not filters.overdue,
        ),
        Chip("mine", _("Held by me"), counts.held_by_me, _query(filters, **{**plain, "mine": "on"}), filters.mine),
        Chip("overdue", _("Overdue"), counts.overdue, _query(filters, **{**plain, "overdue": "on"}), filters.overdue),
        Chip(
            "answered",
            Question.Status.ANSWERED.label,
            None,
            _query(filters, **{**plain, "status": Question.Status.ANSWERED}),
            filters.status == Question.Status.ANSWERED,
        ),
        Chip(
            "escalated",
            Question.Status.ESCALATED.label,
            None,
            _query(filters, **{**plain, "status": Question.Status.ESCALATED}),
            filters.status == Question.Status.ESCALATED,
        ),
        Chip(
            "closed",
            Question.Status.CLOSED.label,
            None,
            _query(filters, **{**plain, "status": Question.Status.CLOSED}),
            filters.status == Question.Status.CLOSED,
        ),
    ]


def _queue_chips(filters: selectors.InboxFilters, queues: list[Queue], counts: selectors.InboxCounts) -> list[Chip]:
    """All my queues, then each queue, with its open questions (whatever else the filters show)."""
    chips = [Chip("queue-all", _("All my queues"), counts.open, _query(filters, queue=""), filters.queue_id is None)]
    for queue in queues:
        count = counts.open_by_queue.get(queue.pk, 0)
        chips.append(
            Chip(f"queue-{queue.pk}", queue.name, count, _query(filters, queue=queue.pk), filters.queue_id == queue.pk)
        )
    return chips


def _sort_chips(filters: selectors.InboxFilters) -> list[Chip]:
    return [
        Chip(sort, label, None, _query(filters, sort="" if sort == selectors.WAITING else sort), filters.sort == sort)
        for sort, label in InboxFilterForm.SORT_CHOICES
    ]


@require_role(*ANSWERERS)
def inbox(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    queues = list(queues_for(request.user))
    queue_ids = [q.pk for q in queues]
    form = InboxFilterForm(request.GET or None, queues=queues)
    if form.is_bound and not form.is_valid():
        # A filter naming a queue the person may not answer shows the error, never another queue's questions.
        filters, page = selectors.InboxFilters(), selectors.InboxPage([], None)
    else:
        filters = form.filters() if form.is_bound else selectors.InboxFilters()
        page = selectors.questions_for_inbox(request.user, queue_ids, filters, now=now)
    counts = selectors.inbox_counts(request.user, queue_ids, now=now)
    context = {
        "queues": queues,
        "form": form,
        "page": page,
        "filters": filters,
        "counts": counts,
        "status_chips": _status_chips(filters, counts),
        "queue_chips": _queue_chips(filters, queues, counts),
        "sort_chips": _sort_chips(filters),
        "clear_search_url": _query(filters, q=""),
        "search_words": search.words(filters.search),
        "next_url": _query(filters, after=page.next_after) if page.next_after else "",
        "first_url": _query(filters) if filters.after else "",
        "live": _live_state(filters, since=selectors.newest_question_id(), announced=0, drawn=int(time.time())),
        "now": now,
    }
    return render(request, "inbox/inbox.html", context)


def _live_state(filters: selectors.InboxFilters, *, since: int, announced: int, drawn: int) -> dict:
    """What the page's poll sends back: the newest question it knew, how many arrivals it announces, and when its
    rows were drawn."""
    return {
        "query": urlencode({"since": since, "queue": filters.queue_id or "", "announced": announced, "drawn": drawn}),
        "since": since,
        "announced": announced,
        "show_url": reverse("inbox:inbox") + _query(selectors.InboxFilters(queue_id=filters.queue_id), sort="newest"),
    }


def _number(text: str | None) -> int:
    try:
        return max(0, int(text or 0))
    except ValueError:
        return 0


def _shown(values: list[str]) -> dict[int, int]:
    """The rows a page shows, as it sends them: "id:version" each; anything else is left out."""
    shown = {}
    for value in values[:100]:
        question_id, _sep, version = value.partition(":")
        if question_id.isdigit() and version.isdigit():
            shown[int(question_id)] = int(version)
    return shown


@require_role(*ANSWERERS)
def arrivals(request: HttpRequest) -> HttpResponse:
    """The inbox page's poll: how many questions arrived since the page's newest (in its queues), and the shown rows
    that changed. 204 while there is nothing new to say, at the cost of one count on the primary key and one read
    of the shown rows by primary key; once a minute the rows and the counts are drawn again."""
    now = timezone.now()
    queue_ids = queue_ids_for(request.user)
    queue_id = _number(request.GET.get("queue"))
    view_queue_ids = [q for q in queue_ids if q == queue_id] if queue_id else queue_ids
    since, announced = _number(request.GET.get("since")), _number(request.GET.get("announced"))
    count = selectors.arrivals_since(view_queue_ids, since)
    shown = _shown(request.GET.getlist("row"))
    drawn = _number(request.GET.get("drawn"))
    redraw = time.time() - drawn >= REDRAW_SECONDS
    rows = selectors.shown_rows(request.user, list(shown), queue_ids, now=now) if shown else []
    changed = [row for row in rows if redraw or row.version != shown.get(row.pk)]
    if count == announced and not changed and not redraw:
        return HttpResponse(status=204)
    filters = selectors.InboxFilters(queue_id=queue_id or None)
    context = {
        "live": _live_state(filters, since=since, announced=count, drawn=int(time.time()) if redraw else drawn),
        "arrived": count,
        "arrived_more": count > selectors.ARRIVALS_CAP,
        "changed": changed,
        "redrawn_counts": selectors.inbox_counts(request.user, queue_ids, now=now).by_key() if redraw else {},
        "now": now,
        "oob": True,
    }
    return render(request, "inbox/_arrivals.html", context)


@require_role(*ANSWERERS)
def shortcuts(request: HttpRequest) -> HttpResponse:
    """The keyboard shortcuts' dialog, for pages that do not carry it (static/js/keyboard.js fetches it on "?")."""
    return render(request, "inbox/_shortcuts.html")


@require_role(*ANSWERERS)
def queue_detail(request: HttpRequest, queue_id: int) -> HttpResponse:
    queue = access_queue(request.user, queue_id)
    return redirect(f"{reverse('inbox:inbox')}?queue={queue.pk}")
