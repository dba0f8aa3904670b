"""Re-check the trail: the hash chain, every column against its sealed record, every seal against the anchors
written outside the database, and what was never sealed. Every problem is named, the first bad entry first.

Verification seals nothing: what it reports is the trail as it is. It walks the seals up to the head it saw
when it started (the sealer writes each anchor before its seals become visible, so every seal it walks has its
anchor already written, or is a forgery).

The rows are read as audit/verify_rows.py says. An entry's columns are first spelled as its sealed record would
spell them and compared as text (`_columns_as_record`); only where the texts differ are they compared value by
value (`_columns_differing`), which decides what is reported.
"""

import json
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime
from json import JSONDecoder
from json.encoder import c_make_encoder, encode_basestring
from json.scanner import make_scanner
from pathlib import Path

from django.contrib.auth import get_user_model
from django.utils import timezone

from . import anchors
from .canonical import GENESIS, RECORD_FIELDS, canonical_json, chain_hash
from .models import AuditCheckpoint, AuditEntry, AuditSeal, AuditVerification
from .sealer import late_commit_window
from .verify_rows import sealed_rows

# Problems listed one by one; beyond this they are counted.
MAX_PROBLEMS = 1_000


@dataclass
class Verification:
    checked: int = 0
    head_seq: int | None = None
    problems: list[str] = field(default_factory=list)
    # What a reader should know that is not a fault (where anchoring began).
    notes: list[str] = field(default_factory=list)
    more_problems: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(message)
        else:
            self.more_problems += 1


def verify_chain(
    *,
    from_checkpoint: bool = False,
    anchors_path: Path | None = None,
    progress: Callable[[int], None] | None = None,
    now: datetime | None = None,
    run: AuditVerification | None = None,
) -> Verification:
    """Check the trail as the steps of the module docstring say; record the run for the integrity page (`run`: the
    request from that page this run answers, see audit/verification_runs.py)."""
    started = timezone.now()
    now = now or started
    result = Verification()
    head_at_start = AuditSeal.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    log = anchors.read(anchors_path)
    expected_seq, prev_hash = 1, GENESIS
    if from_checkpoint:
        expected_seq, prev_hash = _start_at_last_checkpoint(log, result)
    walk = _AnchorWalk(log, result)
    reader = sealed_rows(expected_seq, head_at_start)
    numbers: dict[int, str | None] = {}
    window = late_commit_window()
    with closing(iter(reader)) as rows:
        for row in rows:
            seq, entry_id, seal_prev, seal_hash, sealed_at, present, payload, created_at = row[:8]
            if seq != expected_seq:
                result.problem(f"sequence {expected_seq}–{seq - 1}: seals missing (entries deleted with their seals)")
            if present is None:
                result.problem(f"sequence {seq}: entry {entry_id} is missing (deleted)")
            elif seal_prev != prev_hash or chain_hash(prev_hash, seq, entry_id, payload) != seal_hash:
                result.problem(
                    f"sequence {seq}: entry {entry_id} does not match its hash (edited, inserted or reordered)"
                )
            else:
                # The columns spelled as the sealed record spells them: the same text means the same values.
                if payload != _columns_as_record(row):
                    wrong = _columns_differing(reader.entry_columns(row), numbers)
                    if wrong:
                        result.problem(
                            f"sequence {seq}: entry {entry_id} columns differ from its sealed record "
                            f"({', '.join(wrong)}): edited"
                        )
                if sealed_at - created_at > window:
                    result.problem(
                        f"sequence {seq}: entry {entry_id} was recorded at {created_at:%Y-%m-%d %H:%M:%S} "
                        f"and sealed only at {sealed_at:%Y-%m-%d %H:%M:%S}: a back-dated entry"
                    )
            walk.check(seq, entry_id, seal_hash, sealed_at)
            prev_hash, expected_seq = seal_hash, seq + 1
            result.checked += 1
            result.head_seq = seq
            if progress and result.checked % 10_000 == 0:
                progress(result.checked)
    walk.finish(head_at_start)
    _check_unsealed(result, now)
    _check_the_trail_is_as_old_as_the_desk(result)
    _check_database_checkpoints(result, log)
    for incident in log.incidents:
        result.problem(
            f"anchor file line {incident['line']}: the sealer found at {incident.get('time', '?')} that "
            f"{incident.get('what', 'the chain was changed outside it')}"
        )
    for line in log.unreadable:
        result.problem(f"anchor file line {line} is unreadable")
    AuditVerification.objects.create(
        run=run,
        started_at=started,
        finished_at=timezone.now(),
        checked=result.checked,
        head_seq=result.head_seq,
        problems=result.problems[:100],
    )
    return result


