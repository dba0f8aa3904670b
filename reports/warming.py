"""After the worker refreshes the day figures, it adds up the periods people open most (the presets of the period
report) and draws their charts in each language, so that opening them reads the cache instead of adding up days and
drawing on the page's time. A period nobody asked for is added up on its first view."""

from datetime import datetime

from django.conf import settings
from django.utils import timezone, translation

from . import figures, periods, presentation
from .rollups import local_day


def warm_usual_periods(*, now: datetime | None = None) -> int:
    """Add up and draw the preset periods in every language the desk offers; the number of charts drawn or found."""
    now = now or timezone.now()
    today = local_day(now)
    charts = 0
    for name, _label in periods.PRESETS:
        chosen = periods.preset(name, today)
        report = figures.period_report(chosen.first, chosen.last, now=now)
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                for chart in presentation.report_charts(report):
                    chart.remember()
                    chart.svg()
                    charts += 1
    return charts
