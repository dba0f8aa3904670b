"""The service-level sweep: questions left unanswered are flagged, then their queue's supervisors warned.

Steps, in this order, each in batches of one transaction (flags, audit entries and notices together):
1. flag every open question past its service level (`due_at`) as overdue;
2. warn about every open question past its second threshold (`warn_at`): flag it so, and write one notice
   per question, round and level for its queue's supervisors, to be mailed after commit (notices.py).

Each step reads only the rows it is about to change, through a partial index of the rows not flagged yet, so
its cost grows with what it flags, never with the table. Rows are locked (FOR UPDATE) and the UPDATE repeats
the condition: a second sweep at the same moment waits, then finds nothing left to flag. Not SKIP LOCKED: a
sweep rerun after its worker was killed must wait for the dead sweep's locks to go, not skip those rows and
report the work done.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Employee, Role
from audit import recorder

from .models import OverdueNotice, Question, QueueUserObjectPermission

BATCH = 5_000
OPEN = Question.Status.OPEN
Overdue = Question.Overdue


@dataclass
class SweepResult:
    flagged: int = 0
    warned: int = 0


def to_flag(now: datetime) -> QuerySet[Question]:
    """Open questions past their service level and not flagged yet (index question_to_flag)."""
    return Question.objects.filter(status=OPEN, overdue=Overdue.ON_TIME, due_at__lte=now)


def to_warn(now: datetime) -> QuerySet[Question]:
    """Open questions past their second threshold whose supervisors were not warned yet (index question_to_warn)."""
    return Question.objects.filter(status=OPEN, overdue__lt=Overdue.SUPERVISORS_WARNED, warn_at__lte=now)


def flag_unanswered(*, now: datetime | None = None, batch: int = BATCH) -> SweepResult:
    now = now or timezone.now()
    result = SweepResult()
    while count := _flag_batch(now, batch):
        result.flagged += count
    while count := _warn_batch(now, batch):
        result.warned += count
    return result


@transaction.atomic
def _flag_batch(now: datetime, batch: int) -> int:
    rows = list(to_flag(now).select_for_update().order_by("due_at").values_list("pk", "due_at", "round")[:batch])
    if not rows:
        return 0
    Question.objects.filter(pk__in=[pk for pk, _due, _round in rows], status=OPEN, overdue=Overdue.ON_TIME).update(
        overdue=Overdue.OVERDUE
    )
    recorder.record_many(
        "inbox.question.flagged_overdue",
        [
            recorder.SystemEntry("inbox.question", str(pk), f"#{pk}", after={"due_at": due_at, "round": round_})
            for pk, due_at, round_ in rows
        ],
    )
    return len(rows)


@transaction.atomic
def _warn_batch(now: datetime, batch: int) -> int:
    rows = list(
        to_warn(now).select_for_update().order_by("warn_at").values_list("pk", "queue_id", "round", "warn_at")[:batch]
    )
    if not rows:
        return 0
    Question.objects.filter(
        pk__in=[row[0] for row in rows], status=OPEN, overdue__lt=Overdue.SUPERVISORS_WARNED
    ).update(overdue=Overdue.SUPERVISORS_WARNED)
    supervisors = supervisors_by_queue({queue_id for _pk, queue_id, _round, _warn in rows})
    OverdueNotice.objects.bulk_create(
        [
            OverdueNotice(
                question_id=pk,
                round=round_,
                level=Overdue.SUPERVISORS_WARNED,
                queue_id=queue_id,
                created_at=now,
                recipients=" ".join(supervisors[queue_id]),
            )
            for pk, queue_id, round_, _warn in rows
        ],
        ignore_conflicts=True,
    )
    recorder.record_many(
        "inbox.question.supervisors_warned",
        [
            recorder.SystemEntry(
                "inbox.question",
                str(pk),
                f"#{pk}",
                after={"warn_at": warn_at, "round": round_, "supervisors": supervisors[queue_id]},
            )
            for pk, queue_id, round_, warn_at in rows
        ],
    )
    return len(rows)


def supervisors_by_queue(queue_ids: set[int]) -> dict[int, list[str]]:
    """The active supervisors who answer each queue; a queue with none goes to every active supervisor, so that
    no warning goes unread."""
    granted = (
        QueueUserObjectPermission.objects.filter(
            content_object_id__in=queue_ids,
            permission__codename="answer_queue",
            user__status=Employee.Status.ACTIVE,
            user__groups__name=Role.SUPERVISOR,
        )
        .order_by("user__employee_number")
        .values_list("content_object_id", "user__employee_number")
    )
    numbers: dict[int, list[str]] = defaultdict(list)
    for queue_id, number in granted:
        numbers[queue_id].append(number)
    if len(numbers) < len(queue_ids):
        everyone = list(
            Employee.objects.filter(status=Employee.Status.ACTIVE, groups__name=Role.SUPERVISOR)
            .order_by("employee_number")
            .values_list("employee_number", flat=True)
        )
        for queue_id in queue_ids - numbers.keys():
            numbers[queue_id] = everyone
    return numbers
