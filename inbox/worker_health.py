"""What the supervisors' health panel shows: when each periodic job of the worker last succeeded or failed."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import WorkerRun

logger = logging.getLogger(__name__)

POLL = "poll-mentions"
SWEEP = "flag-unanswered"
DRAIN = "drain-outbox"
RELEASE = "release-expired-claims"


@contextmanager
def reporting(job: str) -> Iterator[dict[str, Any]]:
    """Run a job, then note its success with the outcome the block filled in, or its failure (re-raised)."""
    outcome: dict[str, Any] = {}
    try:
        yield outcome
    except Exception as error:
        _note(job, last_failure_at=timezone.now(), last_error=f"{type(error).__name__}: {error}"[:2000])
        raise
    _note(job, last_success_at=timezone.now(), last_outcome=outcome)


def _note(job: str, **fields: Any) -> None:
    # One INSERT … ON CONFLICT DO UPDATE: two workers noting the same job at once never collide.
    try:
        WorkerRun.objects.bulk_create(
            [WorkerRun(job=job, **fields)],
            update_conflicts=True,
            unique_fields=["job"],
            update_fields=list(fields),
        )
    except DatabaseError:
        # The health panel must never turn a job's own success or failure into another error.
        logger.warning("Could not note the run of %s", job, exc_info=True)


@dataclass(frozen=True)
class JobHealth:
    job: str
    label: str
    every_seconds: float
    last_success_at: datetime | None
    last_failure_at: datetime | None
    last_error: str
    outcome: dict[str, Any]
    # No success for three of its intervals: the worker or beat is down, or the job keeps failing.
    late: bool


_LABELS = {
    POLL: _("Last poll of X"),
    SWEEP: _("Last service-level sweep"),
    DRAIN: _("Last outbox drain"),
    RELEASE: _("Last release of expired claims"),
}


def job_panel(now: datetime) -> list[JobHealth]:
    runs = {run.job: run for run in WorkerRun.objects.all()}
    panel = []
    for job, label in _LABELS.items():
        run = runs.get(job) or WorkerRun(job=job)
        # The job names are the beat schedule's entry names.
        every = float(settings.CELERY_BEAT_SCHEDULE.get(job, {}).get("schedule", 60.0))
        panel.append(
            JobHealth(
                job=job,
                label=str(label),
                every_seconds=every,
                last_success_at=run.last_success_at,
                last_failure_at=run.last_failure_at,
                last_error=run.last_error,
                outcome=run.last_outcome or {},
                late=run.last_success_at is None or run.last_success_at < now - timedelta(seconds=3 * every),
            )
        )
    return panel
