"""The weekly report: built once per week, mailed once per week to the supervisors (HTML with the charts inline and a
plain-text alternative, in the configured language), whoever runs it and however often; and the command that
recomputes the day figures by hand.

Time is travelled, not slept: the questions are asked now, and the report is asked for "next Monday morning".
"""

import re
import smtplib
from datetime import datetime, time, timedelta
from io import StringIO

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts import services as accounts_services
from accounts.models import Role
from inbox import claims, outbox, services
from inbox.ingest import ingest_mentions
from inbox.models import Question
from reports import rollups, tasks, weekly
from reports.models import DayFigures, WeeklyReport
from tests import cast
from tests.concurrency import at_once
from tests.helpers import actions_for

Outcome = weekly.Outcome


def monday_morning(after: datetime, *, weeks: int = 1) -> datetime:
    """09:00 local on the Monday `weeks` weeks after the week of `after`: when the beat mails that week's report."""
    zone = rollups.zone()
    local = after.astimezone(zone).date()
    monday = local - timedelta(days=local.weekday()) + timedelta(weeks=weeks)
    return datetime.combine(monday, time(9), zone)


@pytest.fixture
def answered(people, fake_x, channel, routed_to_a):
    """Two questions in queue A asked now: one answered by E100 and posted on X, one still open."""
    ids = [fake_x.mention(f"customer_{n}", f"Where is my order {n}?") for n in range(2)]
    ingest_mentions(channel)
    first, second = Question.objects.filter(source_post_id__in=ids).order_by("pk")
    held = claims.claim(first, actor=people.employee_a)
    reply = services.send_reply(held, actor=people.employee_a, token=str(held.claim_token), body="On its way.")
    assert outbox.deliver(reply.pk, channel).outcome == "sent"
    return [first, second]


@pytest.fixture
def next_monday(answered) -> datetime:
    return monday_morning(answered[0].created_at)


def _parts(message: EmailMultiAlternatives) -> dict[str, list]:
    found: dict[str, list] = {}
    for part in message.message().walk():
        found.setdefault(part.get_content_type(), []).append(part)
    return found


# Built once per week


def test_the_report_covers_monday_to_sunday_of_the_week_just_ended(answered, next_monday):
    report = weekly.build_weekly_report(now=next_monday)
    week_start = next_monday.date() - timedelta(days=7)
    assert report.week_start == week_start
    assert (report.data["first"], report.data["last"]) == (
        week_start.isoformat(),
        (week_start + timedelta(6)).isoformat(),
    )
    assert report.data["totals"]["asked"] == 2 and report.data["totals"]["answered"] == 1
    assert [queue["name"] for queue in report.data["by_queue"]] == ["Queue A"]
    assert report.language == "ja"


def test_building_refreshes_the_weeks_day_figures_first(answered, next_monday):
    assert not DayFigures.objects.exists()
    weekly.build_weekly_report(now=next_monday)
    asked_on = rollups.local_day(answered[0].created_at)
    assert DayFigures.objects.filter(day=asked_on, subject=DayFigures.Subject.QUEUE).exists()


def test_the_report_is_built_once_per_week(answered, next_monday):
    first = weekly.build_weekly_report(now=next_monday)
    again = weekly.build_weekly_report(now=next_monday + timedelta(hours=3))
    assert again.pk == first.pk and again.data == first.data
    assert WeeklyReport.objects.count() == 1
    assert actions_for(first) == ["reports.weekly_report.built"]


def test_the_next_week_gets_a_report_of_its_own(answered, next_monday):
    first = weekly.build_weekly_report(now=next_monday)
    second = weekly.build_weekly_report(now=next_monday + timedelta(days=7))
    assert second.week_start == first.week_start + timedelta(days=7)
    assert second.data["totals"]["asked"] == 0


@pytest.mark.django_db(transaction=True)
def test_builds_at_the_same_moment_make_one_report(answered, next_monday):
    outcomes = at_once(range(4), lambda _n: weekly.build_weekly_report(now=next_monday).pk)
    assert len(outcomes) == 4 and len(set(outcomes)) == 1
    report = WeeklyReport.objects.get()
    assert actions_for(report) == ["reports.weekly_report.built"]


# Mailed once per week


def test_the_report_is_mailed_once_even_when_asked_twice(answered, next_monday):
    sent = weekly.mail_weekly_report(now=next_monday)
    again = weekly.mail_weekly_report(now=next_monday + timedelta(minutes=1))
    assert (sent.outcome, again.outcome) == (Outcome.MAILED, Outcome.ALREADY_MAILED)
    assert sent.recipients == ("S100",) and again.recipients == ()
    assert len(mail.outbox) == 1
    report = WeeklyReport.objects.get()
    assert report.mailed_at is not None and report.recipients == "S100"
    assert actions_for(report) == ["reports.weekly_report.built", "reports.weekly_report.mailed"]


