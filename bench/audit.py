"""Audit trail (README, "Audit trail"): verification of 1,000,000 sealed entries against bare canonical-JSON SHA-256
chaining in the same process, then audited-claim throughput with and without the trail.

1. The trail is emptied and filled to `--entries` entries: a mix of the desk's actions, each canonical record
   (actor id included) built by the recorder's own `entry_payload`, written with COPY as the runtime role. All
   but the last 5,000 are a trail that grew a month ago: sealed in bulk with the sealer's own chain_hash and
   anchored in the anchor file as the worker's sealing every AUDIT_SEAL_SECONDS would have (see bulk_seal). The
   last 5,000 are recorded now and sealed by one run of the desk's `sealer.seal_pending` (which seals only what
   is within AUDIT_LATE_COMMIT_SECONDS of now, and writes its own anchor), timed, as is a run with nothing
   pending (what the worker pays every 5 seconds on a trail this size).
2. `audit.verify.verify_chain` (what `manage.py verify_audit` runs) walks them all, in this process: the chain,
   every column against its record, every seal against its anchor line: entries/s. That the bulk part is a
   month old is no problem to it: a seal is back-dated only when it was made more than the late-commit window
   after its entry (here at most AUDIT_SEAL_SECONDS), and only *unsealed* entries older than the window are
   reported. Any problem it names is printed and counted (verify_problems).
3. The bare baseline, in the same process: `canonical_json` then `chain_hash` over as many similar records, held
   in memory (no database). Timed before and after the verification; the faster of the two is kept, so that a
   burst of load on the shared machine cannot flatter the ratio. Target (MISSION.md): ratio ≥ 0.5.
4. The claim/release load of bench/claims.py (32 worker processes through `inbox.claims`), three phases on the
   same crew: with the trail as the desk runs it; without it (`recorder.record` a no-op in the workers); and
   with the trail while the sealer runs in another process at the worker's interval (seal-audit-trail), taken
   in turn `--rounds` times. Target: the hash chain (the sealer) costs at most 10 % of claim throughput:
   chain_cost_pct = 1 − (with trail + sealer) ÷ (with trail). trail_cost_pct compares with the trail to without.

The desk connects as the runtime role (bench/common.py); emptying the trail and ANALYZE go through the
benchmarks' superuser session. The anchor file is var/bench/audit-anchors-<database>.jsonl, emptied with the
trail.

    .venv/bin/python bench/audit.py                                    # full size, several minutes
    .venv/bin/python bench/audit.py --entries 100000 --questions 20000 --open 10000 --seconds 5 --rounds 1
"""

import argparse
import json
import math
import os
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from claimload import ClaimCrew, PhaseResult, prepare_claim_desk, release_all_claims, vacuum_questions
from common import bench_setup, figures, maintain, reset_trail, say, table, timed

if TYPE_CHECKING:
    from audit.verify import Verification

COPY_CHUNK = 100_000
# One seal-audit-trail run's worth at most (sealer.BATCH is 5,000 per batch).
SEALER_RUN_ENTRIES = 5_000
# Distinct records the bare baseline cycles through: enough variety, little memory.
BARE_POOL = 20_000
# Entries of the bulk trail are this far apart, and it ended this long before the run.
ENTRY_SPACING = timedelta(milliseconds=3)
BULK_TRAIL_AGE = timedelta(days=30)
JSON_COLUMNS = frozenset({"before", "after"})
# Problems of the verification printed one by one (all are counted).
SHOWN_PROBLEMS = 5
REPLY_TEXTS = (
    "お問い合わせありがとうございます。ご注文の商品は明日発送予定です。到着まで今しばらくお待ちください。",
    "Thanks for reaching out! Your order ships tomorrow; the tracking number will arrive by e-mail.",
    "ご不便をおかけして申し訳ございません。修理のお申し込みは https://example.com/repair からお願いいたします。",
    "Sorry for the trouble. Please call our support centre on 0120-000-000 (9:00–18:00) and we will sort it out.",
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=1_000_000, help="audit entries to verify")
    parser.add_argument("--questions", type=int, default=1_000_000, help="questions for the claim phases")
    parser.add_argument("--open", type=int, default=100_000, help="of which open")
    parser.add_argument("--queues", type=int, default=20, help="queues (each worker answers 5 of them)")
    parser.add_argument("--workers", type=int, default=32, help="claim worker processes")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each claim phase")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of the three claim phases, taken in turn")
    parser.add_argument("--skip-claims", action="store_true", help="only the verification part")
    return parser.parse_args()


