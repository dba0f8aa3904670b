"""How long things took and how long is left, in words a person reads: "waited 12 minutes", "due in 4 min",
"4 min overdue". Every count goes through ngettext (languages inflect differently), and nothing says "0 minutes":
under a minute is said as such."""

from datetime import datetime, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def _whole(span: timedelta, unit: timedelta) -> int:
    return int(span // unit)


def waited(since: datetime, now: datetime) -> str:
    """How long a customer has waited: minutes for the first hour, hours for the first two days, then days."""
    span = max(now - since, timedelta(0))
    if span < MINUTE:
        return _("waited less than a minute")
    if span < HOUR:
        minutes = _whole(span, MINUTE)
        return ngettext("waited %(count)d minute", "waited %(count)d minutes", minutes) % {"count": minutes}
    if span < 2 * DAY:
        hours = _whole(span, HOUR)
        return ngettext("waited %(count)d hour", "waited %(count)d hours", hours) % {"count": hours}
    days = _whole(span, DAY)
    return ngettext("waited %(count)d day", "waited %(count)d days", days) % {"count": days}


def due(due_at: datetime, now: datetime) -> str:
    """The time left to the service level, or how far past it: "due in 4 min", "4 min overdue"."""
    if due_at > now:
        left = due_at - now
        if left < MINUTE:
            return _("due in less than a minute")
        if left < 2 * HOUR:
            minutes = _whole(left, MINUTE)
            return ngettext("due in %(count)d min", "due in %(count)d min", minutes) % {"count": minutes}
        hours = _whole(left, HOUR)
        return ngettext("due in %(count)d hour", "due in %(count)d hours", hours) % {"count": hours}
    late = now - due_at
    if late < MINUTE:
        return _("just overdue")
    if late < 2 * HOUR:
        minutes = _whole(late, MINUTE)
        return ngettext("%(count)d min overdue", "%(count)d min overdue", minutes) % {"count": minutes}
    hours = _whole(late, HOUR)
    return ngettext("%(count)d hour overdue", "%(count)d hours overdue", hours) % {"count": hours}


def listed(items) -> str:
    """Items in a run, with the reader's separator: "a, b" in English, "a、b" in Japanese."""
    return pgettext("list separator", ", ").join(str(item) for item in items)
