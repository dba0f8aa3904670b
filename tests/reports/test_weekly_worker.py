"""The weekly mail sent once per week by a real Celery worker, on the real Redis broker and PostgreSQL database.

Time is travelled, not slept: the task is sent with `now` set to next Monday 09:00 local (twice, as a beat that fired
twice or two workers would), then to the Monday after.
"""

import email
from datetime import timedelta
from email.header import decode_header, make_header

import pytest
from django.conf import settings

from reports import tasks
from reports.models import WeeklyReport
from tests.helpers import actions_for
from tests.worker.processes import Worker, eventually

from .test_weekly import monday_morning

pytestmark = pytest.mark.django_db(transaction=True)

SEPARATOR = "-" * 79


@pytest.fixture
def worker(tmp_path):
    process = Worker(tmp_path, env={"REPORT_MAIL_LANGUAGE": "ja", "TIME_ZONE": settings.TIME_ZONE})
    yield process
    process.stop()


def _mailed(week_start) -> WeeklyReport | None:
    return WeeklyReport.objects.filter(week_start=week_start, mailed_at__isnull=False).first()


def _subject(stored: str) -> str:
    message = email.message_from_string(stored.rsplit(SEPARATOR, 1)[0])
    return str(make_header(decode_header(message["Subject"])))


def test_the_worker_mails_each_weeks_report_once(question_in_a, worker):
    first_monday = monday_morning(question_in_a.created_at)
    second_monday = monday_morning(question_in_a.created_at, weeks=2)
    weeks = [monday.date() - timedelta(days=7) for monday in (first_monday, second_monday)]

    for moment in (first_monday, first_monday, second_monday):
        worker.run(tasks.mail_weekly_report.s(now=moment.isoformat()))
    # One process taking one message at a time, in the order sent: once the second week is mailed, both runs of
    # the first week are over.
    eventually(lambda: _mailed(weeks[1]), timeout=90, what="the second week's report mailed by the worker")

    reports = list(WeeklyReport.objects.order_by("week_start"))
    assert [report.week_start for report in reports] == weeks
    assert all(report.mailed_at is not None and report.recipients == "S100" for report in reports)
    assert reports[0].data["totals"]["asked"] == 1 and reports[1].data["totals"]["asked"] == 0
    for report in reports:
        assert actions_for(report) == ["reports.weekly_report.built", "reports.weekly_report.mailed"]

    mails = worker.mails()
    assert len(mails) == 2, worker.output()[-3000:]
    subjects = [_subject(stored) for stored in mails]
    # In the desk's default language, one per week.
    for week in weeks:
        prefix = f"[replydesk] 週次レポート {week.year}年{week.month}月{week.day}日"
        assert sum(subject.startswith(prefix) for subject in subjects) == 1, subjects
    # These weeks are quiet: no chart is drawn, and no picture is attached that the mail does not show (the charts of
    # a week with questions: tests/reports/test_weekly.py).
    assert all(stored.count("Content-ID: <") == stored.count("cid:") for stored in mails)
