"""Business hours: how much of a wait fell inside a queue's working hours, skipping weekends and Japan's public
holidays (the `holidays` library, kept current by its maintainers, substitute and "national" holidays included).

A span is cut at each local day's opening and closing time in the desk's TIME_ZONE. A queue without its own hours
uses the desk's (the BusinessHours row without a queue), else REPORT_BUSINESS_HOURS in the settings.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings

from .models import BusinessHours


@dataclass(frozen=True)
class Schedule:
    opens: time
    closes: time
    # Monday is 0, as date.weekday().
    weekdays: frozenset[int]
    closed_on_holidays: bool

    def is_open_on(self, day: date) -> bool:
        return day.weekday() in self.weekdays and not (self.closed_on_holidays and is_holiday(day))


@cache
def _holidays_of(country: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, years=year))


def is_holiday(day: date) -> bool:
    return day in _holidays_of(settings.REPORT_HOLIDAY_COUNTRY, day.year)


def default_schedule() -> Schedule:
    opens, closes, weekdays = settings.REPORT_BUSINESS_HOURS
    return Schedule(time.fromisoformat(opens), time.fromisoformat(closes), frozenset(weekdays), True)


def _schedule_of(row: BusinessHours) -> Schedule:
    return Schedule(row.opens_at, row.closes_at, frozenset(row.weekday_numbers()), row.closed_on_holidays)


class Schedules:
    """Every queue's hours, read once per rollup run."""

    def __init__(self) -> None:
        rows = list(BusinessHours.objects.all())
        desk = next((row for row in rows if row.queue_id is None), None)
        self.desk = _schedule_of(desk) if desk else default_schedule()
        self.by_queue = {row.queue_id: _schedule_of(row) for row in rows if row.queue_id is not None}

    def of(self, queue_id: int) -> Schedule:
        return self.by_queue.get(queue_id, self.desk)


def business_seconds(start: datetime, end: datetime, schedule: Schedule, zone: ZoneInfo | None = None) -> float:
    """Seconds of [start, end) that fall inside the schedule's open hours."""
    if end <= start:
        return 0.0
    zone = zone or ZoneInfo(settings.TIME_ZONE)
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    total = 0.0
    day = local_start.date()
    while day <= local_end.date():
        if schedule.is_open_on(day):
            opens = datetime.combine(day, schedule.opens, zone)
            closes = datetime.combine(day, schedule.closes, zone)
            overlap = min(closes, local_end) - max(opens, local_start)
            total += max(overlap.total_seconds(), 0.0)
        day += timedelta(days=1)
    return total
