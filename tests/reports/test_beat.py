"""The reports' beat entries: the day figures refreshed every 10 minutes and each night, and the weekly report mailed
Monday 09:00 in the desk's TIME_ZONE, under either scheduler the worker runs."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from celery.schedules import crontab
from django.conf import settings
from redbeat.decoder import RedBeatJSONDecoder, RedBeatJSONEncoder

from replydesk import settings as configured
from reports import tasks

SCHEDULE = settings.CELERY_BEAT_SCHEDULE


@pytest.mark.parametrize(
    ("entry", "task"),
    [
        ("refresh-report-figures", tasks.refresh_recent_figures),
        ("refresh-report-history", tasks.refresh_report_history),
        ("mail-weekly-report", tasks.mail_weekly_report),
    ],
)
def test_each_entry_names_its_task(entry, task):
    assert SCHEDULE[entry]["task"] == task.name == f"reports.tasks.{task.__name__}"


def test_todays_figures_are_refreshed_every_ten_minutes_and_the_history_each_night():
    assert SCHEDULE["refresh-report-figures"]["schedule"] == 600.0
    assert SCHEDULE["refresh-report-history"]["schedule"] == crontab(minute=30, hour=3)


def test_the_weekly_mail_is_due_each_monday_at_nine():
    assert SCHEDULE["mail-weekly-report"]["schedule"] == crontab(minute=0, hour=9, day_of_week="mon")


def test_celery_reads_crontabs_in_the_desks_time_zone():
    # The module's values: other tests move the desk's clock.
    assert configured.CELERY_TIMEZONE == configured.TIME_ZONE


def _round_trip(schedule: crontab) -> crontab:
    return json.loads(json.dumps(schedule, cls=RedBeatJSONEncoder), cls=RedBeatJSONDecoder)


def test_redbeat_stores_the_weekly_crontab_and_reads_it_back_due_at_monday_nine_local():
    schedule = SCHEDULE["mail-weekly-report"]["schedule"]
    stored = _round_trip(schedule)
    assert stored == schedule
    zone = ZoneInfo(configured.TIME_ZONE)
    stored.nowfun = lambda: datetime(2026, 12, 7, 8, 59, tzinfo=zone)  # Monday 08:59 local
    last_run = datetime(2026, 11, 30, 9, 0, tzinfo=zone)
    assert stored.remaining_estimate(last_run).total_seconds() == 60
    stored.nowfun = lambda: datetime(2026, 12, 6, 23, 0, tzinfo=zone)  # Sunday 23:00 local: ten hours to go
    assert stored.remaining_estimate(last_run).total_seconds() == 10 * 3600


def test_redbeat_stores_the_nightly_crontab_and_reads_it_back_due_at_half_past_three_local():
    schedule = SCHEDULE["refresh-report-history"]["schedule"]
    stored = _round_trip(schedule)
    assert stored == schedule
    zone = ZoneInfo(configured.TIME_ZONE)
    stored.nowfun = lambda: datetime(2026, 12, 8, 3, 29, tzinfo=zone)
    assert stored.remaining_estimate(datetime(2026, 12, 7, 3, 30, tzinfo=zone)).total_seconds() == 60