class EntryMaker:
    """Entries as the desk writes them: the fields the recorder fills, for a mix of the trail's actions."""

    def __init__(self, employees: list[tuple[int, str]], question_ids: range, start: datetime) -> None:
        self.employees = employees
        self.question_ids = question_ids
        self.start = start

    def fields(self, n: int) -> dict[str, Any]:
        """The recorder's fields of the n-th entry (audit.canonical.RECORD_FIELDS, actor_id included)."""
        actor_id, number = self.employees[n % len(self.employees)]
        question = self.question_ids[(n * 7919) % len(self.question_ids)]
        created_at = self.start + n * ENTRY_SPACING + timedelta(microseconds=n % 997)
        lease_ends = (created_at + timedelta(minutes=10)).isoformat()
        web = {"source_address": f"192.0.2.{n % 250 + 1}", "request_id": f"{n:032x}"}
        kind = n % 10
        if kind in (0, 4):
            action, before, after = "inbox.question.claimed", None, {"lease_ends": lease_ends}
        elif kind in (1, 5):
            action, before, after = "inbox.question.released", {"holder": number}, None
        elif kind == 2:
            action, before, after = "inbox.question.renewed", None, {"lease_ends": lease_ends}
        elif kind == 3:
            text = REPLY_TEXTS[n % len(REPLY_TEXTS)] + f" ^{number}"
            action, before, after = "inbox.reply.queued", None, {"reply": n, "text": text, "post": f"18{n:017}"}
        elif kind == 6:
            action, before, after = (
                "inbox.reply.sent",
                None,
                {"reply": n, "posted_id": f"19{n:017}", "reconciled": False},
            )
            actor_id, number, web = None, "system", {"source_address": None, "request_id": ""}
        elif kind == 7:
            action, before, after = "inbox.question.flagged_overdue", None, {"due_at": lease_ends, "round": 1}
            actor_id, number, web = None, "system", {"source_address": None, "request_id": ""}
        else:
            action, before, after = "accounts.session.signed_in", None, None
        if action.startswith("accounts."):
            target = {"target_type": "accounts.employee", "target_id": str(actor_id), "target_label": number}
        else:
            target = {
                "target_type": "inbox.question",
                "target_id": str(question),
                "target_label": f"#{question} @bench",
            }
        fields = {
            "created_at": created_at,
            "actor_id": actor_id,
            "actor_number": number,
            "action": action,
            **target,
            "before": before,
            "after": after,
            **web,
        }
        return fields


def copy_entries(maker: EntryMaker, first: int, stop: int) -> None:
    """COPY entries `first` to `stop - 1` in chunks, as the recorder's record_many writes them: the record's
    fields as columns, then the payload made by the recorder's own canonical spelling."""
    from django.db import connection

    from audit.canonical import RECORD_FIELDS
    from audit.recorder import entry_payload

    connection.ensure_connection()
    raw = connection.connection
    statement = f"COPY audit_auditentry ({', '.join((*RECORD_FIELDS, 'payload'))}) FROM STDIN"
    for start in range(first, stop, COPY_CHUNK):
        end = min(start + COPY_CHUNK, stop)
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for n in range(start, end):
                fields = maker.fields(n)
                copy.write_row((*(_column_value(name, fields[name]) for name in RECORD_FIELDS), entry_payload(fields)))
        say(f"  {end:,} / {stop:,} entries")


def _column_value(name: str, value: Any) -> Any:
    """A field as its column holds it (as the recorder's COPY writes it)."""
    if name in JSON_COLUMNS:
        return None if value is None else json.dumps(value)
    if name == "source_address":
        return value or None
    return value


def sealing_time(created_at: datetime, interval: float) -> datetime:
    """When the worker's sealing every `interval` seconds would have sealed an entry: its next tick."""
    return datetime.fromtimestamp((math.floor(created_at.timestamp() / interval) + 1) * interval, tz=UTC)


