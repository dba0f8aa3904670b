"""What the access matrix needs of the reports: an archived weekly report to open."""

from datetime import date

from django.utils import timezone

from reports.figures import period_report
from reports.models import WeeklyReport

WEEK = date(2026, 11, 30)


def archived_week() -> str:
    """Last week's report as the worker would have kept it; its week, as the URL gives it."""
    WeeklyReport.objects.get_or_create(
        week_start=WEEK,
        defaults={
            "language": "ja",
            "data": period_report(WEEK, date(2026, 12, 6)),
            "built_at": timezone.now(),
        },
    )
    return WEEK.isoformat()
