"""The single entry point that writes the audit trail.

Every state change calls `record` inside its own transaction, so the change and its entry are written
together or not at all. Keeping one writer lets the trail later become append-only and hash-chained
without touching the callers.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import Model
from django.utils import timezone

from .canonical import RECORD_FIELDS, canonical_json
from .context import current_request_context
from .models import AuditEntry

SYSTEM_ACTOR = "system"


class AuditOutsideTransaction(RuntimeError):
    """An audited change must run inside transaction.atomic, or change and entry could drift apart."""


def _json_ready(data: dict[str, Any] | None) -> dict[str, Any] | None:
    if data is None:
        return None
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def record(
    action: str,
    *,
    actor: Model | None,
    target: Model | None = None,
    target_type: str = "",
    target_id: str = "",
    target_label: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Write one entry. `actor` None means the system (a worker, a command, an unknown person)."""
    if not connection.in_atomic_block:
        raise AuditOutsideTransaction(f"audit action {action!r} recorded outside a transaction")
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or str(target.pk)
        target_label = target_label or str(target)
    return _insert_entry(
        _entry_fields(
            action,
            actor=actor,
            target_type=target_type,
            target_id=target_id,
            target_label=target_label,
            before=before,
            after=after,
        )
    )


# The columns of one entry's INSERT, each with the field that converts its value for the database.
_INSERT_FIELDS = tuple((name, AuditEntry._meta.get_field(name)) for name in ("payload", *RECORD_FIELDS))


def _insert_sql() -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for _name, field in _INSERT_FIELDS)
    placeholders = ", ".join(["%s"] * len(_INSERT_FIELDS))
    table = quote(AuditEntry._meta.db_table)
    return f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) RETURNING {quote(AuditEntry._meta.pk.column)}"  # noqa: S608 (the model's own names)


def _insert_entry(fields: dict[str, Any]) -> AuditEntry:
    """INSERT the entry as AuditEntry.objects.create(**fields) would (each value converted by its own field), as one
    statement written once: the ORM's model saving and query compiling cost more CPU than the database spends on the
    row, for the entry every claim and release writes (docs/benchmarks.md, "Claims")."""
    if not connection.features.can_return_columns_from_insert:
        return AuditEntry.objects.create(**fields)
    values = [field.get_db_prep_save(fields[name], connection) for name, field in _INSERT_FIELDS]
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(), values)
        (entry_id,) = cursor.fetchone()
    entry = AuditEntry(id=entry_id, **fields)
    entry._state.adding = False
    entry._state.db = connection.alias
    return entry


@dataclass(frozen=True)
class SystemEntry:
    """One entry of a batch written by the worker: what changed on one target."""

    target_type: str
    target_id: str
    target_label: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


def record_many(action: str, entries: list[SystemEntry], *, batch_size: int = 2_000) -> int:
    """Write one entry per changed target in a few statements: a sweep may change thousands of questions at once.

    Each entry gets the same columns and canonical record that `record` would write for it (created_at, as
    there, taken when the entry is made). On PostgreSQL the rows go in through COPY, built as plain tuples:
    model instances and Django's multi-row INSERT cost several times what the database does with the rows.
    """
    if not connection.in_atomic_block:
        raise AuditOutsideTransaction(f"audit action {action!r} recorded outside a transaction")
    if not entries:
        return 0
    rows = _system_rows(action, entries)
    if connection.vendor == "postgresql":
        _copy_rows(rows)
    else:
        AuditEntry.objects.bulk_create([AuditEntry(**fields) for fields in rows], batch_size=batch_size)
    return len(rows)


# The columns record_many fills, in COPY order (the record's fields, then the record itself); id goes to its sequence.
_COPY_COLUMNS = (*RECORD_FIELDS, "payload")
_COPY_SQL = f"COPY {AuditEntry._meta.db_table} ({', '.join(_COPY_COLUMNS)}) FROM STDIN"
_JSON_COLUMNS = frozenset({"before", "after"})


def _system_rows(action: str, entries: list[SystemEntry]) -> list[dict[str, Any]]:
    """The fields `_entry_fields` gives each entry (actor: the system), payload included."""
    # The request context cannot change during the call: read it once, not once per entry.
    context = current_request_context()
    rows = []
    for e in entries:
        fields = {
            "created_at": timezone.now(),
            "actor_id": None,
            "actor_number": SYSTEM_ACTOR,
            "action": action,
            "target_type": e.target_type,
            "target_id": e.target_id,
            "target_label": e.target_label[:200],
            "before": _json_ready_fast(e.before),
            "after": _json_ready_fast(e.after),
            "source_address": context.source_address,
            "request_id": context.request_id,
        }
        fields["payload"] = entry_payload(fields)
        rows.append(fields)
    return rows


def _copy_rows(rows: list[dict[str, Any]]) -> None:
    """COPY the rows in; the jsonb columns get the same JSON text Django's JSONField would send."""
    # Django's cursor turns psycopg's errors into django.db ones for execute and fetch*, not for COPY: without
    # this a failed insert would escape the callers that catch DatabaseError.
    with connection.wrap_database_errors, connection.cursor() as cursor, cursor.copy(_COPY_SQL) as copy:
        for r in rows:
            copy.write_row(tuple(_copy_value(column, r[column]) for column in _COPY_COLUMNS))


def _copy_value(column: str, value: Any) -> Any:
    if column in _JSON_COLUMNS:
        return None if value is None else json.dumps(value)
    if column == "source_address":
        return value or None  # as GenericIPAddressField saves it: an empty address is NULL
    return value


_PLAIN = frozenset({str, int, bool, type(None)})
_django_json_default = DjangoJSONEncoder().default


def _json_ready_fast(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """`_json_ready`'s result without the JSON round trip, for the flat dicts nearly every entry records.

    Plain values come back from the round trip unchanged and an exact datetime comes back as what
    DjangoJSONEncoder makes of it, so both are taken as they are; anything else (floats, nested data,
    subclasses, keys that are not str) goes through the round trip itself, so the result is always the same.
    """
    if data is None:
        return None
    ready: dict[str, Any] = {}
    for key, value in data.items():
        kind = type(value)
        if type(key) is not str:
            return _json_ready(data)
        if kind in _PLAIN:
            ready[key] = value
        elif kind is datetime:
            ready[key] = _django_json_default(value)
        elif kind is list and all(type(item) in _PLAIN for item in value):
            ready[key] = list(value)
        else:
            return _json_ready(data)
    return ready


def _entry_fields(
    action: str,
    *,
    actor: Model | None,
    target_type: str,
    target_id: str,
    target_label: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> dict[str, Any]:
    context = current_request_context()
    fields = {
        "created_at": timezone.now(),
        "actor_id": actor.pk if actor is not None else None,
        "actor_number": str(actor) if actor is not None else SYSTEM_ACTOR,
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "target_label": target_label[:200],
        "before": _json_ready_fast(before),
        "after": _json_ready_fast(after),
        "source_address": context.source_address,
        "request_id": context.request_id,
    }
    return {"payload": entry_payload(fields), **fields}


def entry_payload(fields: dict[str, Any]) -> str:
    """The canonical record the hash chain covers (the columns are kept for querying)."""
    return canonical_json({**fields, "created_at": fields["created_at"].isoformat()})