class AnchorLines:
    """The anchor file's lines the sealer would have written for the bulk seals (audit/anchors.py's format): a
    `begun` line for the empty chain, then per batch its `anchor` line and its `committed` line. Written as one
    file, fsynced once at the end, instead of two fsyncs per batch."""

    def __init__(self) -> None:
        from audit import anchors
        from audit.canonical import GENESIS

        self.anchors = anchors
        self.path = anchors.anchor_file()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.file = self.path.open("x", encoding="utf-8")
        self.written = 0
        self._write({"kind": "begun", "seq": 0, "head": GENESIS, "time": datetime.now(UTC).isoformat()})

    def _write(self, record: dict[str, Any]) -> None:
        self.file.write(json.dumps(record, sort_keys=True, separators=(",", ":")) + "\n")

    def batch(self, first: int, last: int, sealed_at: datetime, hashes: list[str]) -> None:
        time = sealed_at.isoformat()
        self._write(
            {
                "kind": "anchor",
                "from": first,
                "to": last,
                "head": hashes[-1],
                "sealed_at": time,
                "digests": self.anchors.digests_of(hashes),
                "time": time,
            }
        )
        self._write({"kind": "committed", "to": last, "time": time})
        self.written += 1

    def close(self) -> None:
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()


def bulk_seal() -> tuple[int, int]:
    """The seals and anchors the worker's sealing would have given the trail as it grew, for every entry of an
    unsealed trail (same chain_hash, positions in id order from GENESIS); returns (seals, anchor lines).

    Each entry is sealed at the sealer's next tick after it was recorded (every AUDIT_SEAL_SECONDS), all seals of
    one tick in batches of at most sealer.BATCH sharing that sealing time, each batch anchored as seal_pending
    anchors it. Not seal_pending itself: it seals only entries within the late-commit window of now, and a trail
    that grew over weeks was sealed a few thousand entries at a time as it grew, which replaying here would take
    hundreds of transactions over a growing table. The seals go in with COPY (as the runtime role: INSERT is
    what it may do on the trail); verification checks them all, and the desk's sealer then extends the chain.
    """
    from django.conf import settings
    from django.db import connection

    from audit import anchors, sealer
    from audit.canonical import GENESIS, chain_hash
    from audit.models import AuditSeal

    if AuditSeal.objects.exists() or anchors.anchor_file().exists():
        raise RuntimeError("bulk_seal starts a chain: no seal and no anchor file may exist yet (reset_trail)")
    interval = float(settings.AUDIT_SEAL_SECONDS)
    connection.ensure_connection()
    raw = connection.connection
    lines = AnchorLines()
    seq, previous, last_id = 0, GENESIS, 0
    batch_first, batch_time, batch_hashes = 1, None, []
    try:
        while True:
            with raw.cursor() as cursor:
                cursor.execute(
                    "SELECT id, payload, created_at FROM audit_auditentry WHERE id > %s ORDER BY id LIMIT %s",
                    [last_id, COPY_CHUNK],
                )
                pending = cursor.fetchall()
            if not pending:
                break
            with (
                raw.cursor() as cursor,
                cursor.copy("COPY audit_auditseal (seq, entry_id, prev_hash, hash, sealed_at) FROM STDIN") as copy,
            ):
                for entry_id, payload, created_at in pending:
                    sealed_at = sealing_time(created_at, interval)
                    if batch_hashes and (sealed_at != batch_time or len(batch_hashes) == sealer.BATCH):
                        lines.batch(batch_first, seq, batch_time, batch_hashes)
                        batch_first, batch_hashes = seq + 1, []
                    seq += 1
                    digest = chain_hash(previous, seq, entry_id, payload)
                    copy.write_row((seq, entry_id, previous, digest, sealed_at))
                    batch_time = sealed_at
                    batch_hashes.append(digest)
                    previous = digest
            last_id = pending[-1][0]
            say(f"  {seq:,} sealed")
        if batch_hashes:
            lines.batch(batch_first, seq, batch_time, batch_hashes)
    finally:
        lines.close()
    return seq, lines.written


def analyze_trail() -> None:
    """What autovacuum does after a bulk load: without fresh statistics the sealer's query plans badly. As the
    benchmarks' superuser: the runtime role owns no table, and PostgreSQL would skip it."""
    maintain("ANALYZE audit_auditentry", "ANALYZE audit_auditseal")


def timed_seal_run() -> tuple[int, float]:
    """One run of the desk's sealer, as the worker's seal-audit-trail task makes it."""
    from audit import sealer

    with timed() as t:
        sealed = sealer.seal_pending()
    return sealed, t["seconds"]


def bare_chaining_rate(maker: EntryMaker, count: int) -> float:
    """Entries/s of canonical JSON + SHA-256 chaining alone, over records like the trail's, in memory."""
    from audit.canonical import GENESIS, canonical_json, chain_hash

    pool = []
    for n in range(min(BARE_POOL, count)):
        fields = maker.fields(n)
        pool.append({**fields, "created_at": fields["created_at"].isoformat()})
    size = len(pool)
    previous = GENESIS
    with timed() as t:
        for seq in range(1, count + 1):
            previous = chain_hash(previous, seq, seq, canonical_json(pool[seq % size]))
    return count / t["seconds"]


