"""Which days a report covers: a period the person chose, or one of the usual ones, in the desk's time zone."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .errors import BadPeriod

# A longer period is refused: a report adds up every day of it.
LONGEST_DAYS = 400


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def last_week(today: date) -> Period:
    """Monday to Sunday of the week before this one: the weekly report's week."""
    monday = week_start(today) - timedelta(days=7)
    return Period(monday, monday + timedelta(days=6))


def _quarter_start(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


PRESETS = (
    ("today", gettext_lazy("Today")),
    ("this_week", gettext_lazy("This week")),
    ("last_week", gettext_lazy("Last week")),
    ("last_30_days", gettext_lazy("Last 30 days")),
    ("last_quarter", gettext_lazy("Last quarter")),
)


def preset(name: str, today: date) -> Period:
    if name == "today":
        return Period(today, today)
    if name == "this_week":
        return Period(week_start(today), today)
    if name == "last_30_days":
        return Period(today - timedelta(days=29), today)
    if name == "last_quarter":
        this_quarter = _quarter_start(today)
        return Period(_quarter_start(this_quarter - timedelta(days=1)), this_quarter - timedelta(days=1))
    return last_week(today)


def preset_name(period: Period, today: date) -> str | None:
    """The preset that gives `period` today, if one does (the page marks it)."""
    return next((name for name, _label in PRESETS if preset(name, today) == period), None)


def parse(start: str | None, end: str | None, today: date, *, named: str | None = None) -> Period:
    """The period of the page's form (ISO dates, inclusive), or a preset by name, or last week when nothing is
    given. Raises BadPeriod with a sentence for the person."""
    if named and not (start or end):
        return preset(named, today)
    if not start and not end:
        return last_week(today)
    try:
        first = date.fromisoformat(start or "")
        last = date.fromisoformat(end or "")
    except ValueError:
        raise BadPeriod(_("Give the period as two dates, for example 2026-11-30 and 2026-12-06.")) from None
    if first > last:
        raise BadPeriod(_("The period's first day must not be after its last day."))
    if first > today:
        raise BadPeriod(_("The period starts in the future: there is nothing to report yet."))
    period = Period(first, min(last, today))
    if period.days > LONGEST_DAYS:
        raise BadPeriod(_("A report covers at most %(days)d days; choose a shorter period.") % {"days": LONGEST_DAYS})
    return period
