"""The seals that verification walks, each with its entry's columns, in sequence order (audit/verify.py).

Every row is one flat tuple, in the order of ROW: the seal, then its entry (`present` is the entry's id, None when
the entry is missing; its columns are then None too). `before` and `after` are as the database gives them: JSON
text on PostgreSQL, decoded values elsewhere; `entry_columns` turns a row into the columns as the ORM reads them.

On PostgreSQL the rows come from one query per batch, seals joined to their entries, read as tuples on cursors of
their own (Django's values() and its timestamp loader cost more than the checks themselves); a helper thread waits
for the next batch's result while the walk checks this one, so that the database works while this process checks.
`created_iso` is the entry's time spelled as `datetime.isoformat` spells it (the canonical record's spelling), made
by the database. Elsewhere (SQLite, the embedded desk) the ORM reads them, and `created_iso` is None.
"""

import queue
import threading
from collections.abc import Iterator
from datetime import UTC
from typing import Any

from django.db import connection

from .canonical import RECORD_FIELDS
from .models import AuditEntry, AuditSeal

# The entry's columns as the ORM's values() names them: the record's fields (audit.canonical), besides payload and id.
_ENTRY_COLUMNS = RECORD_FIELDS
# What each row holds: the seal, then its entry, with the entry's time also as text (created_iso).
ROW = ("seq", "entry_id", "prev_hash", "hash", "sealed_at", "present", "payload", "created_at", "created_iso")
ROW = (*ROW, *RECORD_FIELDS[1:])
BATCH = 5_000


def sealed_rows(first_seq: int, last_seq: int) -> "SealedRows":
    """The seals from `first_seq` to `last_seq` (those that exist) with their entries, in sequence order."""
    if connection.vendor == "postgresql" and connection.timezone_name == "UTC":
        return _PostgresRows(first_seq, last_seq)
    return _OrmRows(first_seq, last_seq)


class SealedRows:
    def __iter__(self) -> Iterator[tuple]:
        raise NotImplementedError

    def entry_columns(self, row: tuple) -> dict[str, Any]:
        """The entry of `row` as `AuditEntry.objects.values("id", "payload", *RECORD_FIELDS)` gives it."""
        named = dict(zip(ROW, row, strict=True))
        return {"id": named["present"], "payload": named["payload"], **{n: named[n] for n in _ENTRY_COLUMNS}}


class _OrmRows(SealedRows):
    """Seals in batches, entries fetched by id in batches as the walk reaches them (memory stays bounded)."""

    def __init__(self, first_seq: int, last_seq: int):
        self.first_seq, self.last_seq = first_seq, last_seq

    def __iter__(self) -> Iterator[tuple]:
        seals = (
            AuditSeal.objects.filter(seq__gte=self.first_seq, seq__lte=self.last_seq)
            .order_by("seq")
            .values_list("seq", "entry_id", "prev_hash", "hash", "sealed_at")
        )
        cache: dict[int, dict | None] = {}
        for seal in seals.iterator(chunk_size=BATCH):
            entry_id = seal[1]
            if entry_id not in cache:
                cache.clear()
                rows = AuditEntry.objects.filter(id__gte=entry_id, id__lt=entry_id + BATCH).values(
                    "id", "payload", *_ENTRY_COLUMNS
                )
                cache.update({row["id"]: row for row in rows})
                cache.setdefault(entry_id, None)
            entry = cache[entry_id]
            if entry is None:
                yield (*seal, *([None] * (len(ROW) - len(seal))))
            else:
                yield (
                    *seal,
                    entry["id"],
                    entry["payload"],
                    entry["created_at"],
                    None,
                    *(entry[name] for name in _ENTRY_COLUMNS[1:]),
                )


def _iso_sql(utc: str) -> str:
    """SQL spelling a `timestamp` in UTC as Python's `isoformat()` spells the same moment with tzinfo UTC:
    microseconds only when there are any; NULL outside the years Python can hold (the record then is compared
    the precise way, which fails as the ORM would)."""
    return (
        f"CASE WHEN {utc} >= '0001-01-01 00:00:00' AND {utc} < '10000-01-01 00:00:00' THEN "
        f"to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || "
        f"CASE WHEN date_trunc('second', {utc}) = {utc} THEN '' ELSE to_char({utc}, '.US') END || '+00:00' END"
    )


