"""The weekly report: last week's figures built once and kept (the archived page shows what was mailed), and mailed
once to the supervisors on Monday morning.

`mail_weekly_report`, in this order:
1. build (or find) the report of the week just ended in the desk's time zone: its days' figures refreshed first,
   then added up and stored once per week (the unique week: a second build, even a concurrent one, finds the row);
2. take the right to mail it by a conditional UPDATE: not mailed, and nobody mailing it or the one mailing it gone
   quiet for MAILING_STALE. A second run, on this worker or another, finds it mailed or taken and sends nothing;
3. draw the charts and send ONE message to every active supervisor with an address, outside any transaction: the
   mail is the same for all of them (one language for the desk), and one SMTP transaction is accepted for all of
   them or for none, so the week is never half mailed and a failed send can simply be tried again. The supervisors
   are Bcc recipients: nobody's address is shown to the others, and nobody replies to all;
4. mark it mailed, with the recipients' numbers, and write its audit entry in one transaction. A send that fails
   hands the report back (mailing_since cleared) for the task's retry.

`now` says which week is reported (a test may travel in time); the mailing lease is kept on the real clock, since it
is about the worker's own progress.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.mime.image import MIMEImage
from enum import StrEnum

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Employee, Role
from audit import recorder
from inbox.notices import absolute_url

from . import figures, periods, presentation, rollups
from .models import WeeklyReport

logger = logging.getLogger(__name__)

# A mailer that has not marked its report mailed by then is taken to have died; another run may take the report.
MAILING_STALE = timedelta(minutes=10)


class Outcome(StrEnum):
    MAILED = "mailed"
    ALREADY_MAILED = "already_mailed"
    # Another run holds the report and has not finished yet: it is not mailed twice, but may still fail.
    BEING_MAILED = "being_mailed"
    NO_SUPERVISORS = "no_supervisors"


@dataclass(frozen=True)
class WeeklyMail:
    """What one run did about last week's mail."""

    report: WeeklyReport
    outcome: Outcome
    # The supervisors' numbers this run mailed.
    recipients: tuple[str, ...] = ()


def reported_week(now: datetime) -> periods.Period:
    """The week the Monday report covers: Monday to Sunday before `now`'s local week."""
    return periods.last_week(rollups.local_day(now))


def build_weekly_report(*, now: datetime | None = None) -> WeeklyReport:
    """Last week's report, built the first time it is asked for and returned as stored every time after."""
    now = now or timezone.now()
    week = reported_week(now)
    found = WeeklyReport.objects.filter(week_start=week.first).first()
    if found is not None:
        return found
    rollups.refresh_days(week.first, week.last, now=now)
    return _store(week, figures.period_report(week.first, week.last, now=now), now)


@transaction.atomic(durable=True)
def _store(week: periods.Period, data: dict, now: datetime) -> WeeklyReport:
    # get_or_create inserts in a savepoint: a concurrent build's INSERT waits for this one's commit, fails on the
    # unique week and returns this row, so a week never has two reports.
    report, created = WeeklyReport.objects.get_or_create(
        week_start=week.first,
        defaults={"language": settings.REPORT_MAIL_LANGUAGE, "data": data, "built_at": now},
    )
    if created:
        recorder.record(
            "reports.weekly_report.built",
            actor=None,
            target=report,
            after={"week_start": week.first, "week_end": week.last, "language": report.language},
        )
    return report


def supervisors_to_mail() -> dict[str, str]:
    """The active supervisors with an address: {number: address}."""
    return dict(
        Employee.objects.filter(status=Employee.Status.ACTIVE, groups__name=Role.SUPERVISOR)
        .exclude(email="")
        .order_by("employee_number")
        .values_list("employee_number", "email")
    )


