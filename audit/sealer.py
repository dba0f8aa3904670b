"""Sealing: the worker chains committed entries, outside the users' transactions.

Why not chain inside each audited transaction: every action would then wait on one head row (on this
machine, 6× fewer claims at 32 workers). Instead the sealer, one at a time (an advisory lock), takes the
entries that have committed and are not sealed yet, in id order, and gives them the next chain positions.
A transaction that commits late is simply sealed in a later run: the chain has no holes by construction.
Until it is sealed (seconds), an entry is protected by the append-only triggers only.

Finding the unsealed entries means an anti-join of entries and seals. The periodic run looks only at entries
written since shortly before the last sealing (LATE_COMMIT_WINDOW), so its cost follows what is new, not the
size of the trail; the hourly checkpoint and verify_audit make a full pass, which also seals an entry whose
transaction stayed open longer than the window.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from replydesk.locks import TransactionLock, transaction_lock

from .canonical import GENESIS, chain_hash
from .models import AuditEntry, AuditSeal

BATCH = 5_000
LATE_COMMIT_WINDOW = timedelta(minutes=15)


def seal_pending(*, limit: int = 100_000, full: bool = False) -> int:
    """Seal committed entries in batches; returns how many were sealed. `full`: look through the whole trail."""
    sealed = 0
    while sealed < limit:
        count = _seal_batch(full)
        sealed += count
        if count < BATCH:
            break
    return sealed


@transaction.atomic(durable=True)
def _seal_batch(full: bool) -> int:
    transaction_lock(TransactionLock.AUDIT_SEALER)
    head = AuditSeal.objects.order_by("-seq").values_list("seq", "hash", "sealed_at").first()
    seq, prev_hash, last_sealed_at = head if head else (0, GENESIS, None)
    unsealed = AuditEntry.objects.filter(seal__isnull=True)
    if last_sealed_at is not None and not full:
        unsealed = unsealed.filter(created_at__gte=last_sealed_at - LATE_COMMIT_WINDOW)
    pending = list(unsealed.order_by("id").values_list("id", "payload")[:BATCH])
    now = timezone.now()
    seals = []
    for entry_id, payload in pending:
        seq += 1
        digest = chain_hash(prev_hash, seq, entry_id, payload)
        seals.append(AuditSeal(seq=seq, entry_id=entry_id, prev_hash=prev_hash, hash=digest, sealed_at=now))
        prev_hash = digest
    AuditSeal.objects.bulk_create(seals)
    return len(seals)
