"""Audit trail (README, "Audit trail"): verification of 1,000,000 sealed entries against bare canonical-JSON SHA-256
chaining in the same process, then audited-claim throughput with and without the trail.

1. The trail is filled to `--entries` entries: a mix of the desk's actions, each canonical record built by the
   recorder's own `entry_payload`, written with COPY. All but the last 5,000 are sealed in bulk with the sealer's
   own chain_hash (see bulk_seal); the last 5,000 by one run of the desk's `sealer.seal_pending`, timed, as is a
   run with nothing pending (what the worker pays every 5 seconds on a trail this size).
2. `audit.verify.verify_chain` (what `manage.py verify_audit` runs) walks them all, in this process: entries/s.
3. The bare baseline, in the same process: `canonical_json` then `chain_hash` over as many similar records, held
   in memory (no database). Timed before and after the verification; the faster of the two is kept, so that a
   burst of load on the shared machine cannot flatter the ratio. Target (MISSION.md): ratio ≥ 0.5.
4. The claim/release load of bench/claims.py (32 worker processes through `inbox.claims`), three phases on the
   same crew: with the trail as the desk runs it; without it (`recorder.record` a no-op in the workers); and
   with the trail while the sealer runs in another process at the worker's interval (seal-audit-trail), taken
   in turn `--rounds` times. Target: the hash chain (the sealer) costs at most 10 % of claim throughput:
   chain_cost_pct = 1 − (with trail + sealer) ÷ (with trail). trail_cost_pct compares with the trail to without.

    .venv/bin/python bench/audit.py                                    # full size, several minutes
    .venv/bin/python bench/audit.py --entries 100000 --questions 20000 --open 10000 --seconds 5 --rounds 1
"""

import argparse
import json
import os
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from claimload import ClaimCrew, PhaseResult, prepare_claim_desk, release_all_claims, vacuum_questions
from common import bench_setup, figures, say, table, timed

COPY_CHUNK = 100_000
# One seal-audit-trail run's worth at most (sealer.BATCH is 5,000 per batch).
SEALER_RUN_ENTRIES = 5_000
# Distinct records the bare baseline cycles through: enough variety, little memory.
BARE_POOL = 20_000
COPY_COLUMNS = (
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
    "payload",
)
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

    def fields(self, n: int) -> tuple[int | None, dict[str, Any]]:
        """(actor id, the recorder's fields) of the n-th entry."""
        actor_id, number = self.employees[n % len(self.employees)]
        question = self.question_ids[(n * 7919) % len(self.question_ids)]
        created_at = self.start + timedelta(milliseconds=n * 3, microseconds=n % 997)
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
            "actor_number": number,
            "action": action,
            **target,
            "before": before,
            "after": after,
            **web,
        }
        return actor_id, fields


def copy_entries(maker: EntryMaker, first: int, stop: int) -> None:
    """COPY entries `first` to `stop - 1` in chunks, each payload made by the recorder's own canonical spelling."""
    from django.db import connection

    from audit.recorder import entry_payload

    connection.ensure_connection()
    raw = connection.connection
    statement = f"COPY audit_auditentry ({', '.join(COPY_COLUMNS)}) FROM STDIN"
    for start in range(first, stop, COPY_CHUNK):
        end = min(start + COPY_CHUNK, stop)
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for n in range(start, end):
                actor_id, fields = maker.fields(n)
                copy.write_row(
                    (
                        fields["created_at"],
                        actor_id,
                        fields["actor_number"],
                        fields["action"],
                        fields["target_type"],
                        fields["target_id"],
                        fields["target_label"],
                        _json_or_null(fields["before"]),
                        _json_or_null(fields["after"]),
                        fields["source_address"],
                        fields["request_id"],
                        entry_payload(fields),
                    )
                )
        say(f"  {end:,} / {stop:,} entries")


def _json_or_null(data: dict | None) -> str | None:
    return None if data is None else json.dumps(data)


