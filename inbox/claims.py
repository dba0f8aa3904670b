"""Claims: one employee at a time holds a question, for a lease that expires unless renewed.

Every change is a conditional UPDATE whose WHERE clause states what must still be true, so that of any
number of employees pressing "claim" at once exactly one wins and the rest are told who did.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NoReturn

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.db.models.lookups import LessThan
from django.utils import timezone

from accounts.models import Employee
from audit import recorder
from replydesk.locks import TransactionLock, transaction_lock

from . import notifications
from .access import (
    answerable_by,
    ensure_accepted_guidelines,
    ensure_may_answer,
    ensure_may_supervise,
    has_accepted_guidelines,
    may_supervise,
    queues_for,
)
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
from .prepared import PreparedUpdate


def _lease_end(now: datetime) -> datetime:
    return now + settings.CLAIM_LEASE


def _refuse(question_id: int, actor: Employee, now: datetime) -> NoReturn:
    """Why the claim's conditional UPDATE changed nothing. Asked only then, of the row as it is now, in the order a
    person is told: may not answer this queue, guidelines not accepted, at the hold limit, then the question's own
    state (closed, awaiting approval, someone else's)."""
    current = Question.objects.select_related("holder", "department").get(pk=question_id)
    ensure_may_answer(actor, current)
    ensure_accepted_guidelines(actor)
    # Still under the employee's claims lock: the count is the one the UPDATE saw, unless a claim ended since.
    if not may_supervise(actor) and _others_held(actor, question_id, now).count() >= settings.CLAIM_HOLD_LIMIT:
        raise HoldLimitReached(settings.CLAIM_HOLD_LIMIT)
    if not current.is_answerable:
        raise QuestionClosed()
    if current.awaiting_approval and current.holder_id == actor.pk:
        raise AwaitingApproval()
    raise AlreadyClaimed(current.holder, current.lease_ends)


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


def _claim(question: Question, *, actor: Employee, now: datetime, claims_locked: bool = False) -> Question:
    """One conditional UPDATE states everything a claim needs (_claimable), so that a claim that succeeds costs that
    statement and its audit entry; a claim it refuses is explained afterwards (_refuse). `claims_locked`: the caller
    took the employee's claims lock already (next_question_for)."""
    if not claims_locked:
        _lock_claims_of(actor)
    fields = _claim_fields(actor, now)
    values = _ClaimValues(
        question_id=question.pk,
        actor_id=actor.pk,
        now=now,
        lease_ends=fields["lease_ends"],
        token=fields["claim_token"],
        hold_limit=settings.CLAIM_HOLD_LIMIT,
    )
    if _CLAIM.execute(actor, values) != 1:
        _refuse(question.pk, actor, now)
    # The UPDATE wrote exactly these; setting them here saves re-reading the row (and its customer, for the label).
    _apply(question, fields)
    recorder.record("inbox.question.claimed", actor=actor, target=question, after={"lease_ends": question.lease_ends})
    return question


def _lock_claims_of(actor: Employee) -> None:
    """The hold limit counts what the employee holds: their claims take a lock of their own first, so that two claims
    at once cannot both see room for one more. The UPDATE is a statement of its own after it, so its snapshot (READ
    COMMITTED) includes the claim that held the lock before. Supervisors hold without limit and take none."""
    if not may_supervise(actor):
        transaction_lock(TransactionLock.CLAIMS_OF_EMPLOYEE, actor.pk)


@dataclass(frozen=True)
class _ClaimValues:
    """What changes from one claim to the next in the claim's UPDATE."""

    question_id: int
    actor_id: int
    now: datetime
    lease_ends: datetime
    token: uuid.UUID
    hold_limit: int


def _claimable(actor: Employee, values: _ClaimValues) -> tuple[QuerySet[Question], dict]:
    """The claim's conditional UPDATE (rows and new values), built from the rules where they are defined: the
    question answerable and free (or already the actor's, which renews it), no reply of theirs awaiting approval,
    the actor allowed to answer it (access.answerable_by, read from the row, not from the caller's copy), the
    guidelines in force accepted, and, below the supervisors, fewer than CLAIM_HOLD_LIMIT other questions held."""
    rows = (
        Question.objects.answerable()
        .free_or_held_by(values.actor_id, values.now)
        # A holder whose reply awaits approval does not claim it again: a new token and lease would unpause nothing.
        .filter(answerable_by(actor), has_accepted_guidelines(actor), pk=values.question_id, awaiting_approval=False)
    )
    if not may_supervise(actor):
        others = _others_held(values.actor_id, values.question_id, values.now).order_by().values("holder")
        count = Subquery(others.annotate(count=Count("pk")).values("count"))
        rows = rows.filter(LessThan(Coalesce(count, 0), values.hold_limit))
    changes = {
        "holder_id": values.actor_id,
        "claimed_at": values.now,
        "lease_ends": values.lease_ends,
        "claim_token": values.token,
        **CHANGED,
    }
    return rows, changes


def _others_held(actor: Employee | int, question_id: int, now: datetime) -> QuerySet[Question]:
    """What counts towards an employee's hold limit when they claim `question_id` (claiming one they hold already
    renews it): CLAIM_HOLD_LIMIT at most; supervisors are exempt."""
    return Question.objects.held_by(actor, now).exclude(pk=question_id)


_CLAIM = PreparedUpdate(
    _claimable,
    _ClaimValues(
        question_id=-7_000_000_001,
        actor_id=-7_000_000_002,
        now=datetime(1901, 1, 1, tzinfo=UTC),
        lease_ends=datetime(1902, 2, 2, tzinfo=UTC),
        token=uuid.UUID(int=7_000_000_003),
        hold_limit=-7_000_000_004,
    ),
    actor_id="actor_id",
    optional=("hold_limit",),  # supervisors are exempt
)


@dataclass(frozen=True)
class _ReleaseValues:
    question_id: int
    actor_id: int


def _releasable(actor: Employee, values: _ReleaseValues) -> tuple[QuerySet[Question], dict]:
    """The release's conditional UPDATE: the question, if `actor` holds it still."""
    return Question.objects.filter(pk=values.question_id, holder=values.actor_id), {**RELEASED_CLAIM, **CHANGED}


_RELEASE = PreparedUpdate(
    _releasable, _ReleaseValues(question_id=-7_000_000_001, actor_id=-7_000_000_002), actor_id="actor_id"
)


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
    if _RELEASE.execute(actor, _ReleaseValues(question_id=question.pk, actor_id=actor.pk)) != 1:
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
    # The employee's claims lock before the pick's row lock, in the order claim() takes them: the same person
    # pressing "Next question" and "Claim" at once would otherwise deadlock (one of them failing with an error).
    _lock_claims_of(actor)
    candidates = (
        Question.objects.open()
        .free(now)
        .filter(queue__in=queues_for(actor))
        .order_by("-priority", "created_at", "id")
        # The customer names the question in the claim's audit entry: read with it, not in a query of its own.
        .select_related("customer")
    )
    if connection.features.has_select_for_update_skip_locked:
        candidates = candidates.select_for_update(skip_locked=True, of=("self",))
    picked = candidates.first()
    if picked is None:
        # Someone who may not claim is told so, not that nothing is waiting (a pick is refused by _claim itself).
        ensure_accepted_guidelines(actor)
        return None
    return _claim(picked, actor=actor, now=now, claims_locked=True)


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
