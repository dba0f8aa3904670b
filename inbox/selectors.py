"""Read-only queries of the inbox, each on an index (README, "Inbox queries")."""

import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import Employee
from audit.models import AuditEntry

from . import search, wording
from .models import MentionCursor, Question, Queue, Reply, ReplyTemplate, past_due_condition

# The inbox's sorts (InboxFilters.sort). Answered and closed questions wait for nothing: they list newest first.
WAITING, NEWEST, DUE = "waiting", "newest", "due"
SORTS = (WAITING, NEWEST, DUE)


@dataclass(frozen=True)
class InboxFilters:
    queue_id: int | None = None
    status: str = Question.Status.OPEN
    mine: bool = False
    overdue: bool = False
    sort: str = WAITING
    search: str = ""
    after: str = ""  # keyset position of the last row shown, as _position wrote it for the sort

    @property
    def effective_sort(self) -> str:
        return self.sort if self.status == Question.Status.OPEN and self.sort in SORTS else NEWEST


@dataclass(frozen=True)
class InboxPage:
    questions: list[Question]
    next_after: str | None


# A number outside PostgreSQL's bigint would make the query itself fail.
BIGINT_LIMIT = 2**63

# Each sort's order; each is the order of an index the query walks (inbox/models.py): question_open_waiting,
# question_by_status_newest (backwards), question_open_due.
ORDERINGS = {
    WAITING: ("-priority", "waiting_since", "id"),
    NEWEST: ("-waiting_since", "-id"),
    DUE: ("due_at", "id"),
}


def _position(question: Question, sort: str) -> str:
    if sort == WAITING:
        return f"{question.priority}|{question.waiting_since.isoformat()}|{question.pk}"
    moment = question.due_at if sort == DUE else question.waiting_since
    return f"{moment.isoformat()}|{question.pk}"


def _parse_moment(text: str) -> datetime | None:
    moment = parse_datetime(text)
    if moment is None or moment.tzinfo is None:
        return None
    # In UTC, as stored: PostgreSQL refuses offsets beyond ±15:59, and the calendar's edges overflow here.
    return moment.astimezone(UTC)


def _parse_position(position: str, sort: str) -> tuple | None:
    """The position `_position` wrote for `sort`, or None for anything else (a hand-edited URL, or a position of
    another sort, starts at the first page)."""
    try:
        parts = position.split("|")
        if sort == WAITING:
            priority_text, moment_text, pk_text = parts
            numbers = [int(priority_text), int(pk_text)]
        else:
            moment_text, pk_text = parts
            numbers = [int(pk_text)]
        moment = _parse_moment(moment_text)
    except (ValueError, TypeError, OverflowError):
        return None
    if moment is None or not all(-BIGINT_LIMIT <= number < BIGINT_LIMIT for number in numbers):
        return None
    return (numbers[0], moment, numbers[1]) if sort == WAITING else (moment, numbers[0])


def _after(questions: QuerySet[Question], sort: str, position: tuple, size: int) -> list[Question]:
    """Up to `size` rows after `position` in `sort`'s order, each as ranges of its index (one OR-ed predicate
    would make PostgreSQL scan instead)."""
    if sort == WAITING:
        # The rest of the position's priority (bounded by waiting_since, which the index seeks to), then every
        # lower priority: two range scans.
        priority, since, pk = position
        rows = list(
            questions.filter(priority=priority, waiting_since__gte=since).exclude(waiting_since=since, pk__lte=pk)[
                :size
            ]
        )
        if len(rows) < size:
            rows += list(questions.filter(priority__lt=priority)[: size - len(rows)])
        return rows
    moment, pk = position
    if sort == NEWEST:
        return list(questions.filter(waiting_since__lte=moment).exclude(waiting_since=moment, pk__gte=pk)[:size])
    return list(questions.filter(due_at__gte=moment).exclude(due_at=moment, pk__lte=pk)[:size])