def bulk_seal() -> int:
    """The seals `sealer.seal_pending` would give every entry of an unsealed trail (same chain_hash, positions
    in id order from GENESIS), written with COPY.

    Not seal_pending itself: a trail that grew over weeks was sealed 5,000 entries at a time as it grew, which
    replaying here would take 200 transactions over a growing table. The chain is checked afterwards by the
    verification, and the desk's sealer then extends it (seal_run_seconds).
    """
    from django.db import connection

    from audit.canonical import GENESIS, chain_hash
    from audit.models import AuditSeal

    if AuditSeal.objects.exists():
        raise RuntimeError("bulk_seal starts a chain: the seals table must be empty (reset_desk_tables)")
    connection.ensure_connection()
    raw = connection.connection
    seq, previous, last_id = 0, GENESIS, 0
    while True:
        with raw.cursor() as cursor:
            cursor.execute(
                "SELECT id, payload, created_at FROM audit_auditentry WHERE id > %s ORDER BY id LIMIT %s",
                [last_id, COPY_CHUNK],
            )
            pending = cursor.fetchall()
        if not pending:
            return seq
        with (
            raw.cursor() as cursor,
            cursor.copy("COPY audit_auditseal (seq, entry_id, prev_hash, hash, sealed_at) FROM STDIN") as copy,
        ):
            for entry_id, payload, created_at in pending:
                seq += 1
                digest = chain_hash(previous, seq, entry_id, payload)
                # Sealed a second after it was written, as the worker's 5-second sealing does: the desk's sealer
                # looks for pending entries written since shortly before the last sealing (audit/sealer.py).
                copy.write_row((seq, entry_id, previous, digest, created_at + timedelta(seconds=1)))
                previous = digest
        last_id = pending[-1][0]
        say(f"  {seq:,} sealed")


def analyze_trail() -> None:
    """What autovacuum does after a bulk load: without fresh statistics the sealer's query plans badly."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE audit_auditentry")
        cursor.execute("ANALYZE audit_auditseal")


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
        _actor_id, fields = maker.fields(n)
        pool.append({**fields, "created_at": fields["created_at"].isoformat()})
    size = len(pool)
    previous = GENESIS
    with timed() as t:
        for seq in range(1, count + 1):
            previous = chain_hash(previous, seq, seq, canonical_json(pool[seq % size]))
    return count / t["seconds"]


def verify_all(total: int) -> tuple[float, int, list[str]]:
    from audit.verify import verify_chain

    def progress(checked: int) -> None:
        if checked % 100_000 == 0:
            say(f"  {checked:,} / {total:,} verified")

    with timed() as t:
        result = verify_chain(progress=progress)
    return result.checked / t["seconds"], result.checked, result.problems


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


def main() -> None:
    args = parse_args()
    # Checkpoints written by another database's desk would be reported as a rewritten chain: this run keeps its own
    # (none), so verification compares no file.
    with tempfile.TemporaryDirectory(prefix="bench-audit-") as folder:
        os.environ["AUDIT_CHECKPOINT_FILE"] = str(Path(folder) / "audit-checkpoints.jsonl")
        run(args)


def run(args: argparse.Namespace) -> None:
    bench_setup()
    from django.utils import timezone

    _queue_ids, cast = prepare_claim_desk(args.questions, args.open, args.queues, args.workers)

    existing = entry_count()
    to_write = max(0, args.entries - existing)
    # The last few are left to the desk's own sealer, timed: what one seal-audit-trail run costs on this trail.
    for_the_sealer = min(SEALER_RUN_ENTRIES, to_write)
    maker = EntryMaker(
        list(zip(cast.employee_ids, cast.employee_numbers, strict=True)),
        range(args.questions - args.open + 1, args.questions + 1),
        timezone.now() - timedelta(days=30),
    )
    say(
        f"Writing {to_write - for_the_sealer:,} audit entries (COPY; canonical records by the recorder's entry_payload)"
    )
    with timed() as writing:
        copy_entries(maker, 0, to_write - for_the_sealer)
    say(f"  written in {writing['seconds']:.1f} s")
    say(f"Sealing the {existing + to_write - for_the_sealer:,} entries (the sealer's chain, written with COPY)")
    with timed() as sealing:
        bulk_sealed = bulk_seal()
    say(f"  {bulk_sealed:,} sealed in {sealing['seconds']:.1f} s")
    analyze_trail()
    say(f"Writing {for_the_sealer:,} more, sealed by the desk's sealer (audit.sealer.seal_pending)")
    copy_entries(maker, to_write - for_the_sealer, to_write)
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
    verify_rate, checked, problems = verify_all(total)
    say(f"  {verify_rate:,.0f}/s, {len(problems)} problems" + (f"; first: {problems[0]}" if problems else ""))
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
        "verify_problems": len(problems),
        "seal_run_s": seal_run_seconds,
        "idle_seal_run_s": idle_seal_run_seconds,
    }
    if checked != total:
        say(f"  warning: {checked:,} entries checked of {total:,}")

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
