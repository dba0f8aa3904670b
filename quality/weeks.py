"""Review weeks: Monday 00:00 to the next Monday 00:00 in the desk's TIME_ZONE, named by their Monday."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

WEEK = timedelta(days=7)


def week_of(moment: datetime) -> date:
    local = timezone.localtime(moment, timezone.get_default_timezone())
    return local.date() - timedelta(days=local.weekday())


def week_bounds(week_start: date) -> tuple[datetime, datetime]:
    """The moments [start, end) of the week that begins on `week_start` (a Monday)."""
    zone = timezone.get_default_timezone()
    start = datetime.combine(week_start, time.min, tzinfo=zone)
    end = datetime.combine(week_start + WEEK, time.min, tzinfo=zone)
    return start, end


def last_week(now: datetime) -> date:
    """The Monday of the last complete week before `now`."""
    return week_of(now) - WEEK


def parse_week(text: str | None) -> date | None:
    """A week named by any of its days as YYYY-MM-DD in a query string; None for anything else."""
    try:
        day = date.fromisoformat(text or "")
    except ValueError:
        return None
    return day - timedelta(days=day.weekday())
