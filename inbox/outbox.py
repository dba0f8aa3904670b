"""The outbox: queued replies are posted to X by the worker, each exactly once.

A delivery, in this order:
1. keep within the posting budget (per window and per day), else wait in order for the window to free;
2. move the reply queued → sending by a conditional UPDATE (only one worker wins it) and commit;
3. call X outside any transaction;
4. record the result: sent with X's id; back to queued with a later attempt (429 until the reset, 5xx and
   time-outs with exponential back-off); or failed with X's reason, reopening the question.
A retry, and a reply left in `sending` (the worker died between 2 and 4), first looks for the reply on X:
an attempt whose answer was lost may have been posted, and X must never get it twice.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from audit import recorder
from channels.base import Channel, ChannelError, PermanentChannelError, RateLimited, TemporaryChannelError
from channels.x import post_time
from replydesk.locks import TransactionLock, transaction_lock

from . import escalations, notifications
from .access import may_answer
from .models import CHANGED, Question, Reply

SENT, QUEUED, SENDING, FAILED = Reply.Status.SENT, Reply.Status.QUEUED, Reply.Status.SENDING, Reply.Status.FAILED


@dataclass(frozen=True)
class Delivery:
    """What happened to one reply; `retry_at` is when to try again, if at all."""

    outcome: str
    retry_at: datetime | None = None


@dataclass(frozen=True)
class Budget:
    remaining: int
    frees_at: datetime | None


def posting_budget(now: datetime) -> Budget:
    """Posts left in the current window (and day), and when the next slot frees if none are."""
    in_flight = Q(status=SENT) | Q(status=SENDING)
    window_start = now - settings.POSTING_WINDOW
    recent = list(
        Reply.objects.filter(in_flight, Q(sent_at__gte=window_start) | Q(sending_since__gte=window_start))
        .order_by("sent_at")
        .values_list("sent_at", "sending_since")[: settings.POSTING_BUDGET + 1]
    )
    remaining = settings.POSTING_BUDGET - len(recent)
    frees_at = None
    if remaining <= 0:
        oldest = min((sent or sending) for sent, sending in recent)
        frees_at = oldest + settings.POSTING_WINDOW
    if settings.POSTING_DAILY_CAP:
        day_start = now - timedelta(days=1)
        today = Reply.objects.filter(status=SENT, sent_at__gte=day_start).order_by("sent_at")
        used = today.count()
        if used >= settings.POSTING_DAILY_CAP:
            first = today.values_list("sent_at", flat=True).first()
            day_frees = first + timedelta(days=1)
            frees_at = max(frees_at or day_frees, day_frees)
            remaining = 0
        else:
            remaining = min(remaining, settings.POSTING_DAILY_CAP - used)
    return Budget(remaining=max(remaining, 0), frees_at=frees_at)


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2**attempts, 300))


def deliver(reply_id: int, channel: Channel, *, now: datetime | None = None) -> Delivery:
    now = now or timezone.now()
    budget, started = _start_sending_within_budget(reply_id, now)
    if budget.remaining <= 0:
        return Delivery("budget_spent", budget.frees_at)
    if not started:
        return Delivery("not_due")
    # `sending_since` now identifies this attempt: every result below is written only if it still does.
    reply = Reply.objects.select_related("question", "author").get(pk=reply_id)
    try:
        if reply.attempts > 1:
            # An earlier attempt may have reached X even though its answer was lost (time-out, dropped
            # connection): look before posting again, so a retry never posts twice.
            found = channel.find_reply(
                conversation_id=reply.question.conversation_id, in_reply_to=reply.in_reply_to, text=reply.text
            )
            if found:
                return _mark_sent(reply, found, found_by_reconciliation=True)
            if reply.attempts > settings.OUTBOX_MAX_ATTEMPTS:
                # Given up only now that X confirms it does not have the reply.
                return _fail(reply, reply.failure_reason or "too many failed attempts")
        posted = channel.post_reply(text=reply.text, in_reply_to=reply.in_reply_to)
    except RateLimited as limited:
        return _retry_later(reply, reason=limited.reason, at=limited.reset_at)
    except TemporaryChannelError as error:
        # Never fail here: a time-out may hide a post that X made; the next attempt looks first.
        return _retry_later(reply, reason=error.reason, at=timezone.now() + _backoff(reply.attempts))
    except PermanentChannelError as error:
        if reply.attempts > 1 and "duplicate" in error.reason.lower():
            # X refuses the same text from the account twice: an earlier attempt did post it.
            return _mark_sent(reply, "", found_by_reconciliation=True)
        return _fail(reply, error.reason)
    return _mark_sent(reply, posted.id, found_by_reconciliation=False)


@transaction.atomic(durable=True)
def _start_sending_within_budget(reply_id: int, now: datetime) -> tuple[Budget, bool]:
    """Check the budget and take a slot in one transaction, one worker at a time: two workers checking at once
    would both see the last slot free. A reply in `sending` counts against the budget, so the next worker to
    get the lock sees the slot taken."""
    transaction_lock(TransactionLock.POSTING_BUDGET)
    budget = posting_budget(now)
    if budget.remaining <= 0:
        _wait_for_budget(budget.frees_at)
        return budget, False
    return budget, _start_sending(reply_id, now)


def _wait_for_budget(frees_at: datetime) -> None:
    """Every queued reply waits behind the moment the window frees, keeping its order."""
    Reply.objects.filter(status=QUEUED, next_attempt_at__lt=frees_at).update(next_attempt_at=frees_at)


def _start_sending(reply_id: int, now: datetime) -> bool:
    won = Reply.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now), pk=reply_id, status=QUEUED
    ).update(status=SENDING, sending_since=now, attempts=F("attempts") + 1)
    if won == 1:
        _question_page_changed(Reply.objects.filter(pk=reply_id).values("question_id"))
    return won == 1


def _question_page_changed(question_ids) -> None:
    """A reply's status shows on its question's page: the question's version moves with it."""
    Question.objects.filter(pk__in=question_ids).update(**CHANGED)


