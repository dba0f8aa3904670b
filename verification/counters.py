"""How many checks the public page answered each day, for the administrators' edit page: counts in the shared cache,
no address and no input kept. A sudden run of "not ours" answers is often the first sign of a fake account at work.

Best effort by design: a cache flush loses the counts, never a check.
"""

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from django.core.cache import cache
from django.utils import timezone

logger = logging.getLogger(__name__)

DAYS_KEPT = 35
DAYS_SHOWN = 7


class Outcome(StrEnum):
    GENUINE = "genuine"
    NOT_OURS = "not_ours"
    SIGNATURE = "signature"
    REFUSED = "refused"


def _key(day: date, outcome: Outcome) -> str:
    return f"verification:day:{day.isoformat()}:{outcome.value}"


def count(outcome: Outcome) -> None:
    key = _key(timezone.localdate(), outcome)
    try:
        cache.add(key, 0, timeout=DAYS_KEPT * 86400)
        try:
            cache.incr(key)
        except ValueError:  # expired between the two calls: the count starts again
            cache.add(key, 1, timeout=DAYS_KEPT * 86400)
    except Exception:
        # A count is not worth a customer's answer: with the cache unreachable the check is answered uncounted.
        logger.warning("The public check's daily count could not be kept (cache unreachable)", exc_info=True)


@dataclass(frozen=True)
class Day:
    day: date
    genuine: int
    not_ours: int
    signature: int
    refused: int


def recent_days() -> list[Day]:
    """The last DAYS_SHOWN days in the desk's time zone, newest first."""
    today = timezone.localdate()
    days = [today - timedelta(days=n) for n in range(DAYS_SHOWN)]
    found = cache.get_many([_key(day, outcome) for day in days for outcome in Outcome])
    return [Day(day, *(int(found.get(_key(day, outcome), 0)) for outcome in Outcome)) for day in days]