# What an inbox row shows and decides from (inbox_rows, inbox/templatetags/inbox_rows.py, the keyset position), and
# nothing more: the page reads 26 rows and their customer, queue, holder and department on every load, and the
# columns it never shows (the search text, every post of the customer's; the holder's password and the rest) cost
# their transfer and their decoding each time. A column left out here is still read when asked for, one query a row.
ROW_RELATIONS = ("customer", "queue", "holder", "department")
ROW_FIELDS = (
    "queue__name",
    "customer__handle",
    "status",
    "priority",
    "created_at",
    "waiting_since",
    "due_at",
    "holder__employee_number",
    "lease_ends",
    "department__name_en",
    "department__name_ja",
    "awaiting_approval",
    "asked_text",
    "version",
)


def questions_for_inbox(
    employee: Employee, queue_ids: list[int], filters: InboxFilters, *, now: datetime | None = None
) -> InboxPage:
    """One page of the questions `employee` may see in `queue_ids`, filtered, searched (inbox/search.py) and
    sorted as `filters` say, by keyset: the page after `filters.after` costs what the first one does."""
    now = now or timezone.now()
    size = settings.INBOX_PAGE_SIZE
    sort = filters.effective_sort
    if filters.queue_id is not None:
        queue_ids = [q for q in queue_ids if q == filters.queue_id]
    if filters.status == Question.Status.ESCALATED:
        # Handed to a department, whether or not the customer was told yet (index question_escalated).
        questions: QuerySet[Question] = Question.objects.filter(queue_id__in=queue_ids, department__isnull=False)
    else:
        questions = Question.objects.filter(queue_id__in=queue_ids, status=filters.status)
    if filters.mine:
        questions = questions.held_by(employee, now)
    if filters.overdue:
        questions = questions.past_due(now)
    questions = questions.select_related(*ROW_RELATIONS).only(*ROW_FIELDS).order_by(*ORDERINGS[sort])
    position = _parse_position(filters.after, sort) if filters.after else None

    def fetch(rows: QuerySet, limit: int) -> list:
        """The first `limit` of `rows` after the position, in the sort's order."""
        return list(rows[:limit]) if position is None else _after(rows, sort, position, limit)

    rows = search.first_matches(questions, filters.search, fetch, size + 1)
    next_after = _position(rows[size - 1], sort) if len(rows) > size else None
    return InboxPage(inbox_rows(rows[:size], now, employee), next_after)


def with_states(questions: list[Question], now: datetime) -> list[Question]:
    """Mark each question with what the rows show (`held_now`, `past_due_now`), decided by the model's rules:
    templates show these flags and never compare times themselves."""
    for question in questions:
        question.held_now = question.is_held(now)
        question.past_due_now = question.status == Question.Status.OPEN and question.is_past_due(now)
    return questions


# A customer's post wider than this (a wide, Japanese character counts 2) is cut to its first lines in the inbox,
# with the whole text a click away: about two lines on a phone.
LONG_TEXT_WIDTH = 90


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def inbox_rows(questions: list[Question], now: datetime, viewer: Employee) -> list[Question]:
    """with_states, and what the inbox's rows show besides: whether the viewer holds it, how long the customer has
    waited and the time left to the service level (inbox/wording.py), and whether the post is long enough to be
    shown cut."""
    for question in with_states(questions, now):
        question.held_by_viewer = question.held_now and question.holder_id == viewer.pk
        if question.status == Question.Status.OPEN:
            question.waited_words = wording.waited(question.waiting_since, now)
            question.due_words = wording.due(question.due_at, now)
        question.text_is_long = "\n" in question.asked_text or _width(question.asked_text) > LONG_TEXT_WIDTH
    return questions


