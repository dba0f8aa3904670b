"""A period's report: the day figures of its days added up (reports/rollups.py says what each one means), named,
and put in the shape the page, the CSV export and the weekly mail read.

The result is plain data (numbers, strings, ISO dates), so that the weekly report keeps exactly what was mailed
(WeeklyReport.data). Durations are whole seconds; a percentile or percentage of nothing is None.
"""

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db.models import Avg, Count, Q, Sum
from django.utils import timezone

from accounts.models import Employee
from inbox.models import Department, Question, Queue, RoutingRule
from listening import selectors as listening_selectors
from quality.models import Review

from . import histograms
from .models import DayFigures, EmployeeWeek
from .periods import week_start
from .rollups import day_bounds, figures_computed_at

Subject = DayFigures.Subject
# Raise it when the shape of the added-up figures changes: cached periods are then added up again.
CACHE_VERSION = 1
CACHE_SECONDS = 24 * 3600
# Questions listed by number in "closed without an answer" (the heading counts them all).
LISTED_LIMIT = 100


def durations(histogram: dict[str, int]) -> dict:
    return {
        "n": histograms.count(histogram),
        "median": histograms.percentile(histogram, 50),
        "p90": histograms.percentile(histogram, 90),
        "mean": histograms.mean(histogram),
    }


def _service_level(counts: dict[str, int]) -> dict:
    closed = counts.get("window_closed", 0)
    in_time = counts.get("in_time", 0)
    return {
        "closed": closed,
        "in_time": in_time,
        "late": counts.get("late", 0),
        "unanswered": counts.get("unanswered", 0),
        "percent": round(in_time / closed * 100, 1) if closed else None,
    }


class _Sum:
    def __init__(self) -> None:
        self.counts: dict[str, int] = defaultdict(int)
        self.durations: dict[str, histograms.Histogram] = defaultdict(dict)
        self.listed: dict[str, list[int]] = defaultdict(list)

    def add(self, row: "_Row | _Sum") -> None:
        self.add_counts(row)
        for name, histogram in row.durations.items():
            histograms.merge(self.durations[name], histogram)
        for name, ids in row.listed.items():
            self.listed[name].extend(ids)

    def add_counts(self, row: "_Row | _Sum") -> None:
        for name, value in row.counts.items():
            self.counts[name] += value

    def duration(self, name: str) -> dict:
        return durations(self.durations.get(name, {}))


def _names(model, ids, field: str = "name") -> dict[int, str]:
    return dict(model.objects.filter(pk__in=[i for i in ids if i is not None]).values_list("pk", field))


def _quality(first: date, last: date) -> dict[int, dict]:
    """Current (not superseded) reviews of the replies posted in the period, per author: how many and their mean
    score."""
    start, end = day_bounds(first)[0], day_bounds(last)[1]
    reviews = (
        Review.objects.filter(superseded_by__isnull=True, reply__sent_at__gte=start, reply__sent_at__lt=end)
        .values("employee_id")
        .annotate(n=Count("id"), average=Avg("score"), failed=Count("id", filter=Q(critical_failed=True)))
        .order_by()
    )
    return {
        row["employee_id"]: {
            "reviewed": row["n"],
            "score": round(float(row["average"]), 1) if isinstance(row["average"], Decimal | float) else None,
        }
        for row in reviews
    }


def _closed_unanswered(ids: list[int]) -> list[dict]:
    shown = sorted(ids)[:LISTED_LIMIT]
    rows = Question.objects.filter(pk__in=shown).order_by("created_at").values("pk", "queue__name", "created_at")
    return [{"id": row["pk"], "queue": row["queue__name"], "asked_at": row["created_at"].isoformat()} for row in rows]


class _Row(NamedTuple):
    day: date
    subject: str
    queue_id: int | None
    priority: int | None
    topic_id: int | None
    employee_id: int | None
    department_id: int | None
    counts: dict
    durations: dict
    listed: dict


def period_report(first: date, last: date, *, now: datetime | None = None) -> dict:
    """The report of the local days first..last (inclusive): the day figures added up (kept in the cache until a
    refresh changes one of the days), with the quality reviews and the listening costs read fresh."""
    now = now or timezone.now()
    report = cached_figures(first, last)
    _add_reviews(report, first, last)
    _add_listening(report, first, last)
    report["built_at"] = now.isoformat()
    return report


def _freshness(first: date, last: date) -> tuple[int, int]:
    """What changes when any day of the period is refreshed: a refresh replaces its day's desk row by one with a
    higher id, so the sum of the period's desk row ids grows whatever order refreshes commit in (one row a day)."""
    stamp = DayFigures.objects.filter(subject=Subject.DESK, day__gte=first, day__lte=last).aggregate(
        ids=Sum("id"), days=Count("id")
    )
    return stamp["ids"] or 0, stamp["days"]


