"""Single-flight: a periodic job that is still running when its next run starts makes that run do nothing."""

import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.cache import cache
from django.db import DatabaseError, connection

# The two-key form of PostgreSQL's advisory locks, in a namespace of its own, apart from the audit sealer's
# one-key lock.
_NAMESPACE = 0x5D_E5_C0
# Without PostgreSQL (the embedded desk runs one worker), the cache holds the flag; it expires on its own
# should the worker die in the middle.
_CACHE_HOLD_SECONDS = 15 * 60


@contextmanager
def single_flight(name: str) -> Iterator[bool]:
    """Yield True while holding the lock called `name`, or False at once if another process holds it.

    On PostgreSQL it is a session advisory lock: a worker killed mid-run loses its connection, and the
    database frees the lock with it, so a crash never leaves the job locked out.
    """
    if connection.vendor != "postgresql":
        with _cache_flight(name) as acquired:
            yield acquired
        return
    key = zlib.crc32(name.encode()) - 2**31  # a signed 32-bit integer
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_NAMESPACE, key])
        acquired = cursor.fetchone()[0]
    if not acquired:
        yield False
        return
    try:
        yield True
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_NAMESPACE, key])
        except DatabaseError:
            # The connection broke during the job; the lock went with it.
            connection.close()


@contextmanager
def _cache_flight(name: str) -> Iterator[bool]:
    key = f"single-flight:{name}"
    if not cache.add(key, 1, _CACHE_HOLD_SECONDS):
        yield False
        return
    try:
        yield True
    finally:
        cache.delete(key)
