"""What the reports read that is not a period's day figures: the desk right now, and the weekly archive."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count

from inbox.models import LIVE_ESCALATION, Escalation, Question, Reply, ReplyDraft
from inbox.selectors import QueueStanding, desk_standing

from .errors import NoSuchWeeklyReport
from .models import WeeklyReport
from .rollups import day_bounds, local_day


@dataclass(frozen=True)
class Today:
    now: datetime
    queues: list[QueueStanding]
    unanswered: int
    overdue: int
    awaiting_approval: int
    escalated: int
    escalations_by_department: list[dict]
    oldest_waiting_since: datetime | None
    asked_today: int
    replies_today: int


def today(now: datetime) -> Today:
    """The desk right now, each figure from an index: open and overdue questions per queue and the oldest wait
    (inbox.selectors.desk_standing), replies waiting for approval, live escalations per department, and today's
    questions and posted replies so far."""
    standing = desk_standing(now)
    start, end = day_bounds(local_day(now))
    live = (
        Escalation.objects.filter(status__in=LIVE_ESCALATION)
        .values("department__name_ja", "department__name_en")
        .annotate(n=Count("id"))
        .order_by("department__name_en")
    )
    oldest = [queue.oldest_waiting_since for queue in standing if queue.oldest_waiting_since is not None]
    return Today(
        now=now,
        queues=standing,
        unanswered=sum(queue.unanswered for queue in standing),
        overdue=sum(queue.overdue for queue in standing),
        awaiting_approval=ReplyDraft.objects.filter(status=ReplyDraft.Status.PENDING).count(),
        escalated=sum(row["n"] for row in live),
        escalations_by_department=[
            {"name": {"ja": row["department__name_ja"], "en": row["department__name_en"]}, "n": row["n"]}
            for row in live
        ],
        oldest_waiting_since=min(oldest, default=None),
        asked_today=Question.objects.filter(created_at__gte=start, created_at__lt=end).count(),
        replies_today=Reply.objects.filter(status=Reply.Status.SENT, sent_at__gte=start, sent_at__lt=end).count(),
    )


def weekly_reports() -> list[WeeklyReport]:
    return list(WeeklyReport.objects.defer("data").order_by("-week_start")[:104])


def weekly_report(week_start: date) -> WeeklyReport:
    found = WeeklyReport.objects.filter(week_start=week_start).first()
    if found is None:
        raise NoSuchWeeklyReport(f"no weekly report for the week of {week_start}")
    return found