def test_the_mail_goes_to_every_active_supervisor_as_bcc(answered, next_monday, people):
    cast.approved("S300", by=people.administrator, role=Role.SUPERVISOR)
    accounts_services.suspend_employee(
        cast.approved("S400", by=people.administrator, role=Role.SUPERVISOR),
        actor=people.administrator,
        reason="Left the company",
    )
    sent = weekly.mail_weekly_report(now=next_monday)
    assert sent.recipients == ("S100", "S300")
    (message,) = mail.outbox
    assert message.to == [] and message.bcc == ["s100@example.com", "s300@example.com"]
    # Bcc is never written into the message itself.
    assert "s100@example.com" not in message.message().as_string()
    report = WeeklyReport.objects.get()
    assert report.recipients == "S100 S300"


@pytest.mark.django_db(transaction=True)
def test_two_workers_mailing_at_once_send_one_mail(answered, next_monday):
    weekly.build_weekly_report(now=next_monday)
    outcomes = at_once(range(3), lambda _n: weekly.mail_weekly_report(now=next_monday).outcome)
    assert sorted(outcomes).count(Outcome.MAILED) == 1
    assert set(outcomes) <= {Outcome.MAILED, Outcome.ALREADY_MAILED, Outcome.BEING_MAILED}
    assert len(mail.outbox) == 1
    assert actions_for(WeeklyReport.objects.get()).count("reports.weekly_report.mailed") == 1


def test_a_run_while_another_is_sending_sends_nothing(answered, next_monday, monkeypatch):
    during: list[weekly.WeeklyMail] = []
    send = EmailMultiAlternatives.send

    def send_while_another_run_starts(message, *args, **kwargs):
        during.append(weekly.mail_weekly_report(now=next_monday))
        return send(message, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", send_while_another_run_starts)
    assert weekly.mail_weekly_report(now=next_monday).outcome == Outcome.MAILED
    assert [run.outcome for run in during] == [Outcome.BEING_MAILED]
    assert len(mail.outbox) == 1


def test_a_failed_send_hands_the_report_back_for_the_retry(answered, next_monday, monkeypatch):
    def refused(message, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("the mail server went away")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refused)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        weekly.mail_weekly_report(now=next_monday)
    report = WeeklyReport.objects.get()
    assert report.mailing_since is None and report.mailed_at is None
    assert actions_for(report) == ["reports.weekly_report.built"]
    monkeypatch.undo()
    assert weekly.mail_weekly_report(now=next_monday).outcome == Outcome.MAILED
    assert len(mail.outbox) == 1


def test_a_mailer_that_died_is_replaced_once_its_lease_is_stale(answered, next_monday):
    report = weekly.build_weekly_report(now=next_monday)
    # Time travel: a mailer took the report and was killed before it marked it mailed (nothing handed it back).
    WeeklyReport.objects.filter(pk=report.pk).update(mailing_since=timezone.now() - timedelta(minutes=5))
    assert weekly.mail_weekly_report(now=next_monday).outcome == Outcome.BEING_MAILED
    WeeklyReport.objects.filter(pk=report.pk).update(mailing_since=timezone.now() - weekly.MAILING_STALE)
    assert weekly.mail_weekly_report(now=next_monday).outcome == Outcome.MAILED
    assert len(mail.outbox) == 1


def test_without_supervisors_nothing_is_mailed_and_the_result_says_so(answered, next_monday, people):
    accounts_services.suspend_employee(people.supervisor, actor=people.administrator, reason="On leave")
    sent = weekly.mail_weekly_report(now=next_monday)
    assert sent.outcome == Outcome.NO_SUPERVISORS and sent.recipients == ()
    assert mail.outbox == []
    report = WeeklyReport.objects.get()
    assert report.mailed_at is None and report.mailing_since is None
    assert actions_for(report) == ["reports.weekly_report.built"]
    assert tasks.mail_weekly_report(now=next_monday.isoformat())["outcome"] == "no_supervisors"


# What the mail holds


def test_the_mail_has_text_and_html_with_the_charts_inline(answered, next_monday, settings):
    settings.SITE_URL = "https://desk.example.com"
    weekly.mail_weekly_report(now=next_monday)
    (message,) = mail.outbox
    parts = _parts(message)
    assert message.message().get_content_type() == "multipart/related"
    assert len(parts["multipart/alternative"]) == 1
    (text,) = parts["text/plain"]
    (html,) = parts["text/html"]
    images = parts["image/png"]
    content_ids = {image["Content-ID"].strip("<>") for image in images}
    referenced = set(re.findall(r'src="cid:([^"]+)"', html.get_payload(decode=True).decode()))
    assert referenced == content_ids and len(images) >= 4
    assert all(image.get_payload(decode=True).startswith(b"\x89PNG") for image in images)
    assert all(image.get_content_disposition() == "inline" for image in images)
    week_start = next_monday.date() - timedelta(days=7)
    link = f"https://desk.example.com/reports/weekly/{week_start.isoformat()}/"
    for body in (text.get_payload(decode=True).decode(), html.get_payload(decode=True).decode()):
        assert link in body
        assert "Queue A" in body
    html_body = html.get_payload(decode=True).decode()
    # Every picture is described for those who cannot see it, and the key numbers are written as text too.
    assert len(re.findall(r'<img [^>]*alt="[^"]+"', html_body)) == len(images)


def test_the_mail_is_in_japanese_by_default(answered, next_monday, settings):
    settings.REPORT_MAIL_LANGUAGE = "ja"
    weekly.mail_weekly_report(now=next_monday)
    (message,) = mail.outbox
    week_start = next_monday.date() - timedelta(days=7)
    assert message.subject.startswith("[replydesk] 週次レポート")
    assert f"{week_start.year}年{week_start.month}月{week_start.day}日" in message.subject
    assert 'lang="ja"' in message.alternatives[0].content
    assert WeeklyReport.objects.get().language == "ja"


def test_the_mail_is_in_english_when_configured(answered, next_monday, settings):
    settings.REPORT_MAIL_LANGUAGE = "en"
    weekly.mail_weekly_report(now=next_monday)
    (message,) = mail.outbox
    assert message.subject.startswith("[replydesk] Weekly report")
    assert "週次" not in message.subject
    assert "Questions asked: 2" in message.body
    assert 'lang="en"' in message.alternatives[0].content


# The task


def test_the_task_takes_an_iso_time_and_says_what_it_did(answered, next_monday):
    outcome = tasks.mail_weekly_report(now=next_monday.isoformat())
    week_start = next_monday.date() - timedelta(days=7)
    assert outcome == {"week": week_start.isoformat(), "outcome": "mailed", "recipients": 1}
    assert tasks.mail_weekly_report(now=next_monday.isoformat())["outcome"] == "already_mailed"
    assert len(mail.outbox) == 1


def test_the_task_retries_later_while_another_run_holds_the_report(answered, next_monday):
    report = weekly.build_weekly_report(now=next_monday)
    WeeklyReport.objects.filter(pk=report.pk).update(mailing_since=timezone.now())
    with pytest.raises(Retry):
        tasks.mail_weekly_report(now=next_monday.isoformat())
    assert mail.outbox == []


def test_the_figure_tasks_say_how_many_rows_they_wrote(answered):
    assert tasks.refresh_recent_figures()["rows"] > 0
    assert tasks.refresh_report_history()["rows"] > 0


# The rebuild command (the worker's refresh, by hand)


def test_the_command_recomputes_each_day_with_a_progress_line(answered):
    today = rollups.local_day(timezone.now())
    out = StringIO()
    call_command("rebuild_report_figures", "--since", str(today - timedelta(days=2)), "--until", str(today), stdout=out)
    lines = out.getvalue().splitlines()
    days = [today - timedelta(days=n) for n in (2, 1, 0)]
    assert [line.split(":")[0] for line in lines[:3]] == [day.isoformat() for day in days]
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}: \d+ rows in \d+\.\d\d s", line) for line in lines[:3])
    assert lines[2].startswith(f"{today}: ") and not lines[2].startswith(f"{today}: 0 rows")
    assert "rows in" in lines[3] and len(lines) == 4
    assert DayFigures.objects.filter(day=today).exists()