def mail_weekly_report(*, now: datetime | None = None) -> WeeklyMail:
    """Mail last week's report to the supervisors, once per week whoever runs it and however often."""
    now = now or timezone.now()
    report = build_weekly_report(now=now)
    if report.mailed_at is not None:
        return WeeklyMail(report, Outcome.ALREADY_MAILED)
    supervisors = supervisors_to_mail()
    if not supervisors:
        logger.warning("The weekly report of %s was not mailed: no active supervisor has an e-mail address", report)
        return WeeklyMail(report, Outcome.NO_SUPERVISORS)
    taken_at = timezone.now()
    if not _take_for_mailing(report, taken_at):
        report.refresh_from_db()
        return WeeklyMail(report, Outcome.ALREADY_MAILED if report.mailed_at else Outcome.BEING_MAILED)
    try:
        weekly_message(report, list(supervisors.values())).send(fail_silently=False)
    except BaseException:
        WeeklyReport.objects.filter(pk=report.pk, mailing_since=taken_at, mailed_at=None).update(mailing_since=None)
        raise
    numbers = tuple(supervisors)
    return WeeklyMail(_mark_mailed(report, numbers), Outcome.MAILED, numbers)


def _take_for_mailing(report: WeeklyReport, taken_at: datetime) -> bool:
    taken = WeeklyReport.objects.filter(
        Q(mailing_since__isnull=True) | Q(mailing_since__lt=taken_at - MAILING_STALE),
        pk=report.pk,
        mailed_at__isnull=True,
    ).update(mailing_since=taken_at)
    return taken == 1


@transaction.atomic(durable=True)
def _mark_mailed(report: WeeklyReport, numbers: tuple[str, ...]) -> WeeklyReport:
    # Only the first mailer to finish marks it: one whose lease went stale and was taken over has sent it too, but
    # the week keeps one "mailed" entry.
    marked = WeeklyReport.objects.filter(pk=report.pk, mailed_at__isnull=True).update(
        mailed_at=timezone.now(), recipients=" ".join(numbers)
    )
    report.refresh_from_db()
    if marked == 1:
        recorder.record(
            "reports.weekly_report.mailed",
            actor=None,
            target=report,
            after={"week_start": report.week_start, "language": report.language, "recipients": list(numbers)},
        )
    return report


def weekly_message(report: WeeklyReport, addresses: list[str]) -> EmailMultiAlternatives:
    """The mail of `report` in its language: plain text with the key numbers, and HTML with the same numbers and
    the charts as inline PNG images (cid: references), for the mail clients that show pictures."""
    with translation.override(report.language):
        data = report.data
        charts = presentation.report_charts(data)
        context = {
            "data": data,
            "first": date.fromisoformat(data["first"]),
            "last": date.fromisoformat(data["last"]),
            "language": report.language,
            "url": absolute_url(reverse("reports:weekly", args=[report.week_start.isoformat()])),
            "days": [{**day, "date": date.fromisoformat(day["day"])} for day in data["by_day"]],
            "employees": data["employees"][: presentation.CHART_PEOPLE],
            "more_employees": max(0, len(data["employees"]) - presentation.CHART_PEOPLE),
            "charts": [
                {"cid": _content_id(report, chart.key), "alt": chart.alt, "title": chart.chart.title}
                for chart in charts
            ],
        }
        subject = " ".join(render_to_string("reports/mail/weekly_subject.txt", context).split())
        text = render_to_string("reports/mail/weekly.txt", context)
        html = render_to_string("reports/mail/weekly.html", context)
    message = EmailMultiAlternatives(f"[replydesk] {subject}", text, settings.DEFAULT_FROM_EMAIL, to=[], bcc=addresses)
    message.attach_alternative(html, "text/html")
    # multipart/related around the alternatives: the HTML's cid: references resolve to the images beside it.
    message.mixed_subtype = "related"
    for chart, described in zip(charts, context["charts"], strict=True):
        image = MIMEImage(chart.png(), "png")
        image.add_header("Content-ID", f"<{described['cid']}>")
        image.add_header("Content-Disposition", "inline", filename=f"{chart.key}.png")
        message.attach(image)
    return message


def _content_id(report: WeeklyReport, key: str) -> str:
    return f"{key}.{report.week_start:%Y%m%d}@replydesk"
