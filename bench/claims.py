"""Claims (README, "The inbox"): 32 worker processes claiming and releasing questions through the claim service,
against pgbench doing the same claim as raw SQL at the same concurrency, on the same database in the same run.

Each worker is one approved employee in 5 of 20 queues; it picks a random open question of its queues, claims it
through `inbox.claims.claim` (AlreadyClaimed counts as refused) and releases it through `inbox.claims.release`.
The baselines are pgbench scripts at the same number of clients:

- claim: the brief's raw claim (conditional UPDATE + audit INSERT in one transaction), followed, as the workers
  do, by the raw release (conditional UPDATE + audit INSERT); one pgbench transaction is one claim. This is the
  target's baseline (MISSION.md: the service reaches at least a quarter of it at 32 workers).
- claim only: the brief's floor-table row as it stands (its claims are never released).
- update: a single-row UPDATE of a random question by id.

Double claims are counted from the audit trail afterwards, not from the service's own answers: per question, a
claim right after another employee's claim (no release between) is a double claim. There must be none.

    .venv/bin/python bench/claims.py                                    # full size, a few minutes
    .venv/bin/python bench/claims.py --questions 20000 --open 10000 --seconds 5   # a quick look
"""

import argparse
import re
import subprocess
import tempfile
from pathlib import Path

from claimload import (
    Cast,
    ClaimCrew,
    double_claims_since,
    last_entry_id,
    prepare_claim_desk,
    release_all_claims,
    vacuum_questions,
)
from common import bench_setup, figures, say, superuser_url, table

PGBENCH = "/usr/bin/pgbench"
PGBENCH_THREADS = 2

ACTOR_NUMBER = "'B' || lpad(CAST(:slot + 1 AS text), 3, '0')"


def audit_insert(action: str, *, before: str, after: str) -> str:
    """The columns the recorder fills, with the payload built by PostgreSQL's json functions: not the canonical
    spelling, but the same amount of work, which is all a baseline needs."""
    return f"""INSERT INTO audit_auditentry (created_at, actor_id, actor_number, action, target_type, target_id,
    target_label, before, after, source_address, request_id, payload)
VALUES (now(), :actor, {ACTOR_NUMBER}, '{action}', 'inbox.question', CAST(:qid AS text), '#' || :qid || ' @bench',
    {before}, {after}, NULL, '',
    jsonb_build_object('created_at', now(), 'actor_id', :actor, 'actor_number', {ACTOR_NUMBER}, 'action', '{action}',
        'target_type', 'inbox.question', 'target_id', CAST(:qid AS text), 'target_label', '#' || :qid || ' @bench',
        'before', {before}, 'after', {after}, 'source_address', NULL, 'request_id', '')::text);
"""  # noqa: S608 (pgbench script text built from this file's constants, no input)


LEASE_ENDS = "now() + make_interval(secs => :lease)"
CLAIM_UPDATE = (
    "UPDATE inbox_question SET holder_id = :actor, claimed_at = now(), "
    "lease_ends = now() + make_interval(secs => :lease), claim_token = gen_random_uuid() "
    "WHERE id = :qid AND status = 'open' AND NOT awaiting_approval "
    "AND (holder_id IS NULL OR lease_ends < now() OR holder_id = :actor);"
)
RELEASE_UPDATE = (
    "UPDATE inbox_question SET holder_id = NULL, claimed_at = NULL, lease_ends = NULL, claim_token = NULL, "
    "awaiting_approval = false WHERE id = :qid AND holder_id = :actor;"
)


def in_transaction(*statements: str) -> str:
    return "\n".join(("BEGIN;", *statements, "COMMIT;", ""))


def raw_claim() -> str:
    """claims.claim's conditional UPDATE and its audit entry, in one transaction."""
    return in_transaction(
        CLAIM_UPDATE,
        audit_insert(
            "inbox.question.claimed", before="NULL::jsonb", after=f"jsonb_build_object('lease_ends', {LEASE_ENDS})"
        ),
    )


def raw_release() -> str:
    """claims.release's conditional UPDATE and its audit entry, in one transaction."""
    return in_transaction(
        RELEASE_UPDATE,
        audit_insert(
            "inbox.question.released", before=f"jsonb_build_object('holder', {ACTOR_NUMBER})", after="NULL::jsonb"
        ),
    )


SINGLE_ROW_UPDATE = "UPDATE inbox_question SET claimed_at = now() WHERE id = :qid;\n"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=1_000_000, help="questions in the table")
    parser.add_argument("--open", type=int, default=100_000, help="of which open (the rest answered)")
    parser.add_argument("--queues", type=int, default=20, help="queues (each worker answers 5 of them)")
    parser.add_argument("--workers", type=int, default=32, help="worker processes, and pgbench clients")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each timed run")
    return parser.parse_args()


def script_header(cast: Cast, first_open: int, last_open: int) -> str:
    """A random open question, and this client's employee (pgbench's :client_id picks it, as each worker
    process is one employee); the CASE runs in pgbench, so it costs the database nothing."""
    cases = " ".join(f"WHEN :slot = {slot} THEN {pk}" for slot, pk in enumerate(cast.employee_ids))
    return (
        f"\\set qid random({first_open}, {last_open})\n"
        f"\\set slot :client_id % {len(cast.employee_ids)}\n"
        f"\\set actor CASE {cases} ELSE 0 END\n"
    )


