"""Re-check the hash chain: every problem found, with the first bad entry named."""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from .canonical import GENESIS, RECORD_FIELDS, chain_hash
from .checkpoints import written_checkpoints
from .models import AuditCheckpoint, AuditEntry, AuditSeal, AuditVerification

# Entries younger than this may simply not be sealed yet; older unsealed ones were slipped in.
SEAL_GRACE = timedelta(minutes=10)
COLUMNS = RECORD_FIELDS


@dataclass
class Verification:
    checked: int = 0
    head_seq: int | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _columns_match(payload: str, row: dict) -> bool:
    try:
        recorded = json.loads(payload)
    except ValueError:
        return False
    current = {**row, "created_at": row["created_at"].isoformat()}
    return all(recorded.get(name) == current[name] for name in COLUMNS)


def verify_chain(
    *, from_checkpoint: bool = False, progress: Callable[[int], None] | None = None, now=None
) -> Verification:
    """Walk the seals in sequence order, recompute each hash over the stored canonical bytes, and compare the
    queryable columns with them; then compare the checkpoints written outside the database."""
    started = timezone.now()
    result = Verification()
    expected_seq, prev_hash = 1, GENESIS
    if from_checkpoint and (checkpoint := AuditCheckpoint.objects.order_by("-seq").first()):
        expected_seq, prev_hash = checkpoint.seq + 1, checkpoint.head_hash
    seals = (
        AuditSeal.objects.filter(seq__gte=expected_seq).order_by("seq").values("seq", "entry_id", "prev_hash", "hash")
    )
    entries_of = _entry_loader()
    for seal in seals.iterator(chunk_size=5000):
        seq = seal["seq"]
        if seq != expected_seq:
            _problem(result, f"sequence {expected_seq}–{seq - 1}: seals missing (deleted entries)")
        entry = entries_of(seal["entry_id"])
        if entry is None:
            _problem(result, f"sequence {seq}: entry {seal['entry_id']} is missing (deleted)")
        elif (
            seal["prev_hash"] != prev_hash
            or chain_hash(prev_hash, seq, seal["entry_id"], entry["payload"]) != seal["hash"]
        ):
            _problem(
                result,
                f"sequence {seq}: entry {seal['entry_id']} does not match its hash (edited, inserted or reordered)",
            )
        elif not _columns_match(entry["payload"], entry):
            _problem(result, f"sequence {seq}: entry {seal['entry_id']} columns differ from its sealed record (edited)")
        prev_hash, expected_seq = seal["hash"], seq + 1
        result.checked += 1
        result.head_seq = seq
        if progress and result.checked % 10_000 == 0:
            progress(result.checked)
    _check_unsealed(result, now or timezone.now())
    _check_written_checkpoints(result)
    AuditVerification.objects.create(
        started_at=started,
        finished_at=timezone.now(),
        checked=result.checked,
        head_seq=result.head_seq,
        problems=result.problems[:100],
    )
    return result


def _entry_loader():
    """Entries fetched by id in batches as the walk reaches them, so memory stays bounded."""
    cache: dict[int, dict] = {}

    def load(entry_id: int) -> dict | None:
        if entry_id not in cache:
            cache.clear()
            rows = AuditEntry.objects.filter(id__gte=entry_id, id__lt=entry_id + 5000).values("id", "payload", *COLUMNS)
            cache.update({row["id"]: row for row in rows})
            cache.setdefault(entry_id, None)
        return cache.get(entry_id)

    return load


def _check_unsealed(result: Verification, now) -> None:
    slipped_in = AuditEntry.objects.filter(seal__isnull=True, created_at__lt=now - SEAL_GRACE).order_by("id")
    for entry_id in slipped_in.values_list("id", flat=True)[:20]:
        _problem(result, f"entry {entry_id} is not in the chain (inserted outside the desk, or never sealed)")


def _check_written_checkpoints(result: Verification) -> None:
    for written in written_checkpoints():
        if written["seq"] is None:
            _problem(result, f"checkpoint file line {written['line']} is unreadable")
            continue
        stored = AuditSeal.objects.filter(seq=written["seq"]).values_list("hash", flat=True).first()
        if stored != written["head_hash"]:
            _problem(
                result,
                f"sequence {written['seq']}: differs from the checkpoint written outside the database "
                f"(line {written['line']}): the chain was rewritten",
            )


def _problem(result: Verification, message: str) -> None:
    result.problems.append(message)
