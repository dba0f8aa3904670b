"""The worker's day figures: each local day (the desk's TIME_ZONE) recomputed from the questions, replies,
approvals and escalations of that day, and stored as DayFigures rows that the reports add up.

What each figure means (written on the report pages too, reports/templates/reports/_definitions.html):
- a question's time is its customer post's `created_at` on X, not when the desk fetched it; it counts on that day;
- first response time: the first desk reply's posting time on X (the time its post id carries: when X accepted it,
  even if the desk learnt of it later) − the question's time. An
  escalation's public acknowledgement is a desk reply; internal actions (claims, notes, escalating) are not. Counted
  for the questions asked on the day that have had a first response by the time of the refresh, in calendar time
  and in the queue's business hours;
- service level: a question counts on the day its first window closes (its first round's due time), once that time
  has passed: in time (first response by then), late (after), or unanswered (none yet). Questions still inside
  their window are not counted; questions closed without a reply in their first round (closed now, or reopened
  by the customer since) are not counted either but listed;
- handle time: from the start of the author's claim to the reply leaving their hands (queued, or submitted for
  approval), on the day the reply was posted; approval wait: submitted → decided, on the day of the decision;
  send lag: queued → posted on X, on the day it was posted;
- escalations: escalated, accepted, resolved and returned each on their own day; time to accept and to resolve
  count from the escalation.

A day is recomputed whole and replaced in one transaction, so a report never reads half a day.
"""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from inbox.models import ApprovalDecision, Escalation, Post, Question, Reply, ServiceLevel
from replydesk.locks import TransactionLock, transaction_lock

from . import histograms
from .business_hours import Schedules, business_seconds
from .models import DayFigures, EmployeeWeek
from .periods import week_start

Subject = DayFigures.Subject
# How far back a day looks for escalations accepted or settled on it: one settled later than this after it began is
# not counted on its settling day.
ESCALATION_LOOKBACK = timedelta(days=60)


@dataclass
class _Figures:
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    durations: dict[str, histograms.Histogram] = field(default_factory=lambda: defaultdict(dict))
    listed: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))


