"""How long ago something happened, in words: never "0 minutes ago"."""

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

register = template.Library()

MINUTE = timedelta(minutes=1)


@register.filter
def ago(moment: datetime | None, now: datetime | None = None) -> str:
    """ "4 minutes ago", "1 hour, 5 minutes ago" (Django's timesince, whose units go through ngettext); under a
    minute, and for a moment a clock skew put in the future, "less than a minute ago"."""
    if moment is None:
        return ""
    now = now or timezone.now()
    if now - moment < MINUTE:
        return _("less than a minute ago")
    return _("%(age)s ago") % {"age": timesince(moment, now)}


@register.filter
def duration_words(span: timedelta | None) -> str:
    """ "4 minutes", "1 hour, 5 minutes" (timesince's units); under a minute, "less than a minute"."""
    if span is None:
        return ""
    if span < MINUTE:
        return _("less than a minute")
    now = timezone.now()
    return timesince(now - span, now)
