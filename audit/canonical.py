"""Canonical bytes of an audit entry and the hash that chains it to the one before."""

import hashlib
import json
from typing import Any

GENESIS = "0" * 64
# The fields of an entry that its canonical record holds (the columns are kept beside it for querying): every
# column a person reads. Entries recorded before the record held `actor_id` (December 2026) have it derived from
# their actor number instead (audit/verify.py).
RECORD_FIELDS = (
    "created_at",
    "actor_id",
    "actor_number",
    "action",
    "target_type",
    "target_id",
    "target_label",
    "before",
    "after",
    "source_address",
    "request_id",
)


def canonical_json(data: dict[str, Any]) -> str:
    """One spelling per value: sorted keys, no spaces, Unicode kept as is."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(prev_hash: str, seq: int, entry_id: int, payload: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{seq}\n{entry_id}\n{payload}".encode()).hexdigest()
