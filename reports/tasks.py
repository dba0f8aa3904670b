"""The reports' worker jobs: thin callers of reports.rollups and reports.weekly."""

import smtplib
from datetime import datetime

from celery import shared_task
from django.utils import timezone

from . import rollups, warming, weekly


@shared_task
def refresh_recent_figures() -> dict:
    rows = rollups.refresh_recent()
    return {"rows": rows, "charts": warming.warm_usual_periods()}


@shared_task
def refresh_report_history() -> dict:
    rows = rollups.refresh_history()
    return {"rows": rows, "charts": warming.warm_usual_periods()}


# A refused or unreachable mail server: the report was handed back, so the retry takes it again.
@shared_task(
    bind=True, autoretry_for=(smtplib.SMTPException, OSError), retry_backoff=60, retry_backoff_max=1800, max_retries=8
)
def mail_weekly_report(self, now: str | None = None) -> dict:
    """`now`, an ISO time, says which week to report (a test travels in time); the beat gives none."""
    moment = datetime.fromisoformat(now) if now else None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    sent = weekly.mail_weekly_report(now=moment)
    if sent.outcome == weekly.Outcome.BEING_MAILED:
        # Another run holds it; if that run dies before it is mailed, this retry takes it once its lease is stale.
        raise self.retry(countdown=weekly.MAILING_STALE.total_seconds() + 60)
    week = sent.report.week_start.isoformat()
    return {"week": week, "outcome": sent.outcome.value, "recipients": len(sent.recipients)}