def _this_attempt(reply: Reply):
    return Reply.objects.filter(pk=reply.pk, status=SENDING, sending_since=reply.sending_since)


def _posted_at(reply: Reply, posted_id: str) -> datetime:
    """When X accepted the reply: the time its post id carries, which the reports' first response counts from. A
    reply found on X after a lost answer or by reconciliation was posted long before the desk learnt of it. Kept
    between its queueing and now (the id's time is to the millisecond, and an id without a time gives now)."""
    now = timezone.now()
    created = post_time(posted_id)
    if created is None:
        return now
    return min(max(created, reply.created_at), now)


@transaction.atomic(durable=True)
def _mark_sent(reply: Reply, posted_id: str, *, found_by_reconciliation: bool) -> Delivery:
    sent_at = _posted_at(reply, posted_id)
    won = _this_attempt(reply).update(status=SENT, posted_id=posted_id, sent_at=sent_at, sending_since=None)
    if won != 1:
        return Delivery("lost_race")
    _question_page_changed([reply.question_id])
    recorder.record(
        "inbox.reply.sent",
        actor=None,
        target=reply.question,
        after={"reply": reply.pk, "posted_id": posted_id, "reconciled": found_by_reconciliation},
    )
    if reply.purpose == Reply.Purpose.ACKNOWLEDGEMENT:
        # What the customer sees: the desk's first response; the department's service levels start now.
        escalations.acknowledged(reply, sent_at=sent_at)
    return Delivery("sent")


@transaction.atomic(durable=True)
def _retry_later(reply: Reply, *, reason: str, at: datetime) -> Delivery:
    won = _this_attempt(reply).update(status=QUEUED, next_attempt_at=at, sending_since=None, failure_reason=reason)
    if won != 1:
        return Delivery("lost_race")
    _question_page_changed([reply.question_id])
    recorder.record(
        "inbox.reply.retried",
        actor=None,
        target=reply.question,
        after={"reply": reply.pk, "reason": reason, "next_attempt_at": at, "attempt": reply.attempts},
    )
    return Delivery("retry", at)


@transaction.atomic(durable=True)
def _fail(reply: Reply, reason: str) -> Delivery:
    won = _this_attempt(reply).update(status=FAILED, failure_reason=reason, sending_since=None)
    if won != 1:
        return Delivery("lost_race")
    # The customer still waits for an answer: the question goes back to the queue for this round; an approved reply
    # goes back to its author, who holds the question again to write another text (which needs an approval of its
    # own: the one given was for the refused text only).
    reopened = {"status": Question.Status.OPEN, "answered_at": None}
    if reply.purpose == Reply.Purpose.CLOSING:
        # The department's closing reply: the question stays with the department, which writes it again.
        reopened = {"status": Question.Status.ESCALATED}
    back_to_author = reply.approval_id is not None and may_answer(reply.author, reply.question)
    if back_to_author:
        now = timezone.now()
        reopened.update(
            holder=reply.author, claimed_at=now, lease_ends=now + settings.CLAIM_LEASE, claim_token=uuid.uuid4()
        )
    Question.objects.filter(pk=reply.question_id, round=reply.round, holder__isnull=True).update(**reopened)
    _question_page_changed([reply.question_id])
    after = {"reply": reply.pk, "reason": reason}
    if back_to_author:
        after["back_to"] = str(reply.author)
    recorder.record("inbox.reply.failed", actor=None, target=reply.question, after=after)
    notifications.tell(reply.author, notifications.Kind.REPLY_FAILED, reply.question, reason=reason)
    return Delivery("failed")


def reconcile_interrupted(channel: Channel, *, now: datetime | None = None) -> list[Delivery]:
    """Settle replies stuck in `sending`: X has it → sent; X does not → queued again for a resend.

    Each stale attempt is first taken over by a conditional UPDATE of its `sending_since`, so two drains (or
    a drain and a late worker) never settle the same attempt twice.
    """
    now = now or timezone.now()
    stale = Reply.objects.filter(status=SENDING, sending_since__lt=now - settings.OUTBOX_SENDING_STALE)
    outcomes = []
    for reply in stale.select_related("question"):
        if _this_attempt(reply).update(sending_since=now) != 1:
            continue
        reply.sending_since = now
        try:
            found = channel.find_reply(
                conversation_id=reply.question.conversation_id, in_reply_to=reply.in_reply_to, text=reply.text
            )
        except ChannelError as error:
            # Search refused (rate limit, tier): leave it to the next drain, which retries after the stale time.
            outcomes.append(Delivery(f"unreconciled: {error.reason}"))
            continue
        if found:
            outcomes.append(_mark_sent(reply, found, found_by_reconciliation=True))
        else:
            outcomes.append(_retry_later(reply, reason="interrupted; not found on X", at=now))
    return outcomes


def due_replies(now: datetime, limit: int = 100) -> list[int]:
    """Queued replies whose attempt is due, oldest first."""
    return list(
        Reply.objects.filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now), status=QUEUED)
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )
