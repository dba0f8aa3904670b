"""Times on the compliance pages: in the desk's time zone (settings.TIME_ZONE), always with the offset, so that an
officer comparing the page with an export (UTC) or a log elsewhere never has to guess the zone."""

import re
from datetime import datetime

from django import template
from django.utils import timezone

register = template.Library()

# An ISO 8601 time with its zone, as the recorder writes datetimes into before/after data (DjangoJSONEncoder):
# "2026-12-01T23:42:52.070869+00:00", "2026-12-01T23:42:52Z". Naive times and bare dates are left as recorded.
_AWARE_ISO = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})")


@register.filter
def desk_time(moment: datetime | None) -> str:
    """ "2026-12-02 08:42:52 +09:00" """
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    return f"{local:%Y-%m-%d %H:%M:%S} {local.isoformat()[-6:]}"


def desk_time_of_text(text: str) -> str | None:
    """The desk-time form of a recorded ISO time with a zone, or None when `text` is not one."""
    if not _AWARE_ISO.fullmatch(text):
        return None
    try:
        return desk_time(datetime.fromisoformat(text))
    except ValueError:
        return None
