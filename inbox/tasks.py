"""Celery tasks of the inbox: thin callers of the services, safe to run twice or at the same time."""

import logging
from dataclasses import asdict

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from channels.base import Channel, RateLimited, TemporaryChannelError
from channels.x import x_channel_from_settings
from replydesk.locks import single_flight

from . import approval_sweep, claims, escalations, ingest, notices, outbox, overdue, worker_health

logger = logging.getLogger(__name__)


def _channel() -> Channel | None:
    """The X channel, or None (logged) while the account is not configured: the desk still runs without it."""
    try:
        return x_channel_from_settings()
    except ImproperlyConfigured as missing:
        logger.warning("X channel not configured, skipping: %s", missing)
        return None


# A poll that X failed (a 5xx, a dropped connection) is tried again this soon rather than at the next beat: the
# questions it would have brought in would otherwise wait a whole poll interval more (docs/benchmarks.md, "A day at
# Twelpforce scale"). A rate limit is not retried early: the cursor's pause says when X allows the next call.
POLL_RETRY_SECONDS = 5


@shared_task(ignore_result=True)
def poll_mentions() -> None:
    """Single-flight: a poll still paging through a deep backlog makes the next one a no-op."""
    channel = _channel()
    if channel is None:
        return
    try:
        with single_flight(worker_health.POLL) as acquired:
            if not acquired:
                return
            with worker_health.reporting(worker_health.POLL) as outcome:
                result = ingest.ingest_mentions(channel)
                outcome.update(asdict(result))
    except RateLimited:
        raise
    except TemporaryChannelError:
        _poll_again_soon()
        raise


def _poll_again_soon() -> None:
    try:
        poll_mentions.apply_async(countdown=POLL_RETRY_SECONDS, retry=False)
    except Exception:  # noqa: BLE001 - any broker failure: the next beat polls anyway
        logger.warning("Could not schedule an early poll after a failed one; the next beat polls", exc_info=True)


def enqueue_delivery(reply_id: int) -> None:
    """Ask the worker to post a reply now. If the broker is down the reply still waits in the outbox table,
    and the periodic drain sends it once the broker is back: the employee's request must not fail for that."""
    try:
        # No publish retries: the periodic drain is the retry, and the employee's request must not wait on them.
        deliver_reply.apply_async((reply_id,), retry=False)
    except Exception:  # noqa: BLE001 - any broker failure; the row in the outbox is the source of truth
        logger.warning("Could not enqueue reply %s; the outbox drain will send it", reply_id, exc_info=True)


@shared_task(ignore_result=True)
def deliver_reply(reply_id: int) -> None:
    channel = _channel()
    if channel is None:
        return
    delivery = outbox.deliver(reply_id, channel)
    if delivery.retry_at and delivery.retry_at - timezone.now() <= settings.OUTBOX_MAX_COUNTDOWN:
        deliver_reply.apply_async((reply_id,), eta=delivery.retry_at)


@shared_task(ignore_result=True)
def drain_outbox() -> None:
    """Reconcile interrupted sends, then hand every due reply to a delivery task."""
    channel = _channel()
    if channel is None:
        return
    with worker_health.reporting(worker_health.DRAIN) as outcome:
        try:
            outcome["reconciled"] = len(outbox.reconcile_interrupted(channel))
        finally:
            # Due replies go out even when reconciling failed part-way.
            outcome["dispatched"] = _dispatch_due()


def _dispatch_due() -> int:
    due = outbox.due_replies(timezone.now())
    for reply_id in due:
        deliver_reply.delay(reply_id)
    return len(due)


@shared_task(ignore_result=True)
def release_expired_claims() -> None:
    with worker_health.reporting(worker_health.RELEASE) as outcome:
        outcome["released"] = claims.release_expired()


@shared_task(ignore_result=True)
def flag_unanswered() -> None:
    """The service-level sweeps (questions, then replies awaiting approval), then the warnings they wrote mailed
    (after their commits, outside them)."""
    with worker_health.reporting(worker_health.SWEEP) as outcome:
        result = overdue.flag_unanswered()
        outcome.update(asdict(result))
        approvals = approval_sweep.escalate_overdue()
        outcome.update(approvers_warned=approvals.warned, fallback_opened=approvals.fallback)
        departments = escalations.warn_overdue()
        outcome.update(
            escalations_accept_warned=departments["accept"], escalations_resolve_warned=departments["resolve"]
        )
        for escalation_id in escalations.packets_to_mail(timezone.now()):
            mail_escalation_packet.delay(escalation_id)
        outcome["mailed"] = notices.mail_pending()


@shared_task(ignore_result=True)
def mail_escalation_packet(escalation_id: int) -> None:
    """The hand-off e-mail of a department off the desk; sent once (escalations.mail_packet takes it first)."""
    escalations.mail_packet(escalation_id)