@dataclass(frozen=True)
class InboxCounts:
    """Open and overdue questions per queue, and the ones the viewer holds: what the inbox's chips show."""

    open_by_queue: dict[int, int]
    overdue_by_queue: dict[int, int]
    held_by_me: int

    @property
    def open(self) -> int:
        return sum(self.open_by_queue.values())

    @property
    def overdue(self) -> int:
        return sum(self.overdue_by_queue.values())

    def by_key(self) -> dict[str, int]:
        """Each count under the name the inbox page gives it (list_views.Chip.key)."""
        per_queue = {f"queue-{queue_id}": count for queue_id, count in self.open_by_queue.items()}
        return {
            "open": self.open,
            "mine": self.held_by_me,
            "overdue": self.overdue,
            "queue-all": self.open,
            **per_queue,
        }


def inbox_counts(employee: Employee, queue_ids: list[int], *, now: datetime) -> InboxCounts:
    """Two queries: the open and past-due counts per queue read from the index question_open_queue_due alone, and
    the viewer's held questions from question_holder."""
    rows = (
        Question.objects.open()
        .filter(queue_id__in=queue_ids)
        .values("queue_id")
        # Of nothing but queue and due_at: the index holds those, and PostgreSQL reads no table row.
        .annotate(n_open=Count("*"), n_overdue=Count("due_at", filter=past_due_condition(now)))
        .order_by()
    )
    open_by_queue = dict.fromkeys(queue_ids, 0)
    overdue_by_queue = dict.fromkeys(queue_ids, 0)
    for row in rows:
        open_by_queue[row["queue_id"]] = row["n_open"]
        overdue_by_queue[row["queue_id"]] = row["n_overdue"]
    held = Question.objects.open().held_by(employee, now).filter(queue_id__in=queue_ids).count()
    return InboxCounts(open_by_queue, overdue_by_queue, held)


def newest_question_id() -> int:
    """The mark a page keeps to ask later how many questions arrived since it was shown (primary key: newest)."""
    return Question.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


# More new questions than this are announced as "more than 99": counting further would cost without telling more.
ARRIVALS_CAP = 99


def arrivals_since(queue_ids: list[int], since_id: int) -> int:
    """How many open questions in `queue_ids` arrived after the question `since_id` (up to ARRIVALS_CAP + 1): a
    range of the primary key past the newest one the page knew, however many questions wait."""
    return Question.objects.open().filter(queue_id__in=queue_ids, pk__gt=since_id)[: ARRIVALS_CAP + 1].count()


def shown_rows(viewer: Employee, question_ids: list[int], queue_ids: list[int], *, now: datetime) -> list[Question]:
    """The rows a page shows, read again to bring them up to date (a claim, an answer, the clock); only questions
    of `queue_ids` (the ids come from the page)."""
    rows = Question.objects.filter(pk__in=question_ids[: settings.INBOX_PAGE_SIZE], queue_id__in=queue_ids)
    return inbox_rows(list(rows.select_related(*ROW_RELATIONS).only(*ROW_FIELDS)), now, viewer)


def conversation(question: Question):
    return question.posts.all()


def replies_of(question: Question):
    return Reply.objects.filter(question=question).select_related("author").order_by("created_at")


def templates_for(queue: Queue) -> QuerySet[ReplyTemplate]:
    """The reply templates offered in `queue`: its own and those for every queue."""
    return ReplyTemplate.objects.filter(Q(queue__isnull=True) | Q(queue=queue)).order_by("position", "title")


def offered_template(queue: Queue, template_id: int | str | None) -> ReplyTemplate | None:
    """The template a form names, if it is one offered in `queue` (anything else: none)."""
    raw = str(template_id or "")
    if not raw.isdigit() or len(raw) > 12:
        return None
    return templates_for(queue).filter(pk=int(raw)).first()


def outbox_waiting(*, limit: int = 100) -> list[Reply]:
    """Replies not sent yet (queued, being sent, failed), in the order the worker takes them."""
    return list(
        Reply.objects.exclude(status=Reply.Status.SENT)
        .select_related("question", "author")
        .order_by("status", "next_attempt_at", "id")[:limit]
    )


