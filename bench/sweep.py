"""The service-level sweep (README, "Worker"): `inbox.overdue.flag_unanswered()` over 1,000,000 open questions
with 1,000 and with 100,000 of them overdue, against the same work done as one SQL statement (UPDATE …
RETURNING feeding the audit INSERT), with the query plans of both.

Target (MISSION.md): the sweep within 2× of the one statement, its cost growing with what it flags, not with
the table. Each case seeds a fresh table; between runs the flags are cleared, the audit trail emptied and the
table vacuumed, so that every run starts from the same state (no dead index entries left by the run before).

    .venv/bin/python bench/sweep.py                                  # full size, minutes
    .venv/bin/python bench/sweep.py --total 100000 --overdue 100 10000 --repeat 1   # a quick look
"""

import argparse
import os
import sys
from collections.abc import Callable

from common import bench_setup, figures, maintain, reset_desk_tables, reset_trail, say, seed_questions, table, timed

QUEUES = 20
ACTION = "inbox.question.flagged_overdue"

# The same work as the sweep's flag step in one statement: the rows it flags, one audit row each with the
# columns the recorder fills (the payload built by PostgreSQL's json functions: not the canonical spelling,
# but the same amount of work, which is all a baseline needs).
BASELINE = """
WITH flagged AS (
    UPDATE inbox_question SET overdue = 1
    WHERE status = 'open' AND overdue = 0 AND due_at <= now()
    RETURNING id, due_at, round
)
INSERT INTO audit_auditentry (created_at, actor_id, actor_number, action, target_type, target_id, target_label,
    before, after, source_address, request_id, payload)
SELECT clock_timestamp(), NULL, 'system', %(action)s, 'inbox.question', id::text, '#' || id, NULL,
    jsonb_build_object('due_at', due_at, 'round', round), NULL, '',
    jsonb_build_object(
        'created_at', clock_timestamp(), 'actor_id', NULL, 'actor_number', 'system', 'action', %(action)s,
        'target_type', 'inbox.question', 'target_id', id::text, 'target_label', '#' || id, 'before', NULL,
        'after', jsonb_build_object('due_at', due_at, 'round', round), 'source_address', NULL, 'request_id', ''
    )::text
FROM flagged
"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--total", type=int, default=1_000_000, help="open questions in the table")
    parser.add_argument(
        "--overdue", type=int, nargs="+", default=[1_000, 100_000], help="overdue questions, one case each"
    )
    parser.add_argument("--repeat", type=int, default=2, help="runs of each side per case (the fastest is kept)")
    parser.add_argument("--no-plans", action="store_true", help="skip EXPLAIN ANALYZE")
    return parser.parse_args()


def queue_ids() -> list[int]:
    from inbox.models import Queue

    return [Queue.objects.get_or_create(name=f"bench sweep {n:02}")[0].pk for n in range(QUEUES)]


def restore() -> None:
    """Every question on time again, the trail empty, dead tuples gone: the state each run starts from."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("UPDATE inbox_question SET overdue = 0 WHERE overdue > 0")
    # The trail refuses UPDATE, DELETE and TRUNCATE by trigger: emptied as the superuser with the triggers off for
    # that session. Then, also as the superuser (the runtime role owns no table): without the VACUUM the next run's
    # index walk would step over the entries the previous run left dead.
    reset_trail(restart_identity=False)
    maintain("VACUUM (ANALYZE) inbox_question", "VACUUM audit_auditentry", "CHECKPOINT")


def outcome() -> tuple[int, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM inbox_question WHERE overdue = 1")
        flagged = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM audit_auditentry WHERE action = %s", [ACTION])
        return flagged, cursor.fetchone()[0]


def run_sweep() -> float:
    from inbox import overdue

    with timed() as t:
        result = overdue.flag_unanswered()
    if result.warned:
        sys.exit(f"the warning step warned {result.warned} questions: the seed should put warn_at ahead")
    return t["seconds"]


def run_baseline() -> float:
    from django.db import connection, transaction

    with timed() as t, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(BASELINE, {"action": ACTION})
    return t["seconds"]


def checked_run(name: str, run: Callable[[], float], expected: int) -> float:
    seconds = run()
    flagged, entries = outcome()
    if (flagged, entries) != (expected, expected):
        sys.exit(f"{name}: {flagged} flagged and {entries} audit entries, expected {expected} of each")
    restore()
    say(f"  {name}: {seconds:.3f} s")
    return seconds


def print_plans() -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from inbox import overdue
    from inbox.models import Question

    query = (
        Question.objects.to_flag(timezone.now())
        .select_for_update()
        .order_by("due_at")
        .values_list("pk", "due_at", "round")
    )
    with transaction.atomic():
        sweep_plan = query[: overdue.BATCH].explain(analyze=True, buffers=True)
    say("Plan of the sweep's selecting query (one batch, FOR UPDATE)")
    print(sweep_plan, flush=True)
    # EXPLAIN ANALYZE runs the statement: rolled back, so the runs below start from the seeded state.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + BASELINE, {"action": ACTION})
        baseline_plan = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)
    say("Plan of the baseline statement (rolled back)")
    print(baseline_plan, flush=True)


def run_case(total: int, overdue: int, repeat: int, plans: bool) -> dict[str, float]:
    say(f"Case: {total:,} open questions, {overdue:,} overdue")
    reset_desk_tables()
    seed_questions(total, open_count=total, queue_ids=queue_ids(), overdue=overdue)
    restore()
    if plans:
        print_plans()
        restore()
    sweeps, baselines = [], []
    for attempt in range(1, repeat + 1):
        say(f"Run {attempt} of {repeat}")
        # Alternated, so that a neighbour's load on the shared machine falls on both sides alike.
        sweeps.append(checked_run("sweep (flag_unanswered)", run_sweep, overdue))
        baselines.append(checked_run("baseline (one statement)", run_baseline, overdue))
    # The fastest run of each side: on a shared machine a neighbour's load only ever adds time.
    sweep, baseline = min(sweeps), min(baselines)
    return {"overdue": overdue, "sweep": sweep, "baseline": baseline, "ratio": sweep / baseline}


def main() -> None:
    args = parse_args()
    bench_setup()
    say(f"Load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (the machine is shared)")
    say(
        "seed_questions puts warn_at two days ahead: the sweep's warning step finds nothing and costs one index "
        "probe; only the flag step is compared with the baseline"
    )
    cases = [run_case(args.total, n, args.repeat, not args.no_plans) for n in args.overdue]
    say(f"Load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    table(
        ["overdue", "sweep s", "baseline s", "ratio", "sweep µs/flag", "baseline µs/flag"],
        [
            [
                c["overdue"],
                c["sweep"],
                c["baseline"],
                f"{c['ratio']:.2f}×",
                c["sweep"] / c["overdue"] * 1e6,
                c["baseline"] / c["overdue"] * 1e6,
            ]
            for c in cases
        ],
    )
    results: dict[str, object] = {"open": args.total}
    for c in cases:
        n = c["overdue"]
        results[f"sweep_{n}_s"] = c["sweep"]
        results[f"baseline_{n}_s"] = c["baseline"]
        results[f"ratio_{n}"] = c["ratio"]
    results["target_ratio"] = 2.0
    results["met"] = all(c["ratio"] <= 2.0 for c in cases)
    figures(**results)


if __name__ == "__main__":
    main()
