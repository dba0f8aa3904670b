"""The single entry point that writes the audit trail.

Every state change calls `record` inside its own transaction, so the change and its entry are written
together or not at all. Keeping one writer lets the trail later become append-only and hash-chained
without touching the callers.
"""

import json
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import Model
from django.utils import timezone

from .canonical import canonical_json
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
    return AuditEntry.objects.create(
        **_entry_fields(
            action,
            actor=actor,
            target_type=target_type,
            target_id=target_id,
            target_label=target_label,
            before=before,
            after=after,
        )
    )


@dataclass(frozen=True)
class SystemEntry:
    """One entry of a batch written by the worker: what changed on one target."""

    target_type: str
    target_id: str
    target_label: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


def record_many(action: str, entries: list[SystemEntry], *, batch_size: int = 2_000) -> int:
    """Write one entry per changed target in a few INSERTs: a sweep may change thousands of questions at once."""
    if not connection.in_atomic_block:
        raise AuditOutsideTransaction(f"audit action {action!r} recorded outside a transaction")
    rows = [
        AuditEntry(
            **_entry_fields(
                action,
                actor=None,
                target_type=e.target_type,
                target_id=e.target_id,
                target_label=e.target_label,
                before=e.before,
                after=e.after,
            )
        )
        for e in entries
    ]
    AuditEntry.objects.bulk_create(rows, batch_size=batch_size)
    return len(rows)


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
        "actor_number": str(actor) if actor is not None else SYSTEM_ACTOR,
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "target_label": target_label[:200],
        "before": _json_ready(before),
        "after": _json_ready(after),
        "source_address": context.source_address,
        "request_id": context.request_id,
    }
    return {"actor": actor, "payload": entry_payload(fields), **fields}


def entry_payload(fields: dict[str, Any]) -> str:
    """The canonical record the hash chain covers (the columns are kept for querying)."""
    return canonical_json({**fields, "created_at": fields["created_at"].isoformat()})