class _AnchorWalk:
    """Walks the standing anchors alongside the seals (both in sequence order): each seal's digest and sealing
    time against its anchor, each anchor's head hash against the seal it ends at."""

    def __init__(self, log: anchors.AnchorLog, result: Verification):
        self.result = result
        self.anchors = sorted(log.standing(), key=lambda a: (a.first, a.line))
        self.begun = sorted(log.begun, key=lambda b: b.seq)
        self.position = 0
        self.unanchored_from: int | None = None
        self.reported: set[int] = set()
        # After the first rewrite is named, every later anchor differs too: they are counted, not listed.
        self.rewritten_at: int | None = None
        self.later_anchors_differing = 0
        self.sealed_times = {anchor.line: anchor.sealed_time for anchor in self.anchors}
        # A stretch of sequence numbers covered by this one anchor alone, up to `quiet_until`: there `check` only
        # compares the seal with it, and takes the full way at the first difference.
        self.quiet: anchors.Anchor | None = None
        self.quiet_until = 0
        first = min(log.begun, key=lambda b: b.line) if log.begun else None
        if first is not None and first.seq > 0:
            self.result.notes.append(
                f"anchoring began at sequence {first.seq} (anchor file line {first.line}, {first.time}); "
                "the seals before it are checked by the chain alone"
            )

    def _covering(self, seq: int) -> Iterator[anchors.Anchor]:
        while self.position < len(self.anchors) and self.anchors[self.position].last < seq:
            self.position += 1
        index = self.position
        while index < len(self.anchors) and self.anchors[index].first <= seq:
            if self.anchors[index].last >= seq:
                yield self.anchors[index]
            index += 1

    def _before_anchoring(self, seq: int) -> bool:
        return any(seq <= begun.seq for begun in self.begun)

    def check(self, seq: int, entry_id: int, seal_hash: str, sealed_at: datetime) -> None:
        if seq <= self.quiet_until:
            anchor = self.quiet
            start = (seq - anchor.first) * anchors.DIGEST_LENGTH
            if (
                seal_hash[: anchors.DIGEST_LENGTH] == anchor.digests[start : start + anchors.DIGEST_LENGTH]
                and (seq != anchor.last or seal_hash == anchor.head)
                and self.sealed_times[anchor.line] in (None, sealed_at)
            ):
                return
        self._check_each(seq, entry_id, seal_hash, sealed_at)

    def _check_each(self, seq: int, entry_id: int, seal_hash: str, sealed_at: datetime) -> None:
        covering = list(self._covering(seq))
        self.quiet, self.quiet_until = None, 0
        if not covering:
            if not self._before_anchoring(seq) and self.unanchored_from is None:
                self.unanchored_from = seq
            return
        self._close_unanchored(seq - 1)
        if len(covering) == 1:
            self.quiet, self.quiet_until = covering[0], self._covered_alone_until(seq, covering[0])
        for anchor in covering:
            if anchor.line in self.reported:
                continue
            anchored_time = self.sealed_times[anchor.line]
            if seal_hash[: anchors.DIGEST_LENGTH] != anchor.digest_of(seq) or (
                seq == anchor.last and seal_hash != anchor.head
            ):
                self.reported.add(anchor.line)
                if self.rewritten_at is not None:
                    self.later_anchors_differing += 1
                    continue
                self.rewritten_at = seq
                self.result.problem(
                    f"sequence {seq}: entry {entry_id} differs from the anchor written outside the database "
                    f"(anchor file line {anchor.line}, {anchor.time}): the chain was rewritten from here"
                )
            elif anchored_time is not None and anchored_time != sealed_at:
                self.reported.add(anchor.line)
                self.result.problem(
                    f"sequence {seq}: entry {entry_id} has a sealing time other than its anchor's "
                    f"(anchor file line {anchor.line}): the seal was edited"
                )

    def _covered_alone_until(self, seq: int, anchor: anchors.Anchor) -> int:
        """The last sequence number from `seq` on that `anchor` covers with no other anchor beside it (`anchor`
        alone covers `seq`; the anchors are in order of their first sequence number)."""
        until = anchor.last
        for other in self.anchors[self.position :]:
            if other.first > until:
                break
            if other.first > seq:
                until = other.first - 1
                break
        return until

    def _close_unanchored(self, last: int) -> None:
        if self.unanchored_from is not None:
            self.result.problem(
                f"sequence {self.unanchored_from}–{last}: sealed outside the sealer (no anchor covers them)"
            )
            self.unanchored_from = None

    def finish(self, head: int) -> None:
        self._close_unanchored(head)
        if self.later_anchors_differing:
            self.result.problem(
                f"and {self.later_anchors_differing} later anchors differ from the chain after sequence "
                f"{self.rewritten_at}"
            )
        newest = self.anchors[-1] if self.anchors else None
        for anchor in self.anchors:
            # The newest anchor of a sealing that has not committed yet is ahead of the head, as it should be.
            in_flight = anchor is newest and anchor.state == "pending"
            if anchor.last > head and anchor.line not in self.reported and not in_flight:
                gone_from = max(anchor.first, head + 1)
                self.result.problem(
                    f"sequence {gone_from}–{anchor.last}: gone from the database, though anchored outside it "
                    f"(anchor file line {anchor.line}, {anchor.time}): the newest entries were deleted"
                )


