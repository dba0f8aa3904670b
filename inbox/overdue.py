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

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from audit import recorder

from .access import supervisors_by_queue
from .models import CHANGED, OverdueNotice, Question

BATCH = 5_000
Overdue = Question.Overdue


@dataclass
class SweepResult:
    flagged: int = 0
    warned: int = 0


def flag_unanswered(*, now: datetime | None = None, batch: int = BATCH) -> SweepResult:
    now = now or timezone.now()
    result = SweepResult()
    while count := _flag_batch(now, batch):
        result.flagged += count
    while count := _warn_batch(now, batch):
        result.warned += count
    return result


@transaction.atomic(durable=True)
def _flag_batch(now: datetime, batch: int) -> int:
    rows = list(
        Question.objects.to_flag(now)
        .select_for_update()
        .order_by("due_at")
        .values_list("pk", "due_at", "round")[:batch]
    )
    if not rows:
        return 0
    Question.objects.to_flag(now).filter(pk__in=[pk for pk, _due, _round in rows]).update(
        overdue=Overdue.OVERDUE, **CHANGED
    )
    recorder.record_many(
        "inbox.question.flagged_overdue",
        [
            recorder.SystemEntry("inbox.question", str(pk), f"#{pk}", after={"due_at": due_at, "round": round_})
            for pk, due_at, round_ in rows
        ],
    )
    return len(rows)


@transaction.atomic(durable=True)
def _warn_batch(now: datetime, batch: int) -> int:
    rows = list(
        Question.objects.to_warn(now)
        .select_for_update()
        .order_by("warn_at")
        .values_list("pk", "queue_id", "round", "warn_at")[:batch]
    )
    if not rows:
        return 0
    Question.objects.to_warn(now).filter(pk__in=[row[0] for row in rows]).update(
        overdue=Overdue.SUPERVISORS_WARNED, **CHANGED
    )
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