def cached_figures(first: date, last: date) -> dict:
    """The period's day figures added up and named; computed once per refresh of its days (the worker warms the
    usual periods after each refresh: reports/warming.py)."""
    ids, days = _freshness(first, last)
    key = f"report-figures:{CACHE_VERSION}:{first.isoformat()}:{last.isoformat()}:{ids}:{days}"
    found = cache.get(key)
    if found is None:
        found = _added_up(first, last)
        cache.set(key, found, CACHE_SECONDS)
        # The caller adds to it: the cache keeps its own pickled copy, this one is the caller's.
    return found


def _full_weeks(first: date, last: date) -> list[date]:
    """The Mondays of the weeks that lie whole inside first..last."""
    monday = week_start(first) if first.weekday() == 0 else week_start(first) + timedelta(days=7)
    mondays = []
    while monday + timedelta(days=6) <= last:
        mondays.append(monday)
        monday += timedelta(days=7)
    return mondays


def _rows(first: date, last: date) -> list[_Row]:
    """The period's day rows; the employees' figures of its whole weeks from their week rows (7 times fewer)."""
    mondays = _full_weeks(first, last)
    in_weeks = Q()
    for monday in mondays:
        in_weeks |= Q(day__gte=monday, day__lte=monday + timedelta(days=6))
    days = DayFigures.objects.filter(day__gte=first, day__lte=last)
    if mondays:
        days = days.exclude(Q(subject=Subject.EMPLOYEE) & in_weeks)
    rows = [_Row(*values) for values in days.order_by().values_list(*_Row._fields)]
    for monday, employee_id, counts, durations in (
        EmployeeWeek.objects.filter(week_start__in=mondays)
        .order_by()
        .values_list("week_start", "employee_id", "counts", "durations")
    ):
        rows.append(_Row(monday, Subject.EMPLOYEE, None, None, None, employee_id, None, counts, durations, {}))
    return rows


