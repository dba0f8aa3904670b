"""The weekly sample is due Monday 00:00 in the desk's TIME_ZONE, under either scheduler the worker runs."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from celery.schedules import crontab
from django.conf import settings
from redbeat.decoder import RedBeatJSONDecoder, RedBeatJSONEncoder

from quality import tasks
from replydesk import settings as configured

ENTRY = settings.CELERY_BEAT_SCHEDULE["sample-replies-for-review"]


def test_the_entry_runs_the_task_each_monday_at_midnight():
    assert ENTRY["task"] == "quality.tasks.sample_replies_for_review"
    assert tasks.sample_replies_for_review.name == ENTRY["task"]
    assert ENTRY["schedule"] == crontab(minute=0, hour=0, day_of_week="mon")


def test_celery_reads_crontabs_in_the_desks_time_zone():
    # The module's values: these tests move the desk's clock (tests/quality/conftest.py, mid_week).
    assert configured.CELERY_TIMEZONE == configured.TIME_ZONE


def test_redbeat_stores_the_crontab_and_reads_it_back_due_at_monday_midnight_local():
    stored = json.loads(json.dumps(ENTRY["schedule"], cls=RedBeatJSONEncoder), cls=RedBeatJSONDecoder)
    assert stored == ENTRY["schedule"]
    zone = ZoneInfo(configured.TIME_ZONE)
    stored.nowfun = lambda: datetime(2026, 12, 6, 23, 59, tzinfo=zone)  # Sunday 23:59 local
    last_run = datetime(2026, 11, 30, 0, 0, tzinfo=zone)
    assert stored.remaining_estimate(last_run).total_seconds() == 60