def _start_at_last_checkpoint(log: anchors.AnchorLog, result: Verification) -> tuple[int, str]:
    """The sequence and head of the newest hourly checkpoint, the head as the anchor file has it."""
    checkpoint = AuditCheckpoint.objects.order_by("-seq").first()
    if checkpoint is None:
        return 1, GENESIS
    outside = {a.last: a.head for a in log.standing()} | {b.seq: b.head for b in log.begun}
    head = outside.get(checkpoint.seq)
    if head is None:
        result.notes.append(f"checkpoint at sequence {checkpoint.seq} is not in the anchor file; starting there")
        head = checkpoint.head_hash
    elif head != checkpoint.head_hash:
        result.problem(
            f"sequence {checkpoint.seq}: the checkpoint in the database differs from the anchor file: rewritten"
        )
    return checkpoint.seq + 1, head


def _not_json(constant: str) -> None:
    raise ValueError(f"{constant} is not JSON")


_encode_string = encode_basestring  # how canonical_json spells a string (ensure_ascii=False)
# NaN and Infinity are refused: NaN differs from itself, so its record could never be said to match.
_scan_json = make_scanner(JSONDecoder(parse_constant=_not_json))
try:
    # canonical_json's own encoder, made once instead of once per value (json.dumps makes one for every call).
    _spell_json = c_make_encoder(None, None, _encode_string, None, ":", ",", True, False, True)
except TypeError:  # no C accelerator (c_make_encoder is None), or another signature: the plain way
    _spell_json = None


def _json_column_as_record(text: str | None) -> str | None:
    """A jsonb column's text spelled as the record spells it (sorted keys, no spaces); None if it is not exactly
    one JSON value."""
    if text is None:
        return "null"
    try:
        value, end = _scan_json(text, 0)
    except (StopIteration, ValueError):
        return None
    if end != len(text):
        return None
    return "".join(_spell_json(value, 0)) if _spell_json is not None else canonical_json(value)


