"""Celery tasks of the audit trail: thin callers, safe to run twice or at once (the sealer takes a lock, a verification
runs one at a time)."""

import logging

from celery import shared_task

from . import checkpoints, sealer, verification_runs

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def seal_audit_trail() -> None:
    sealer.seal()


@shared_task(ignore_result=True)
def write_audit_checkpoint() -> None:
    checkpoints.write_checkpoint()


# A run holding the lock is either finishing (seconds) or its worker died and PostgreSQL is about to free the lock;
# either way the request is asked again until it is finished or shown as interrupted (STALE_AFTER), no longer.
BUSY_RETRY_SECONDS = 2


@shared_task(bind=True, ignore_result=True, max_retries=None)
def verify_audit_trail(self, request_id: int) -> None:
    if verification_runs.run(request_id) is verification_runs.RunOutcome.BUSY:
        raise self.retry(countdown=BUSY_RETRY_SECONDS)


def enqueue_verification(request_id: int) -> None:
    """Hand a request from the integrity page to the worker. If the broker is down the request stays "waiting" and
    the page shows it as interrupted after a while; the officer's request must not fail for that."""
    try:
        verify_audit_trail.apply_async((request_id,), retry=False)
    except Exception:  # noqa: BLE001 - any broker failure; the page says the run never began
        logger.warning("Could not enqueue verification %s", request_id, exc_info=True)
