"""Claims: one employee at a time holds a question, for a lease that expires unless renewed.

Every change is a conditional UPDATE whose WHERE clause states what must still be true, so that of any
number of employees pressing "claim" at once exactly one wins and the rest are told who did.
"""

import uuid
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Employee
from audit import recorder
from replydesk.locks import TransactionLock, transaction_lock

from . import notifications
from .access import ensure_accepted_guidelines, ensure_may_answer, ensure_may_supervise, may_supervise, queues_for
from .drafts import withdraw_pending
from .errors import (
    AlreadyClaimed,
    AwaitingApproval,
    ClaimLost,
    HoldLimitReached,
    NotClaimed,
    QuestionClosed,
    ReasonRequired,
)
from .models import CHANGED, RELEASED_CLAIM, Question, Queue


def _lease_end(now: datetime) -> datetime:
    return now + settings.CLAIM_LEASE


def _refusal(question_id: int, actor: Employee) -> Exception:
    current = Question.objects.select_related("holder").get(pk=question_id)
    if not current.is_answerable:
        return QuestionClosed()
    if current.awaiting_approval and current.holder_id == actor.pk:
        return AwaitingApproval()
    return AlreadyClaimed(current.holder, current.lease_ends)


def _apply(question: Question, fields: dict) -> None:
    for name, value in fields.items():
        setattr(question, name, value)


def _claim_fields(actor: Employee, now: datetime) -> dict:
    return {"holder": actor, "claimed_at": now, "lease_ends": _lease_end(now), "claim_token": uuid.uuid4()}


def _required(reason: str) -> str:
    if not reason.strip():
        raise ReasonRequired()
    return reason.strip()


def parse_token(token: uuid.UUID | str) -> uuid.UUID:
    """The claim token a form sent back; anything that is not one is a lost claim, not an error page."""
    try:
        return uuid.UUID(str(token))
    except ValueError:
        raise ClaimLost() from None


@transaction.atomic(durable=True)
def claim(question: Question, *, actor: Employee, now: datetime | None = None) -> Question:
    """Give `actor` the sole right to answer `question` until the lease ends (a holder claiming again renews)."""
    return _claim(question, actor=actor, now=now or timezone.now())


def _claim(question: Question, *, actor: Employee, now: datetime) -> Question:
    ensure_may_answer(actor, question)
    ensure_accepted_guidelines(actor)
    _ensure_room_to_hold(question, actor=actor, now=now)
    fields = _claim_fields(actor, now)
    # A holder whose reply awaits approval does not claim it again: a new token and lease would unpause nothing.
    won = (
        Question.objects.answerable()
        .free_or_held_by(actor, now)
        .filter(pk=question.pk, awaiting_approval=False)
        .update(**fields, **CHANGED)
    )
    if won != 1:
        raise _refusal(question.pk, actor)
    # The UPDATE wrote exactly these; setting them here saves re-reading the row (and its customer, for the label).
    _apply(question, fields)
    recorder.record("inbox.question.claimed", actor=actor, target=question, after={"lease_ends": question.lease_ends})
    return question


def _ensure_room_to_hold(question: Question, *, actor: Employee, now: datetime) -> None:
    """An employee holds at most CLAIM_HOLD_LIMIT questions at once (claiming one they hold already renews it);
    supervisors are exempt. The employee's claims take a lock of their own first, so that two claims at once
    cannot both see room for one more."""
    if may_supervise(actor):
        return
    transaction_lock(TransactionLock.CLAIMS_OF_EMPLOYEE, actor.pk)
    if Question.objects.held_by(actor, now).exclude(pk=question.pk).count() >= settings.CLAIM_HOLD_LIMIT:
        raise HoldLimitReached(settings.CLAIM_HOLD_LIMIT)


@transaction.atomic(durable=True)
def renew(question: Question, *, actor: Employee, token: uuid.UUID | str, now: datetime | None = None) -> Question:
    """Extend a live claim (the compose page calls this while it is open)."""
    token = parse_token(token)
    now = now or timezone.now()
    ensure_may_answer(actor, question)
    lease_ends = _lease_end(now)
    won = (
        Question.objects.answerable()
        .held_by(actor, now)
        .filter(pk=question.pk, claim_token=token)
        .update(lease_ends=lease_ends, **CHANGED)
    )
    if won != 1:
        raise ClaimLost()
    _apply(question, {"lease_ends": lease_ends})
    recorder.record("inbox.question.renewed", actor=actor, target=question, after={"lease_ends": question.lease_ends})
    return question


@transaction.atomic(durable=True)
def release(question: Question, *, actor: Employee) -> Question:
    """Give the question back to the queue (withdrawing the holder's reply if it awaits approval)."""
    won = Question.objects.filter(pk=question.pk, holder=actor).update(**RELEASED_CLAIM, **CHANGED)
    if won != 1:
        raise ClaimLost()
    _apply(question, RELEASED_CLAIM)
    recorder.record("inbox.question.released", actor=actor, target=question, before={"holder": str(actor)})
    withdraw_pending(question, actor=actor, reason="", now=timezone.now())
    return question


