"""Every PostgreSQL advisory lock the desk takes, in one table, and the two ways to take one.

- `transaction_lock(key)`: held until the surrounding transaction ends (pg_advisory_xact_lock); refuses to run
  outside a transaction, where it would be released at once and guard nothing.
- `single_flight(name)`: a periodic job that is still running when its next run starts makes that run do nothing
  (a session lock, freed by the database if the worker dies).

Keys of one kind never collide with the other: transaction locks take the one-key (bigint) form, single-flight
locks the two-key form in a namespace of their own.
"""

import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from enum import IntEnum, unique

from django.core.cache import cache
from django.db import DatabaseError, connection


@unique
class TransactionLock(IntEnum):
    # One sealer at a time gives chain positions in the order entries became visible (audit/sealer.py).
    AUDIT_SEALER = 0x5EA1_A0D1
    # Checking the posting budget and taking a slot must be one step for all workers (inbox/outbox.py).
    POSTING_BUDGET = 0x0B0D_6E7
    # One employee's claims, one at a time (with the employee's id as the second key): the hold limit counts
    # what they hold, and two claims at once must not both see room for one more (inbox/claims.py).
    CLAIMS_OF_EMPLOYEE = 0x0C1A_1235
    # One refresh of a day's report figures at a time (with the day's ordinal as the second key): two refreshes at
    # once (the 10-minute one and the nightly one) would each delete before the other's insert is visible, and
    # the day would be counted twice (reports/rollups.py).
    REPORT_DAY = 0x4E90_0D4A
    # One adding-up of an employee week at a time (with the Monday's ordinal): it reads the week's day rows after any
    # refresh of them in progress has committed (reports/rollups.py).
    REPORT_WEEK = 0x4E90_0EEC
    # One publication of the guidelines at a time: the next version's number and the check that the form was written
    # from the version in force are read after the previous publication committed (guidelines/services.py).
    GUIDELINES_PUBLISH = 0x6D1D_E115


# The two-key form's first key for every single-flight job; the second is the job name's CRC-32.
SINGLE_FLIGHT_NAMESPACE = 0x5D_E5_C0
# Without PostgreSQL (the embedded desk runs one worker), the cache holds the flag; it expires on its own
# should the worker die in the middle.
_CACHE_HOLD_SECONDS = 15 * 60


class LockOutsideTransaction(RuntimeError):
    """A transaction lock taken in autocommit mode is released as soon as it is taken."""


def transaction_lock(key: TransactionLock, item: int | None = None) -> None:
    """Wait for the lock `key` (for one `item`, such as an employee's id, when given) and hold it until the current
    transaction commits or rolls back.

    Without PostgreSQL there is nothing to take: the embedded desk runs one worker process, and SQLite lets
    one writer in at a time anyway.
    """
    if not connection.in_atomic_block:
        raise LockOutsideTransaction(f"{key.name} must be taken inside transaction.atomic")
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        if item is None:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int(key)])
        else:
            # The two-key form (its key space is not the one-key form's): the item must fit in 32 bits.
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [int(key), item % 2**31])


def single_flight_key(name: str) -> int:
    return zlib.crc32(name.encode()) - 2**31  # a signed 32-bit integer


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
    key = single_flight_key(name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [SINGLE_FLIGHT_NAMESPACE, key])
        acquired = cursor.fetchone()[0]
    if not acquired:
        yield False
        return
    try:
        yield True
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [SINGLE_FLIGHT_NAMESPACE, key])
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