# (subject, queue_id, priority, topic_id, employee_id, department_id)
_Key = tuple[str, int | None, int | None, int | None, int | None, int | None]


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Local midnight to the next local midnight (23 or 25 hours on a clock change)."""
    return datetime.combine(day, datetime.min.time(), zone()), datetime.combine(
        day + timedelta(days=1), datetime.min.time(), zone()
    )


def local_day(moment: datetime) -> date:
    return moment.astimezone(zone()).date()


def longest_window() -> timedelta:
    """The longest first-round service level any question may have: how far back a day looks for the windows that
    close on it."""
    configured = ServiceLevel.objects.aggregate(longest=Max("answer_within_minutes"))["longest"] or 0
    return timedelta(minutes=max(configured, *settings.SERVICE_LEVEL_MINUTES.values()))


class _Day:
    def __init__(self, day: date, now: datetime, schedules: Schedules, lookback: timedelta):
        self.day, self.now, self.schedules, self.lookback = day, now, schedules, lookback
        self.start, self.end = day_bounds(day)
        self.figures: dict[_Key, _Figures] = defaultdict(_Figures)

    def of(self, subject: str, *, queue=None, priority=None, topic=None, employee=None, department=None) -> _Figures:
        return self.figures[(subject, queue, priority, topic, employee, department)]

    def questions(self) -> None:
        asked = Question.objects.filter(created_at__gte=self.start - self.lookback, created_at__lt=self.end)
        # Each question's first posted reply: (posted, the due time of its round, its round).
        first_replies: dict[int, tuple[datetime, datetime | None, int]] = {}
        for question_id, sent_at, due_at, reply_round in (
            Reply.objects.filter(
                status=Reply.Status.SENT,
                question__created_at__gte=self.start - self.lookback,
                question__created_at__lt=self.end,
            )
            .order_by("question_id", "sent_at")
            .values_list("question_id", "sent_at", "due_at", "round")
        ):
            first_replies.setdefault(question_id, (sent_at, due_at, reply_round))
        rows = asked.order_by().values_list(
            "pk", "queue_id", "priority", "routing_rule_id", "status", "round", "created_at", "due_at"
        )
        desk = self.of(Subject.DESK)
        for pk, queue_id, priority, topic_id, status, rounds, created_at, due_at in rows.iterator(chunk_size=5000):
            figures = self.of(Subject.QUEUE, queue=queue_id, priority=priority, topic=topic_id)
            first = first_replies.get(pk)
            # Closed without an answer in its first round: closed now with no reply, or reopened by the customer
            # after that (a later round with no reply of the first). Listed, and left out of the first response
            # and service-level figures, which are about the first round.
            closed_unanswered = (status == Question.Status.CLOSED or rounds > 1) if first is None else first[2] > 1
            if created_at >= self.start:
                figures.counts["asked"] += 1
                # The hour of the day once for the desk (not per queue): the report's hours are the desk's.
                desk.counts[f"hour_{created_at.astimezone(zone()).hour:02}"] += 1
                if closed_unanswered:
                    figures.counts["closed_unanswered"] += 1
                    figures.listed["closed_unanswered"].append(pk)
                elif first is not None:
                    figures.counts["answered"] += 1
                    waited = first[0] - created_at
                    histograms.add(figures.durations["frt"], waited.total_seconds())
                    business = business_seconds(created_at, first[0], self.schedules.of(queue_id), zone())
                    histograms.add(figures.durations["frt_business"], business)
            if closed_unanswered:
                continue
            # The first round's window: the first reply kept its round's due time; an unanswered question is still in
            # its first round.
            window_closes = (first[1] or due_at) if first is not None else due_at
            if not (self.start <= window_closes < self.end) or window_closes > self.now:
                continue
            figures.counts["window_closed"] += 1
            if first is None:
                figures.counts["unanswered"] += 1
            elif first[0] <= window_closes:
                figures.counts["in_time"] += 1
            else:
                figures.counts["late"] += 1

    def replies(self) -> None:
        desk = self.of(Subject.DESK)
        sent = Reply.objects.filter(status=Reply.Status.SENT, sent_at__gte=self.start, sent_at__lt=self.end)
        for author_id, created_at, sent_at, claimed_at, written_at in sent.order_by().values_list(
            "author_id", "created_at", "sent_at", "claimed_at", "written_at"
        ):
            employee = self.of(Subject.EMPLOYEE, employee=author_id)
            employee.counts["replies"] += 1
            if claimed_at is not None and written_at is not None:
                histograms.add(employee.durations["handle"], (written_at - claimed_at).total_seconds())
            desk.counts["replies"] += 1
            histograms.add(desk.durations["send_lag"], (sent_at - created_at).total_seconds())
        desk.counts["customer_posts"] = Post.objects.filter(
            author=Post.Author.CUSTOMER, created_at__gte=self.start, created_at__lt=self.end
        ).count()

    def approvals(self) -> None:
        decided = ApprovalDecision.objects.filter(decided_at__gte=self.start, decided_at__lt=self.end)
        for queue_id, verdict, edited, decided_at, submitted_at in decided.order_by().values_list(
            "draft__queue_id", "verdict", "edited", "decided_at", "draft__submitted_at"
        ):
            figures = self.of(Subject.APPROVALS, queue=queue_id)
            figures.counts["decided"] += 1
            figures.counts[verdict] += 1
            if edited:
                figures.counts["edited"] += 1
            histograms.add(figures.durations["approval_wait"], (decided_at - submitted_at).total_seconds())

    def escalations(self) -> None:
        recent = Escalation.objects.filter(created_at__gte=self.start - ESCALATION_LOOKBACK, created_at__lt=self.end)
        for department_id, reason, status, created_at, accepted_at, closed_at in recent.order_by().values_list(
            "department_id", "reason", "status", "created_at", "accepted_at", "closed_at"
        ):
            figures = self.of(Subject.DEPARTMENT, department=department_id)
            if created_at >= self.start:
                figures.counts["escalated"] += 1
                figures.counts[f"reason_{reason}"] += 1
            if accepted_at is not None and self.start <= accepted_at < self.end:
                figures.counts["accepted"] += 1
                histograms.add(figures.durations["accept"], (accepted_at - created_at).total_seconds())
            if closed_at is not None and self.start <= closed_at < self.end:
                figures.counts[status] += 1
                if status == Escalation.Status.RESOLVED:
                    histograms.add(figures.durations["resolve"], (closed_at - created_at).total_seconds())

    def rows(self) -> Iterator[DayFigures]:
        for (subject, queue_id, priority, topic_id, employee_id, department_id), figures in self.figures.items():
            if not figures.counts and not figures.durations:
                continue
            yield DayFigures(
                day=self.day,
                subject=subject,
                queue_id=queue_id,
                priority=priority,
                topic_id=topic_id,
                employee_id=employee_id,
                department_id=department_id,
                counts=dict(figures.counts),
                durations={name: dict(histogram) for name, histogram in figures.durations.items()},
                listed=dict(figures.listed),
                computed_at=self.now,
            )


def refresh_day(day: date, *, now: datetime | None = None, schedules: Schedules | None = None) -> int:
    """Recompute one local day's figures and replace the stored ones; the number of rows written."""
    now = now or timezone.now()
    computing = _Day(day, now, schedules or Schedules(), longest_window())
    computing.questions()
    computing.replies()
    computing.approvals()
    computing.escalations()
    rows = list(computing.rows())
    with transaction.atomic():
        # The delete waits for a refresh of the same day in progress, then sees (and replaces) what it wrote.
        transaction_lock(TransactionLock.REPORT_DAY, day.toordinal())
        DayFigures.objects.filter(day=day).delete()
        DayFigures.objects.bulk_create(rows)
        add_up_employee_week(week_start(day), now=now)
    return len(rows)