def _columns_as_record(row: tuple) -> str | None:
    """The entry's columns as their canonical record (audit.recorder.entry_payload) would spell them, or None
    when they cannot be spelled here (no `created_iso`, a column of an unexpected kind).

    Only ever used to say "the same": when the sealed record is this very text, it decodes to exactly the
    values of the columns (each piece is valid JSON of its column's value), so no column differs from it. Any
    other text, whatever the reason, is compared the precise way (_columns_differing).
    """
    # The seal, the entry's id, record and time come first (audit.verify_rows.ROW).
    (_, _, _, _, _, _, _, _, created_iso, actor_id, actor_number, action, target_type, target_id, target_label) = row[
        :15
    ]
    before, after, source_address, request_id = row[15:]
    if created_iso is None or (actor_id is not None and type(actor_id) is not int):
        return None
    after_text = "null" if after is None else _json_column_as_record(after)
    before_text = "null" if before is None else _json_column_as_record(before)
    if after_text is None or before_text is None:
        return None
    string = _encode_string
    try:
        return (
            f'{{"action":{string(action)},"actor_id":{"null" if actor_id is None else actor_id},'
            f'"actor_number":{string(actor_number)},"after":{after_text},"before":{before_text},'
            f'"created_at":{string(created_iso)},"request_id":{string(request_id)},'
            f'"source_address":{"null" if source_address is None else string(source_address)},'
            f'"target_id":{string(target_id)},"target_label":{string(target_label)},'
            f'"target_type":{string(target_type)}}}'
        )
    except TypeError:  # a text column that is NULL or not text
        return None


def _columns_differing(row: dict, numbers: dict[int, str | None]) -> list[str]:
    """The columns of an entry that say something else than its sealed record."""
    try:
        recorded = json.loads(row["payload"])
    except ValueError:
        return ["payload"]
    if not isinstance(recorded, dict):
        return ["payload"]
    current = {**row, "created_at": row["created_at"].isoformat()}
    wrong = [name for name in RECORD_FIELDS if name in recorded and recorded[name] != current[name]]
    if "actor_id" not in recorded and not _actor_matches_number(row["actor_id"], row["actor_number"], numbers):
        wrong.append("actor_id")
    return wrong + [name for name in RECORD_FIELDS if name not in recorded and name != "actor_id"]


def _actor_matches_number(actor_id: int | None, number: str, numbers: dict[int, str | None]) -> bool:
    """For entries recorded before the record held actor_id: the actor must be the employee with that number."""
    if actor_id is None:
        return True
    if actor_id not in numbers:
        employees = get_user_model().objects.filter(pk=actor_id)
        numbers[actor_id] = employees.values_list(get_user_model().USERNAME_FIELD, flat=True).first()
    return numbers[actor_id] == number


def _check_unsealed(result: Verification, now: datetime) -> None:
    too_old = AuditEntry.objects.filter(seal__isnull=True, created_at__lt=now - late_commit_window()).order_by("id")
    for entry_id, created_at in too_old.values_list("id", "created_at")[:20]:
        result.problem(
            f"entry {entry_id} (recorded {created_at:%Y-%m-%d %H:%M:%S}) is in no seal and too old to be sealed: "
            "inserted outside the desk, back-dated"
        )


def _check_the_trail_is_as_old_as_the_desk(result: Verification) -> None:
    """Every employee's creation is recorded: a trail that begins after the first of them lost its beginning."""
    first_joined = get_user_model().objects.order_by("date_joined").values_list("date_joined", flat=True).first()
    if first_joined is None:
        return
    first_entry = AuditEntry.objects.order_by("id").values_list("id", "created_at").first()
    if first_entry is None:
        result.problem(
            f"the trail is empty, but the desk has employees since {first_joined:%Y-%m-%d %H:%M}: it was emptied"
        )
    elif first_entry[1] - first_joined > late_commit_window():
        result.problem(
            f"the trail begins with entry {first_entry[0]} at {first_entry[1]:%Y-%m-%d %H:%M}, but the desk has "
            f"employees since {first_joined:%Y-%m-%d %H:%M}: its first entries were removed"
        )


def _check_database_checkpoints(result: Verification, log: anchors.AnchorLog) -> None:
    """The hourly checkpoints in the database must agree with the chain (a cheap second look)."""
    outside = {a.last: a.head for a in log.standing()}
    for seq, head in AuditCheckpoint.objects.order_by("seq").values_list("seq", "head_hash"):
        if seq in outside and outside[seq] != head:
            result.problem(f"sequence {seq}: the hourly checkpoint in the database differs from the anchor file")