def poll_paused_until(now: datetime) -> datetime | None:
    """When X lets the worker poll again after a 429, if it is still waiting."""
    return MentionCursor.objects.filter(paused_until__gt=now).values_list("paused_until", flat=True).first()


def outbox_backlog() -> dict[str, int]:
    """How many replies wait, are being sent, or failed (sent ones are not backlog)."""
    counts = dict.fromkeys(Reply.Status.values, 0)
    rows = Reply.objects.exclude(status=Reply.Status.SENT).values_list("status").annotate(n=Count("pk")).order_by()
    counts.update(dict(rows))
    return counts


def question_history(question: Question) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(target_type="inbox.question", target_id=str(question.pk)).order_by("id")


@dataclass(frozen=True)
class QueueStanding:
    """How one queue keeps the promise that every question gets an answer."""

    queue: str
    unanswered: int
    overdue: int
    warned: int
    oldest_waiting_since: datetime | None


def desk_standing(now: datetime) -> list[QueueStanding]:
    """Unanswered, overdue (past the service level now) and warned questions per queue, and the oldest wait.
    One pass over the open questions' partial index."""
    rows = {
        row["queue_id"]: row
        for row in Question.objects.open()
        .values("queue_id")
        .annotate(
            # Names of their own: an annotation called "overdue" would shadow the field in the filters.
            # Every column read is in the index question_open_standing: it answers without the rows.
            n_unanswered=Count("pk"),
            n_overdue=Count("pk", filter=past_due_condition(now)),
            n_warned=Count("pk", filter=Q(overdue=Question.Overdue.SUPERVISORS_WARNED)),
            oldest=Min("waiting_since"),
        )
        .order_by()
    }
    standings = []
    for queue_id, name in Queue.objects.order_by("name").values_list("pk", "name"):
        row = rows.get(queue_id, {})
        standings.append(
            QueueStanding(
                queue=name,
                unanswered=row.get("n_unanswered", 0),
                overdue=row.get("n_overdue", 0),
                warned=row.get("n_warned", 0),
                oldest_waiting_since=row.get("oldest"),
            )
        )
    return standings


def overdue_questions_query(queue_ids: list[int]) -> QuerySet[Question]:
    """Open questions the sweep flagged, longest past their service level first (index question_open_due)."""
    return (
        Question.objects.flagged()
        .filter(queue_id__in=queue_ids)
        .select_related("customer", "queue", "holder")
        .order_by("due_at", "id")
    )


def overdue_questions(queue_ids: list[int], *, now: datetime, limit: int = 200) -> list[Question]:
    return with_states(list(overdue_questions_query(queue_ids)[:limit]), now)


# --- the question page ----------------------------------------------------------------------------------------

# Renewals come every minute while a page is open: the trail keeps them, the page's history leaves them out.
_NOT_ON_THE_QUESTION_PAGE = ("inbox.question.renewed",)


def question_page_history(question: Question) -> QuerySet[AuditEntry]:
    """What happened to `question`, oldest first, as its page shows it (index audit_target)."""
    return question_history(question).exclude(action__in=_NOT_ON_THE_QUESTION_PAGE)


def other_questions_of_customer(question: Question, queue_ids: list[int] | None, *, limit: int = 5) -> list[Question]:
    """The same customer's other questions in `queue_ids` (None: every queue), newest first, each with the desk's
    accepted replies prefetched (`desk_replies`): two queries on the customer's index, however long the history."""
    from django.db.models import Prefetch

    others = Question.objects.filter(customer_id=question.customer_id).exclude(pk=question.pk)
    if queue_ids is not None:
        others = others.filter(queue_id__in=queue_ids)
    accepted = Reply.objects.exclude(status=Reply.Status.FAILED).order_by("created_at", "id")
    return list(
        others.select_related("queue")
        .prefetch_related(Prefetch("replies", queryset=accepted, to_attr="desk_replies"))
        .order_by("-created_at", "-id")[:limit]
    )