def _added_up(first: date, last: date) -> dict:
    rows = _rows(first, last)
    total, desk = _Sum(), _Sum()
    by_queue: dict[int, _Sum] = defaultdict(_Sum)
    by_priority: dict[int, int] = defaultdict(int)
    by_topic: dict[int | None, int] = defaultdict(int)
    by_day: dict[date, _Sum] = defaultdict(_Sum)
    by_weekday = [0] * 7
    employees: dict[int, _Sum] = defaultdict(_Sum)
    approvals: dict[int, _Sum] = defaultdict(_Sum)
    departments: dict[int, _Sum] = defaultdict(_Sum)
    # Each row is added once where its durations count (its queue) and its counts once more (its day); the desk's
    # totals, hours and weekdays are then added up from those few sums, not from every row again.
    for row in rows:
        if row.subject == Subject.QUEUE:
            by_queue[row.queue_id].add(row)
            by_day[row.day].add_counts(row)
            asked = row.counts.get("asked", 0)
            by_priority[row.priority] += asked
            by_topic[row.topic_id] += asked
        elif row.subject == Subject.EMPLOYEE:
            employees[row.employee_id].add(row)
        elif row.subject == Subject.APPROVALS:
            approvals[row.queue_id].add(row)
        elif row.subject == Subject.DEPARTMENT:
            departments[row.department_id].add(row)
        elif row.subject == Subject.DESK:
            desk.add(row)

    for figures in by_queue.values():
        total.add(figures)
    by_hour = [desk.counts.get(f"hour_{hour:02}", 0) for hour in range(24)]
    for day, figures in by_day.items():
        by_weekday[day.weekday()] += figures.counts.get("asked", 0)

    queue_names = _names(Queue, set(by_queue) | set(approvals))
    topic_names = _names(RoutingRule, by_topic)
    numbers = _names(Employee, employees, "employee_number")
    department_names = {
        pk: {"ja": name_ja, "en": name_en}
        for pk, name_ja, name_en in Department.objects.filter(pk__in=departments).values_list(
            "pk", "name_ja", "name_en"
        )
    }

    def queue_row(queue_id: int, figures: _Sum) -> dict:
        return {
            "id": queue_id,
            "name": queue_names.get(queue_id, f"#{queue_id}"),
            "asked": figures.counts.get("asked", 0),
            "answered": figures.counts.get("answered", 0),
            "frt": figures.duration("frt"),
            "frt_business": figures.duration("frt_business"),
            "service_level": _service_level(figures.counts),
            "closed_unanswered": figures.counts.get("closed_unanswered", 0),
        }

    employee_rows = [
        {
            "id": employee_id,
            "number": numbers.get(employee_id, f"#{employee_id}"),
            "replies": figures.counts.get("replies", 0),
            "handle": figures.duration("handle"),
        }
        for employee_id, figures in employees.items()
    ]
    employee_rows.sort(key=lambda row: (-row["replies"], row["number"]))

    days = []
    day = first
    while day <= last:
        figures = by_day.get(day, _Sum())
        days.append(
            {
                "day": day.isoformat(),
                "asked": figures.counts.get("asked", 0),
                "answered": figures.counts.get("answered", 0),
                "service_level": _service_level(figures.counts),
            }
        )
        day += timedelta(days=1)

    replies_posted = desk.counts.get("replies", 0)
    customer_posts = desk.counts.get("customer_posts", 0)
    reply_usd = round(replies_posted * settings.X_PRICE_REPLY_USD, 2)
    reads_usd = round(customer_posts * settings.X_PRICE_OWNED_READ_USD, 2)

    computed_at = figures_computed_at(first, last)
    return {
        "first": first.isoformat(),
        "last": last.isoformat(),
        "computed_at": computed_at.isoformat() if computed_at else None,
        "totals": {
            "asked": total.counts.get("asked", 0),
            "answered": total.counts.get("answered", 0),
            "frt": total.duration("frt"),
            "frt_business": total.duration("frt_business"),
            "service_level": _service_level(total.counts),
            "closed_unanswered": total.counts.get("closed_unanswered", 0),
            "replies": replies_posted,
            "send_lag": desk.duration("send_lag"),
            "handle": durations(_merged(employees, "handle")),
            "approval_wait": durations(_merged(approvals, "approval_wait")),
        },
        "by_queue": sorted((queue_row(pk, figures) for pk, figures in by_queue.items()), key=lambda r: r["name"]),
        "by_priority": [{"priority": p, "asked": by_priority.get(p, 0)} for p in sorted(by_priority, reverse=True)],
        "by_topic": sorted(
            (
                {"topic": topic_names.get(pk, "") if pk is not None else "", "asked": asked}
                for pk, asked in by_topic.items()
            ),
            key=lambda row: (-row["asked"], row["topic"]),
        ),
        "by_hour": by_hour,
        "by_weekday": by_weekday,
        "by_day": days,
        "employees": employee_rows,
        "approvals": sorted(
            (
                {
                    "queue": queue_names.get(pk, f"#{pk}"),
                    "decided": figures.counts.get("decided", 0),
                    "approved": figures.counts.get("approved", 0),
                    "rejected": figures.counts.get("rejected", 0),
                    "edited": figures.counts.get("edited", 0),
                    "wait": figures.duration("approval_wait"),
                }
                for pk, figures in approvals.items()
            ),
            key=lambda row: row["queue"],
        ),
        "departments": sorted(
            (
                {
                    "id": pk,
                    "name": department_names.get(pk, {"ja": f"#{pk}", "en": f"#{pk}"}),
                    "escalated": figures.counts.get("escalated", 0),
                    "accepted": figures.counts.get("accepted", 0),
                    "resolved": figures.counts.get("resolved", 0),
                    "returned": figures.counts.get("returned", 0),
                    "reasons": {
                        name.removeprefix("reason_"): n
                        for name, n in sorted(figures.counts.items())
                        if name.startswith("reason_")
                    },
                    "accept": figures.duration("accept"),
                    "resolve": figures.duration("resolve"),
                }
                for pk, figures in departments.items()
            ),
            key=lambda row: row["name"]["en"],
        ),
        "closed_unanswered": _closed_unanswered(total.listed.get("closed_unanswered", [])),
        "costs": {
            "replies": replies_posted,
            "reply_usd": reply_usd,
            "customer_posts": customer_posts,
            "reads_usd": reads_usd,
        },
    }


def _add_reviews(report: dict, first: date, last: date) -> None:
    reviews = _quality(first, last)
    for row in report["employees"]:
        quality = reviews.get(row["id"], {"reviewed": 0, "score": None})
        row["reviewed"], row["score"] = quality["reviewed"], quality["score"]
        row["coverage"] = round(quality["reviewed"] / row["replies"] * 100, 1) if row["replies"] else None


def _add_listening(report: dict, first: date, last: date) -> None:
    start, end = day_bounds(first)[0], day_bounds(last)[1]
    rows = [
        {
            "stream": entry.name,
            "hits": entry.hits,
            "posts_read": entry.posts_read,
            "counts_requests": entry.counts_requests,
            "usd": float(entry.cost_usd),
        }
        for entry in listening_selectors.period_summary(start, end)
    ]
    costs = report["costs"]
    costs["listening"] = rows
    costs["listening_usd"] = round(sum(row["usd"] for row in rows), 2)
    costs["total_usd"] = round(costs["reply_usd"] + costs["reads_usd"] + costs["listening_usd"], 2)


def _merged(sums: dict[int, _Sum], name: str) -> histograms.Histogram:
    merged: histograms.Histogram = {}
    for figures in sums.values():
        histograms.merge(merged, figures.durations.get(name, {}))
    return merged