def add_up_employee_week(monday: date, *, now: datetime) -> int:
    """Replace the employees' figures of the week starting `monday` by the sum of its day rows; part of the caller's
    transaction (a day's refresh). The number of employees."""
    transaction_lock(TransactionLock.REPORT_WEEK, monday.toordinal())
    weeks: dict[int, _Figures] = defaultdict(_Figures)
    for employee_id, counts, durations in DayFigures.objects.filter(
        subject=Subject.EMPLOYEE, day__gte=monday, day__lte=monday + timedelta(days=6)
    ).values_list("employee_id", "counts", "durations"):
        figures = weeks[employee_id]
        for name, value in counts.items():
            figures.counts[name] += value
        for name, histogram in durations.items():
            histograms.merge(figures.durations[name], histogram)
    EmployeeWeek.objects.filter(week_start=monday).delete()
    EmployeeWeek.objects.bulk_create(
        EmployeeWeek(
            week_start=monday,
            employee_id=employee_id,
            counts=dict(figures.counts),
            durations={name: dict(histogram) for name, histogram in figures.durations.items()},
            computed_at=now,
        )
        for employee_id, figures in weeks.items()
    )
    return len(weeks)


def refresh_days(first: date, last: date, *, now: datetime | None = None, progress=None) -> int:
    """Recompute the local days first..last (inclusive; days after today are skipped); `progress(day, rows)` is told
    after each day. The number of rows written."""
    now = now or timezone.now()
    schedules = Schedules()
    written = 0
    day = first
    while day <= min(last, local_day(now)):
        rows = refresh_day(day, now=now, schedules=schedules)
        written += rows
        if progress is not None:
            progress(day, rows)
        day += timedelta(days=1)
    return written


def refresh_recent(*, now: datetime | None = None) -> int:
    """Yesterday and today: what the worker refreshes every few minutes."""
    now = now or timezone.now()
    today = local_day(now)
    return refresh_days(today - timedelta(days=1), today, now=now)


def refresh_history(*, now: datetime | None = None) -> int:
    """The last REPORT_HISTORY_DAYS days: nightly, so that late answers and settled escalations reach the day they
    belong to."""
    now = now or timezone.now()
    today = local_day(now)
    return refresh_days(today - timedelta(days=settings.REPORT_HISTORY_DAYS), today, now=now)


def figures_computed_at(first: date, last: date) -> datetime | None:
    """When the period's figures were last computed: the oldest refresh among its days."""
    # Every refreshed day has its desk row: one row a day to read, not every subject's.
    oldest = DayFigures.objects.filter(subject=Subject.DESK, day__gte=first, day__lte=last).aggregate(
        oldest=Min("computed_at")
    )
    return oldest["oldest"]
