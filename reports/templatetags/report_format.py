"""How the reports write durations and percentages, in the reader's language."""

from datetime import datetime

from django import template
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from reports.presentation import department_name

register = template.Library()


def duration_text(seconds: int | float | None) -> str:
    """1 h 05 min, 12 min 30 s, 45 s, 2 d 3 h; an em dash for nothing."""
    if seconds is None:
        return "—"
    seconds = int(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": minutes}
    if minutes:
        return (
            _("%(minutes)d min %(seconds)02d s") % {"minutes": minutes, "seconds": secs}
            if secs
            else _("%(minutes)d min") % {"minutes": minutes}
        )
    return _("%(seconds)d s") % {"seconds": secs}


@register.filter
def duration(seconds):
    return duration_text(seconds)


@register.filter
def waited_until(since: datetime | None, now: datetime) -> str:
    """How long from `since` to `now`, written as the report's other durations."""
    return "—" if since is None else duration_text((now - since).total_seconds())


@register.filter
def count(value):
    """A count with the reader's thousands separator (71,620)."""
    return "—" if value is None else formats.number_format(value, force_grouping=True)


@register.filter
def percent(value):
    return "—" if value is None else f"{value:.1f} %"


@register.filter
def of_language(names: dict, language: str) -> str:
    """A department's name in the page's language."""
    return department_name(names, language)


@register.filter
def local_time(iso: str | None) -> str:
    """An ISO moment kept in a report, in the desk's time zone."""
    if not iso:
        return "—"
    return formats.date_format(timezone.localtime(datetime.fromisoformat(iso)), "Y-m-d H:i")
