"""How many checks one address may make: a fixed window per address in the shared cache (Redis in production, so
every web worker counts the same), keyed by a keyed hash of the address that expires with its window.

An IPv6 address counts with its whole /64: one connection usually holds the whole network, and would otherwise
get a fresh allowance for every address in it.
"""

import ipaddress
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac

logger = logging.getLogger(__name__)

KEY_SALT = "verification.rate_limit"


def _now() -> float:
    return time.time()


@dataclass(frozen=True)
class Refusal:
    """Too many checks from one address: when its window ends."""

    retry_after_seconds: int

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.retry_after_seconds / 60))


def _bucket(address: str | None) -> str:
    try:
        parsed = ipaddress.ip_address(address or "")
    except ValueError:
        return "unknown"
    if parsed.version == 4:
        return str(parsed)
    if parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return str(ipaddress.ip_network(f"{parsed}/64", strict=False))


def take_check(address: str | None) -> Refusal | None:
    """Count one check from `address`; a Refusal once it made its allowance in the current window."""
    allowance, window = settings.PUBLIC_CHECK_RATE
    seconds = int(window.total_seconds())
    now = _now()
    start = int(now // seconds) * seconds
    key = f"verification:checks:{salted_hmac(KEY_SALT, _bucket(address)).hexdigest()[:32]}:{start}"
    # add() then incr(): Redis' INCR counts for every worker at once; add() only creates the key with its expiry.
    try:
        cache.add(key, 0, timeout=seconds + 60)
        try:
            made = cache.incr(key)
        except ValueError:  # expired between the two calls
            cache.add(key, 1, timeout=seconds + 60)
            made = 1
    except Exception:
        # The cache unreachable: the check is answered (a few indexed reads) rather than refused to everyone.
        logger.warning("The public check's rate limit could not be counted (cache unreachable)", exc_info=True)
        return None
    if made <= allowance:
        return None
    return Refusal(retry_after_seconds=max(1, math.ceil(start + seconds - now)))