@transaction.atomic(durable=True)
def force_release(question: Question, *, actor: Employee, reason: str) -> Question:
    """A supervisor takes a question away from whoever holds it."""
    ensure_may_supervise(actor, question)
    reason = _required(reason)
    held = Question.objects.select_for_update(of=("self",)).select_related("holder").get(pk=question.pk)
    if held.holder_id is None:
        raise NotClaimed()
    Question.objects.filter(pk=question.pk).update(**RELEASED_CLAIM, **CHANGED)
    question.refresh_from_db()
    recorder.record(
        "inbox.question.force_released",
        actor=actor,
        target=question,
        before={"holder": str(held.holder)},
        after={"reason": reason},
    )
    withdraw_pending(question, actor=actor, reason=reason, now=timezone.now())
    notifications.tell(held.holder, notifications.Kind.TAKEN_FROM_YOU, question, by=str(actor), reason=reason)
    return question


@transaction.atomic(durable=True)
def reassign(
    question: Question, *, actor: Employee, to: Employee, reason: str, now: datetime | None = None
) -> Question:
    """A supervisor hands a question to someone allowed its queue, whoever held it before."""
    now = now or timezone.now()
    ensure_may_supervise(actor, question)
    reason = _required(reason)
    ensure_may_answer(to, question)
    ensure_accepted_guidelines(to, actor=actor)
    held = Question.objects.select_for_update(of=("self",)).select_related("holder").get(pk=question.pk)
    if not held.is_answerable:
        raise QuestionClosed()
    Question.objects.filter(pk=question.pk).update(**_claim_fields(to, now), awaiting_approval=False, **CHANGED)
    question.refresh_from_db()
    recorder.record(
        "inbox.question.reassigned",
        actor=actor,
        target=question,
        before={"holder": str(held.holder) if held.holder else None},
        after={"holder": str(to), "reason": reason, "lease_ends": question.lease_ends},
    )
    withdraw_pending(question, actor=actor, reason=reason, now=now)
    if held.holder_id != to.pk:
        notifications.tell(held.holder, notifications.Kind.TAKEN_FROM_YOU, question, by=str(actor), reason=reason)
    notifications.tell(to, notifications.Kind.REASSIGNED_TO_YOU, question, by=str(actor), reason=reason)
    return question


@transaction.atomic(durable=True)
def next_question_for(actor: Employee, *, now: datetime | None = None) -> Question | None:
    """Claim the oldest, highest-priority free question `actor` may answer, or None.

    The pick locks its row with SKIP LOCKED, so employees asking at the same moment get different
    questions instead of queueing behind one row.
    """
    now = now or timezone.now()
    # Before the pick: someone who may not claim is told so, not that nothing is waiting.
    ensure_accepted_guidelines(actor)
    candidates = (
        Question.objects.open().free(now).filter(queue__in=queues_for(actor)).order_by("-priority", "created_at", "id")
    )
    if connection.features.has_select_for_update_skip_locked:
        candidates = candidates.select_for_update(skip_locked=True, of=("self",))
    picked = candidates.first()
    if picked is None:
        return None
    return _claim(picked, actor=actor, now=now)


@transaction.atomic(durable=True)
def release_expired(*, now: datetime | None = None) -> int:
    """Free every claim whose lease ended, in one statement, recording one entry per question freed."""
    now = now or timezone.now()
    expired = list(
        Question.objects.lease_ended(now)
        .select_for_update(skip_locked=True, of=("self",))
        .values_list("pk", "holder__employee_number")
    )
    if not expired:
        return 0
    Question.objects.lease_ended(now).filter(pk__in=[pk for pk, _number in expired]).update(**RELEASED_CLAIM, **CHANGED)
    for pk, number in expired:
        recorder.record(
            "inbox.question.lock_expired",
            actor=None,
            target_type="inbox.question",
            target_id=str(pk),
            target_label=f"#{pk}",
            before={"holder": number},
        )
    return len(expired)


def release_claims_of(employee: Employee, *, actor: Employee, reason: str, queue: Queue | None = None) -> int:
    """Free the questions `employee` holds (in `queue`, or all), one force-release entry each.

    Part of a change to the person made in the caller's transaction (suspension, a queue revoked): the
    employee may no longer answer, so the claims go with the permission, whatever the lease says.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("release_claims_of runs inside the transaction of the change that ends the claims")
    held = Question.objects.filter(holder=employee)
    if queue is not None:
        held = held.filter(queue=queue)
    released = list(held.select_for_update(of=("self",)))
    Question.objects.filter(pk__in=[q.pk for q in released], holder=employee).update(**RELEASED_CLAIM, **CHANGED)
    now = timezone.now()
    for question in released:
        recorder.record(
            "inbox.question.force_released",
            actor=actor,
            target=question,
            before={"holder": str(employee)},
            after={"reason": reason},
        )
        withdraw_pending(question, actor=actor, reason=reason, now=now)
        notifications.tell(employee, notifications.Kind.TAKEN_FROM_YOU, question, by=str(actor), reason=reason)
    return len(released)
