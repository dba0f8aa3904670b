"""The approval service level, swept by the worker: past a queue's approval time the approvers of a waiting reply are
warned; past its fallback time the fallback approvers (every supervisor and administrator) may decide on it too.

Each step reads only the drafts it is about to change (partial indexes draft_to_warn and draft_to_fall_back), locks
them and repeats its condition in the UPDATE, so a second sweep at the same moment changes nothing.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.access import ANSWERERS
from audit import recorder

from . import notifications
from .access import approvers_of, fallback_approvers
from .models import Question, ReplyDraft

PENDING = ReplyDraft.Status.PENDING
Escalation = ReplyDraft.Escalation
BATCH = 1_000


@dataclass
class EscalationResult:
    warned: int = 0
    fallback: int = 0


def escalate_overdue(*, now: datetime | None = None, batch: int = BATCH) -> EscalationResult:
    """Warn the approvers of drafts past their approval time, then open those past their fallback time to the fallback
    approvers. Each reads only the drafts it is about to change (partial indexes); a second run changes nothing."""
    now = now or timezone.now()
    result = EscalationResult()
    while count := _warn_batch(now, batch):
        result.warned += count
    while count := _fallback_batch(now, batch):
        result.fallback += count
    return result


def _take(due, batch: int, to: int) -> list[ReplyDraft]:
    """Lock the drafts, raise their escalation to `to` (the UPDATE repeats the condition) and tell their questions'
    open pages."""
    drafts = list(due.select_for_update(of=("self",)).select_related("question__queue").order_by("id")[:batch])
    ReplyDraft.objects.filter(pk__in=[d.pk for d in drafts], escalation__lt=to).update(escalation=to)
    Question.objects.filter(pk__in={d.question_id for d in drafts}).update(version=F("version") + 1)
    return drafts


def _tell(recipients, draft: ReplyDraft, kind: str) -> list[str]:
    """Notify everyone but the draft's author who reads notifications (administrators see the approvals' count in
    the navigation instead); the numbers told, for the trail."""
    told = [person for person in recipients if person.pk != draft.author_id and person.has_role(*ANSWERERS)]
    for person in told:
        notifications.tell(person, kind, draft.question)
    return [person.employee_number for person in told]


@transaction.atomic(durable=True)
def _warn_batch(now: datetime, batch: int) -> int:
    due = ReplyDraft.objects.filter(status=PENDING, escalation=Escalation.ON_TIME, warn_at__lte=now)
    drafts = _take(due, batch, Escalation.APPROVERS_WARNED)
    for draft in drafts:
        told = _tell(approvers_of(draft.question.queue), draft, notifications.Kind.APPROVAL_OVERDUE)
        recorder.record(
            "inbox.approval.approvers_warned",
            actor=None,
            target=draft.question,
            after={"draft": draft.pk, "told": told},
        )
    return len(drafts)


@transaction.atomic(durable=True)
def _fallback_batch(now: datetime, batch: int) -> int:
    due = ReplyDraft.objects.filter(status=PENDING, escalation__lt=Escalation.FALLBACK, fallback_at__lte=now)
    drafts = _take(due, batch, Escalation.FALLBACK)
    fallback_group = list(fallback_approvers()) if drafts else []
    for draft in drafts:
        told = _tell(fallback_group, draft, notifications.Kind.APPROVAL_FALLBACK)
        after = {"draft": draft.pk, "told": told}
        recorder.record("inbox.approval.fallback_opened", actor=None, target=draft.question, after=after)
    return len(drafts)