def _postgres_query() -> str:
    seal, entry = AuditSeal._meta.db_table, AuditEntry._meta.db_table
    # LATERAL … OFFSET 0 keeps the plan a walk of the seals' index with one entry lookup each, in sequence order:
    # joined plainly, PostgreSQL hashes the whole entry table for every batch and sorts the result on disk.
    # Table names from the models: no outside text in the query.
    return (
        "SELECT s.seq, s.entry_id, s.prev_hash, s.hash, s.sealed_at, e.id, e.payload, e.created_at, "  # noqa: S608
        f"{_iso_sql('e.created_utc')}, e.actor_id, e.actor_number, e.action, e.target_type, e.target_id, "
        "e.target_label, e.before, e.after, e.source_address, e.request_id "
        f"FROM {seal} s LEFT JOIN LATERAL ("
        f"SELECT *, created_at AT TIME ZONE 'UTC' AS created_utc FROM {entry} WHERE id = s.entry_id OFFSET 0"
        ") e ON true WHERE s.seq >= %s AND s.seq <= %s ORDER BY s.seq"
    )


_DONE = object()
# Cursors in turn: while the walk turns one batch's result into rows and checks them, the database computes the next
# batch's on the other.
_CURSORS = 2


class _PostgresRows(SealedRows):
    """Batches of BATCH sequence numbers. A helper thread sends each batch's query and waits for the database; the
    walk turns the result into rows and checks them meanwhile, so the database works while this process checks.

    Both use Django's connection (its transaction, if any): psycopg serialises its use, so a query the walk makes
    meanwhile (an employee's number) waits for the batch being computed. A result, once received, is the cursor's
    own, read while the connection serves the next query. The helper stops with the walk, however it ends. The
    jsonb and inet columns come as text, as Django reads them; the timestamps through psycopg's own loader
    (Django's wraps it in Python), in the connection's time zone, UTC.
    """

    def __init__(self, first_seq: int, last_seq: int):
        self.first_seq, self.last_seq = first_seq, last_seq
        self.before_field = AuditEntry._meta.get_field("before")
        self.after_field = AuditEntry._meta.get_field("after")

    def __iter__(self) -> Iterator[tuple]:
        from psycopg.types.datetime import TimestamptzLoader  # only on PostgreSQL

        connection.ensure_connection()
        cursors = [connection.connection.cursor() for _ in range(_CURSORS)]
        free: queue.Queue = queue.Queue()
        for cursor in cursors:
            cursor.adapters.register_loader("timestamptz", TimestamptzLoader)
            free.put(cursor)
        answered: queue.Queue = queue.Queue()
        stop = threading.Event()
        helper = threading.Thread(
            target=self._query, args=(free, answered, stop), name="audit-verify-reader", daemon=True
        )
        helper.start()
        try:
            while (cursor := answered.get()) is not _DONE:
                with connection.wrap_database_errors:
                    if isinstance(cursor, BaseException):
                        raise cursor
                    rows = cursor.fetchall()
                free.put(cursor)
                yield from rows
        finally:
            stop.set()
            free.put(None)  # wakes a helper waiting for a cursor
            helper.join()
            for cursor in cursors:
                cursor.close()

    def _query(self, free: queue.Queue, answered: queue.Queue, stop: threading.Event) -> None:
        query = _postgres_query()
        try:
            for start in range(self.first_seq, self.last_seq + 1, BATCH):
                cursor = free.get()
                if cursor is None or stop.is_set():
                    return
                cursor.execute(query, (start, min(start + BATCH - 1, self.last_seq)))
                answered.put(cursor)
            answered.put(_DONE)
        except BaseException as error:  # noqa: BLE001 - handed to the walk, which raises it
            answered.put(error)

    def entry_columns(self, row: tuple) -> dict[str, Any]:
        columns = super().entry_columns(row)
        columns["created_at"] = columns["created_at"].astimezone(UTC)
        for name, field in (("before", self.before_field), ("after", self.after_field)):
            if columns[name] is not None:
                columns[name] = field.from_db_value(columns[name], None, connection)
        return columns
