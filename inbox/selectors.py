"""Read-only queries of the inbox, each on an index (README, "Inbox queries")."""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import Employee
from audit.models import AuditEntry

from .models import MentionCursor, Question, Queue, Reply, ReplyTemplate, past_due_condition


@dataclass(frozen=True)
class InboxFilters:
    queue_id: int | None = None
    status: str = Question.Status.OPEN
    mine: bool = False
    overdue: bool = False
    after: str = ""  # keyset position: "priority|created_at|id" of the last row shown


@dataclass(frozen=True)
class InboxPage:
    questions: list[Question]
    next_after: str | None


# A number outside PostgreSQL's bigint would make the query itself fail.
BIGINT_LIMIT = 2**63


def _position(question: Question) -> str:
    return f"{question.priority}|{question.created_at.isoformat()}|{question.pk}"


def _parse_position(position: str) -> tuple[int, datetime, int] | None:
    """The position `_position` wrote, or None for anything else (a hand-edited URL starts at the first page)."""
    try:
        priority_text, created, pk_text = position.split("|")
        priority, pk = int(priority_text), int(pk_text)
        created_at = parse_datetime(created)
        if created_at is None or created_at.tzinfo is None:
            return None
        # In UTC, as stored: PostgreSQL refuses offsets beyond ±15:59, and the calendar's edges overflow here.
        created_at = created_at.astimezone(UTC)
    except (ValueError, TypeError, OverflowError):
        return None
    if not all(-BIGINT_LIMIT <= number < BIGINT_LIMIT for number in (priority, pk)):
        return None
    return (priority, created_at, pk)


def questions_for_inbox(
    employee: Employee, queue_ids: list[int], filters: InboxFilters, *, now: datetime | None = None
) -> InboxPage:
    """One page of the questions `employee` may see, highest priority then oldest first, by keyset."""
    now = now or timezone.now()
    size = settings.INBOX_PAGE_SIZE
    if filters.queue_id is not None:
        queue_ids = [q for q in queue_ids if q == filters.queue_id]
    questions: QuerySet[Question] = Question.objects.filter(queue_id__in=queue_ids, status=filters.status)
    if filters.mine:
        questions = questions.held_by(employee, now)
    if filters.overdue:
        questions = questions.past_due(now)
    questions = questions.select_related("customer", "queue", "holder").order_by("-priority", "created_at", "id")
    position = _parse_position(filters.after) if filters.after else None
    if position is None:
        rows = list(questions[: size + 1])
    else:
        # Rows after the position, in two index range scans: the rest of its priority (bounded by created_at,
        # which the index can seek to), then every lower priority. One OR-ed predicate would scan instead.
        priority, created_at, pk = position
        rows = list(
            questions.filter(priority=priority, created_at__gte=created_at).exclude(created_at=created_at, pk__lte=pk)[
                : size + 1
            ]
        )
        if len(rows) <= size:
            rows += list(questions.filter(priority__lt=priority)[: size + 1 - len(rows)])
    next_after = _position(rows[size - 1]) if len(rows) > size else None
    return InboxPage(with_states(rows[:size], now), next_after)


def with_states(questions: list[Question], now: datetime) -> list[Question]:
    """Mark each question with what the rows show (`held_now`, `past_due_now`), decided by the model's rules:
    templates show these flags and never compare times themselves."""
    for question in questions:
        question.held_now = question.is_held(now)
        question.past_due_now = question.status == Question.Status.OPEN and question.is_past_due(now)
    return questions


def conversation(question: Question):
    return question.posts.all()


def replies_of(question: Question):
    return Reply.objects.filter(question=question).select_related("author").order_by("created_at")


def templates_for(queue: Queue) -> QuerySet[ReplyTemplate]:
    """The reply templates offered in `queue`: its own and those for every queue."""
    return ReplyTemplate.objects.filter(Q(queue__isnull=True) | Q(queue=queue)).order_by("position", "title")


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