def verify_all(total: int) -> tuple[float, "Verification"]:
    from audit.verify import verify_chain

    def progress(checked: int) -> None:
        if checked % 100_000 == 0:
            say(f"  {checked:,} / {total:,} verified")

    with timed() as t:
        result = verify_chain(progress=progress)
    return result.checked / t["seconds"], result


def entry_count() -> int:
    from audit.models import AuditEntry

    return AuditEntry.objects.count()


def unsealed_count() -> int:
    from audit.models import AuditEntry

    return AuditEntry.objects.filter(seal__isnull=True).count()


def combined(results: list[PhaseResult]) -> PhaseResult:
    """The rounds of one kind of phase as one: claims over the total time."""
    return PhaseResult(
        name=results[0].name,
        seconds=sum(r.seconds for r in results),
        claims=sum(r.claims for r in results),
        refused=sum(r.refused for r in results),
        late_claims=sum(r.late_claims for r in results),
        worker_cpu_seconds=sum(r.worker_cpu_seconds for r in results),
        sealed=sum(r.sealed for r in results),
        sealer_runs=sum(r.sealer_runs for r in results),
    )


def claim_phases(cast, *, seconds: float, rounds: int) -> tuple[PhaseResult, PhaseResult, PhaseResult]:
    """With the trail, without it, with it and the sealer: in turn, `rounds` times, so that the other load on a
    shared machine drifting during the run weighs on every kind alike."""
    from django.conf import settings

    from audit import sealer

    seal_every = float(settings.CELERY_BEAT_SCHEDULE["seal-audit-trail"]["schedule"])
    kinds = (
        ("with trail", True, None),
        ("without trail", False, None),
        (f"with trail + sealer every {seal_every:g} s", True, seal_every),
    )
    results: dict[str, list[PhaseResult]] = {name: [] for name, _trail, _sealer in kinds}
    workers = len(cast.employee_ids)
    with ClaimCrew(cast) as crew:
        for round_number in range(1, rounds + 1):
            for name, trail, seal_interval in kinds:
                release_all_claims()
                # The sealer phase must seal only the entries it saw being written.
                sealer.seal_pending(limit=10**9)
                vacuum_questions()
                say(f"Claims {name}, round {round_number} of {rounds}: {workers} workers, {seconds:.0f} s")
                results[name].append(crew.run_phase(name, seconds=seconds, trail=trail, seal_every=seal_interval))
    with_trail, without_trail, with_sealer = (combined(results[name]) for name, _trail, _sealer in kinds)
    return with_trail, without_trail, with_sealer


def first_joined() -> datetime | None:
    from accounts.models import Employee

    return Employee.objects.order_by("date_joined").values_list("date_joined", flat=True).first()