def test_the_command_looks_back_the_history_days_by_default(db, settings):
    settings.REPORT_HISTORY_DAYS = 3
    out = StringIO()
    call_command("rebuild_report_figures", stdout=out)
    assert len(out.getvalue().splitlines()) == 4 + 1


def test_the_command_stops_at_today(db):
    today = rollups.local_day(timezone.now())
    out = StringIO()
    call_command("rebuild_report_figures", "--since", str(today), "--until", str(today + timedelta(days=5)), stdout=out)
    lines = out.getvalue().splitlines()
    assert "stopping at" in lines[0] and lines[1].startswith(f"{today}: ") and len(lines) == 3


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        (["--since", "2026-13-01"], "--since: not a date, give it as YYYY-MM-DD: '2026-13-01'"),
        (["--since", "2026-11-30", "--until", "yesterday"], "--until: not a date, give it as YYYY-MM-DD: 'yesterday'"),
        (["--since", "2026-12-06", "--until", "2026-11-30"], "--since 2026-12-06 is after --until 2026-11-30"),
        (["--since", "2999-01-01", "--until", "2999-01-02"], "--since 2999-01-01 is in the future"),
    ],
)
def test_the_command_refuses_bad_dates_with_a_sentence(db, arguments, says):
    with pytest.raises(CommandError, match=re.escape(says)):
        call_command("rebuild_report_figures", *arguments, stdout=StringIO())
    assert not DayFigures.objects.exists()