def open_question_range() -> tuple[int, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id), count(*) FROM inbox_question WHERE status = 'open'")
        first, last, count = cursor.fetchone()
    # seed_questions makes the newest ones open: a contiguous range, so pgbench can draw from it directly.
    if count != last - first + 1:
        raise RuntimeError(f"open questions are not a contiguous id range ({first}–{last}, {count} open)")
    return first, last


def run_pgbench(name: str, script: str, *, clients: int, seconds: float) -> float:
    """pgbench's tps (without the initial connection time), its progress shown as it goes."""
    release_all_claims()
    vacuum_questions()
    say(f"pgbench {name}: {clients} clients, {PGBENCH_THREADS} threads, {seconds:.0f} s")
    with tempfile.TemporaryDirectory(prefix="bench-claims-") as folder:
        path = Path(folder) / f"{name.replace(' ', '-')}.sql"
        path.write_text(script, encoding="utf-8")
        command = [
            PGBENCH,
            "--no-vacuum",
            f"--client={clients}",
            f"--jobs={min(PGBENCH_THREADS, clients)}",
            f"--time={max(1, round(seconds))}",
            "--progress=5",
            f"--file={path}",
            # Raw PostgreSQL, as the benchmarks' superuser (the desk's roles are measured through the service).
            superuser_url(),
        ]
        # Progress comes on stderr while it runs; the summary (a few lines) on stdout at the end.
        with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
            errors = []
            for line in process.stderr:
                if line.startswith("progress:"):
                    say(f"  {name}: {line.removeprefix('progress: ').rstrip()}")
                else:
                    errors.append(line)
            summary = process.stdout.read()
    if process.returncode != 0:
        raise RuntimeError(f"pgbench {name} failed ({process.returncode}):\n{summary}\n{''.join(errors)}")
    failed = re.search(r"number of failed transactions: (\d+)", summary)
    if failed and int(failed.group(1)):
        raise RuntimeError(f"pgbench {name}: {failed.group(1)} failed transactions:\n{summary}")
    tps = re.search(r"^tps = ([0-9.]+)", summary, re.MULTILINE)
    if tps is None:
        raise RuntimeError(f"no tps in pgbench's output:\n{summary}")
    return float(tps.group(1))


def main() -> None:
    args = parse_args()
    bench_setup()
    from django.conf import settings

    _queue_ids, cast = prepare_claim_desk(args.questions, args.open, args.queues, args.workers)
    release_all_claims()
    vacuum_questions()

    with ClaimCrew(cast) as crew:
        first_entry = last_entry_id()
        say(f"Claim service: {args.workers} workers, {args.seconds:.0f} s")
        service = crew.run_phase("claim service", seconds=args.seconds)
    say("Checking the audit trail for double claims")
    trail = double_claims_since(first_entry)
    counted = service.claims + service.late_claims
    if trail["claimed_entries"] != counted:
        say(f"  warning: {trail['claimed_entries']:,} claims in the trail, {counted:,} counted by the workers")

    first_open, last_open = open_question_range()
    header = script_header(cast, first_open, last_open)
    header += f"\\set lease {int(settings.CLAIM_LEASE.total_seconds())}\n"
    claim_and_release = header + raw_claim() + raw_release()
    claim_only = header + raw_claim()
    update = f"\\set qid random({first_open}, {last_open})\n" + SINGLE_ROW_UPDATE
    raw_claim_tps = run_pgbench("claim", claim_and_release, clients=args.workers, seconds=args.seconds)
    claim_only_tps = run_pgbench("claim only", claim_only, clients=args.workers, seconds=args.seconds)
    update_tps = run_pgbench("update", update, clients=args.workers, seconds=args.seconds)
    release_all_claims()

    ratio = service.claims_per_second / raw_claim_tps
    table(
        ["work", f"c={args.workers}, per s", "service ÷ it"],
        [
            ["claim service: claim + release (claims)", service.claims_per_second, "–"],
            ["pgbench claim + release (claims), the target's baseline", raw_claim_tps, f"{ratio:.3f}"],
            [
                "pgbench claim only, never released (transactions)",
                claim_only_tps,
                f"{service.claims_per_second / claim_only_tps:.3f}",
            ],
            ["pgbench single-row UPDATE (transactions)", update_tps, f"{service.claims_per_second / update_tps:.3f}"],
        ],
    )
    say(
        f"{service.claims:,} claims, {service.refused:,} refused (already claimed), "
        f"{trail['double_claims']} double claims, {trail['stray_releases']} releases without their claim; "
        f"target: ratio ≥ 0.25 and no double claim"
    )
    figures(
        workers=args.workers,
        seconds=args.seconds,
        questions=args.questions,
        open=args.open,
        claims_per_s=service.claims_per_second,
        refused=service.refused,
        double_claims=trail["double_claims"],
        stray_releases=trail["stray_releases"],
        pgbench_claim_tps=raw_claim_tps,
        pgbench_claim_only_tps=claim_only_tps,
        pgbench_update_tps=update_tps,
        ratio=ratio,
        ratio_claim_only=service.claims_per_second / claim_only_tps,
        ratio_update=service.claims_per_second / update_tps,
    )


if __name__ == "__main__":
    main()