def main() -> None:
    args = parse_args()
    bench_setup()
    from django.utils import timezone

    _queue_ids, cast = prepare_claim_desk(args.questions, args.open, args.queues, args.workers)
    # The trail this benchmark verifies is the one it makes: the entries of preparing the cast (or none, when an
    # earlier run left the employees as they must be) would precede it by id while being newer than it.
    # Verification also checks that the trail is as old as the desk's first employee: the bulk trail begins
    # BULK_TRAIL_AGE before them.
    reset_trail()

    to_write = args.entries
    # The last few are left to the desk's own sealer, timed: what one seal-audit-trail run costs on this trail.
    for_the_sealer = min(SEALER_RUN_ENTRIES, to_write)
    bulk = to_write - for_the_sealer
    employees = list(zip(cast.employee_ids, cast.employee_numbers, strict=True))
    questions = range(args.questions - args.open + 1, args.questions + 1)
    now = timezone.now()
    maker = EntryMaker(employees, questions, min(now, first_joined() or now) - BULK_TRAIL_AGE)
    say(f"Writing {bulk:,} audit entries (COPY; canonical records by the recorder's entry_payload)")
    with timed() as writing:
        copy_entries(maker, 0, bulk)
    say(f"  written in {writing['seconds']:.1f} s")
    say(f"Sealing the {bulk:,} entries (the sealer's chain and anchors, as its runs every few seconds made them)")
    with timed() as sealing:
        bulk_sealed, anchored = bulk_seal()
    say(f"  {bulk_sealed:,} sealed and {anchored:,} batches anchored in {sealing['seconds']:.1f} s")
    analyze_trail()
    say(f"Writing {for_the_sealer:,} more, recorded now, sealed by the desk's sealer (audit.sealer.seal_pending)")
    # Dated the last 15 s (ENTRY_SPACING apart): within the late-commit window, as entries the worker seals are.
    recent = EntryMaker(employees, questions, timezone.now() - to_write * ENTRY_SPACING - timedelta(seconds=1))
    copy_entries(recent, bulk, to_write)
    sealer_sealed, seal_run_seconds = timed_seal_run()
    _idle, idle_seal_run_seconds = timed_seal_run()
    say(
        f"  {sealer_sealed:,} sealed in {seal_run_seconds:.2f} s; a run with nothing pending: "
        f"{idle_seal_run_seconds:.2f} s"
    )
    total = entry_count()

    say(f"Bare canonical JSON + SHA-256 chaining of {total:,} records (before verification)")
    bare_before = bare_chaining_rate(maker, total)
    say(f"  {bare_before:,.0f}/s")
    say(f"Verifying {total:,} entries (audit.verify.verify_chain)")
    verify_rate, verification = verify_all(total)
    problems = len(verification.problems) + verification.more_problems
    say(f"  {verify_rate:,.0f}/s, {problems} problems")
    for problem in verification.problems[:SHOWN_PROBLEMS]:
        say(f"  problem: {problem}")
    for note in verification.notes:
        say(f"  note: {note}")
    say(f"Bare canonical JSON + SHA-256 chaining of {total:,} records (after verification)")
    bare_after = bare_chaining_rate(maker, total)
    say(f"  {bare_after:,.0f}/s")
    bare_rate = max(bare_before, bare_after)
    verify_ratio = verify_rate / bare_rate
    rows = [
        ["verify_chain, entries/s", verify_rate, f"{verify_ratio:.3f}"],
        ["bare canonical JSON + SHA-256 chain, records/s (faster of 2)", bare_rate, "1"],
        [f"seal_pending, one run sealing {sealer_sealed:,} of {total:,}, s", seal_run_seconds, "–"],
        [f"seal_pending, one run with nothing pending of {total:,}, s", idle_seal_run_seconds, "–"],
    ]
    values: dict[str, object] = {
        "entries": total,
        "verify_per_s": verify_rate,
        "bare_per_s": bare_rate,
        "verify_problems": problems,
        "seal_run_s": seal_run_seconds,
        "idle_seal_run_s": idle_seal_run_seconds,
    }
    if verification.checked != total:
        say(f"  warning: {verification.checked:,} entries checked of {total:,}")

    if not args.skip_claims:
        with_trail, without_trail, with_sealer = claim_phases(cast, seconds=args.seconds, rounds=args.rounds)
        left_unsealed = unsealed_count()
        chain_cost = 1 - with_sealer.claims_per_second / with_trail.claims_per_second
        trail_cost = 1 - with_trail.claims_per_second / without_trail.claims_per_second
        rows += [
            [f"claims/s without the trail ({args.workers} workers)", without_trail.claims_per_second, "–"],
            [f"claims/s with the trail ({args.workers} workers)", with_trail.claims_per_second, "–"],
            [
                f"claims/s with the trail + sealer ({with_sealer.sealed:,} sealed in {with_sealer.sealer_runs} runs)",
                with_sealer.claims_per_second,
                "–",
            ],
        ]
        say(
            f"the hash chain (sealer) costs {chain_cost:.1%} of claim throughput (target ≤ 10 %); the trail "
            f"(entries) {trail_cost:.1%}; {left_unsealed:,} entries waiting to be sealed at the end"
        )
        values |= {
            "workers": args.workers,
            "seconds": args.seconds,
            "rounds": args.rounds,
            "claims_without_trail_per_s": without_trail.claims_per_second,
            "claims_with_trail_per_s": with_trail.claims_per_second,
            "claims_with_sealer_per_s": with_sealer.claims_per_second,
            "chain_cost_pct": 100 * chain_cost,
            "trail_cost_pct": 100 * trail_cost,
        }
    table(["measure", "value", "÷ bare"], rows)
    say("targets: ratio (verify ÷ bare) ≥ 0.5; chain_cost_pct ≤ 10")
    figures(**values, ratio=verify_ratio)


if __name__ == "__main__":
    main()
