"""Sealing: the worker chains committed entries, outside the users' transactions, and anchors every batch outside
the database before it commits.

Why not chain inside each audited transaction: every action would then wait on one head row (on this machine,
6× fewer claims at 32 workers). Instead the sealer, one at a time (an advisory lock), takes the entries that have
committed and are not sealed yet, in id order, and gives them the next chain positions. A transaction that
commits late is simply sealed in a later run: the chain has no holes by construction.

A run, in this order, one transaction per batch:
1. settle the last anchor: its batch committed (write "committed"), or never did (write "abandoned"); a chain
   head that is neither what the last anchor says nor the one before it was changed outside the sealer: that is
   written down as an incident, and sealing goes on from the head the database has;
2. take the unsealed entries recorded within the late-commit window of now (AUDIT_LATE_COMMIT_SECONDS): an older
   unsealed entry was slipped in back-dated (or its transaction stayed open far too long) and is never sealed;
   verification reports it;
3. write the seals, append the anchor line (fsync), commit, append "committed".
Until it is sealed (seconds), an entry is protected by the triggers and the roles only.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from replydesk.locks import TransactionLock, transaction_lock

from . import anchors
from .canonical import GENESIS, chain_hash
from .models import AuditEntry, AuditSeal

logger = logging.getLogger(__name__)

BATCH = 5_000


def late_commit_window() -> timedelta:
    return timedelta(seconds=settings.AUDIT_LATE_COMMIT_SECONDS)


@dataclass
class SealRun:
    sealed: int = 0
    # Unsealed entries that left the window in the last two windows: never sealed, reported.
    missed: int = 0
    incidents: int = 0


def seal_pending(*, limit: int = 100_000, now: datetime | None = None) -> int:
    """Seal committed entries in batches; returns how many were sealed."""
    return seal(limit=limit, now=now).sealed


def seal(*, limit: int = 100_000, now: datetime | None = None) -> SealRun:
    run = SealRun()
    while run.sealed < limit:
        count, incidents = _seal_batch(now or timezone.now())
        run.sealed += count
        run.incidents += incidents
        if count < BATCH:
            break
    run.missed = _missed_the_window(now or timezone.now())
    if run.missed:
        logger.error("Audit trail: %d entries are older than the late-commit window and unsealed", run.missed)
    return run


def _seal_batch(now: datetime) -> tuple[int, int]:
    with transaction.atomic(durable=True):
        transaction_lock(TransactionLock.AUDIT_SEALER)
        head = AuditSeal.objects.order_by("-seq").values_list("seq", "hash").first() or (0, GENESIS)
        incidents = _settle_last_anchor(head)
        seq, prev_hash = head
        pending = list(
            AuditEntry.objects.filter(seal__isnull=True, created_at__gte=now - late_commit_window())
            .order_by("id")
            .values_list("id", "payload")[:BATCH]
        )
        if not pending:
            return 0, incidents
        seals = []
        for entry_id, payload in pending:
            seq += 1
            digest = chain_hash(prev_hash, seq, entry_id, payload)
            seals.append(AuditSeal(seq=seq, entry_id=entry_id, prev_hash=prev_hash, hash=digest, sealed_at=now))
            prev_hash = digest
        AuditSeal.objects.bulk_create(seals)
        # Outside the database before the seals are visible in it: a seal without its anchor is a forgery.
        anchors.write_anchor(seals[0].seq, seq, prev_hash, now, [s.hash for s in seals])
    anchors.write_settled("committed", seq)
    return len(seals), incidents


def _settle_last_anchor(head: tuple[int, str]) -> int:
    """Compare the chain head with what was last written outside; write what the comparison shows."""
    log = anchors.read_tail()
    last = log.anchors[-1] if log.anchors else None
    if last is not None and last.state == "pending":
        if (last.last, last.head) == head:
            anchors.write_settled("committed", last.last)
            return 0
        before = _anchored_before(log, last)
        if before == head or (before is None and head == (0, GENESIS)):
            anchors.write_settled("abandoned", last.last)
            return 0
    anchored = log.anchored_head
    if anchored is None:
        # A new anchor file: anchoring begins with the chain as it is (also the step up from hourly checkpoints).
        if head != (0, GENESIS):
            logger.warning(
                "Audit trail: the anchor file %s was empty; anchoring begins at %d", anchors.anchor_file(), head[0]
            )
        anchors.write_begun(*head)
        return 0
    if anchored == head:
        return 0
    anchored_seq, anchored_hash = anchored
    db_seq, db_hash = head
    if db_seq > anchored_seq:
        what = f"sequence {anchored_seq + 1}–{db_seq} were sealed outside the sealer"
    elif db_seq < anchored_seq:
        what = f"sequence {db_seq + 1}–{anchored_seq} are gone from the database"
    else:
        what = f"the chain up to sequence {db_seq} was rewritten"
    anchors.write_incident(what, db_seq=db_seq, db_head=db_hash, anchored_seq=anchored_seq, anchored_head=anchored_hash)
    # Sealing goes on from the database's head; the next run compares with this.
    anchors.write_begun(*head)
    return 1


def _anchored_before(log: anchors.AnchorLog, pending: anchors.Anchor) -> tuple[int, str] | None:
    earlier = [(a.line, a.last, a.head) for a in log.standing() if a.line < pending.line]
    earlier += [(b.line, b.seq, b.head) for b in log.begun if b.line < pending.line]
    if not earlier:
        return None
    _line, seq, head = max(earlier)
    return seq, head


def _missed_the_window(now: datetime) -> int:
    """Unsealed entries that fell out of the window lately (the search stays on a recent band of the index)."""
    window = late_commit_window()
    return AuditEntry.objects.filter(
        seal__isnull=True, created_at__gte=now - 2 * window - timedelta(minutes=5), created_at__lt=now - window
    ).count()
