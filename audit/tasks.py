"""Celery tasks of the audit trail: thin callers, safe to run twice or at once (the sealer takes a lock)."""

from celery import shared_task

from . import checkpoints, sealer


@shared_task(ignore_result=True)
def seal_audit_trail() -> None:
    sealer.seal()


@shared_task(ignore_result=True)
def write_audit_checkpoint() -> None:
    checkpoints.write_checkpoint()
