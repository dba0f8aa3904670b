"""Celery tasks of the inbox: thin callers of the services, safe to run twice or at the same time."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from . import claims, ingest, outbox
from .channels.base import Channel
from .channels.x import x_channel_from_settings

logger = logging.getLogger(__name__)


def _channel() -> Channel | None:
    """The X channel, or None (logged) while the account is not configured: the desk still runs without it."""
    try:
        return x_channel_from_settings()
    except ImproperlyConfigured as missing:
        logger.warning("X channel not configured, skipping: %s", missing)
        return None


@shared_task(ignore_result=True)
def poll_mentions() -> None:
    if channel := _channel():
        ingest.ingest_mentions(channel)


def enqueue_delivery(reply_id: int) -> None:
    """Ask the worker to post a reply now. If the broker is down the reply still waits in the outbox table,
    and the periodic drain sends it once the broker is back: the employee's request must not fail for that."""
    try:
        deliver_reply.delay(reply_id)
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
    try:
        outbox.reconcile_interrupted(channel)
    finally:
        # Due replies go out even when reconciling failed part-way.
        _dispatch_due()


def _dispatch_due() -> None:
    for reply_id in outbox.due_replies(timezone.now()):
        deliver_reply.delay(reply_id)


@shared_task(ignore_result=True)
def release_expired_claims() -> None:
    claims.release_expired()
