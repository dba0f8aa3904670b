"""The weekly quality sample (README, "Quality review") at the size of a Twelpforce week: what the worker's Monday job
costs in time and memory.

Seeds `--replies` sent replies of last week (20,000 mentions a day for seven days by default) by `--employees`
employees, a tenth of them with a customer follow-up (one in ten of those unhappy), a tenth sent after their service
level, then runs `quality.sampling.sample_week` for that week (`--runs` times, emptying the samples between runs),
against, in the same run, the least any sampler must do: read the week's (reply id, author) pairs with one SQL
statement and draw each employee's share with the same seeded generator.

    .venv/bin/python bench/quality.py                                  # 140,000 replies: a few minutes
    .venv/bin/python bench/quality.py --replies 20000 --employees 50 --runs 2
"""

import argparse
import random
import resource
import statistics
import time
from collections import defaultdict
from datetime import timedelta

from common import bench_setup, figures, maintain, maintenance, reset_desk_tables, say, seed_questions, table

QUEUE_NAME = "Bench quality queue {:02d}"
EMPLOYEE_PREFIX = "BQ"

REPLIES_SQL = """
INSERT INTO inbox_reply (question_id, round, purpose, author_id, text, in_reply_to, status, created_at,
    next_attempt_at, attempts, posted_id, sent_at, failure_reason, needed_approval, due_at)
SELECT q.id, 1, 'answer', (%(authors)s::bigint[])[1 + q.id %% %(author_count)s],
    'ご不便をおかけしました。明日お届け予定です。' || E'\\n^' || (%(numbers)s::text[])[1 + q.id %% %(author_count)s],
    q.last_post_id, 'sent', %(start)s + make_interval(secs => (q.id * 604799 / %(total)s)::int),
    NULL, 1, 'r' || q.id, %(start)s + make_interval(secs => (q.id * 604799 / %(total)s)::int), '', false,
    %(start)s + make_interval(secs => (q.id * 604799 / %(total)s)::int)
        + CASE WHEN q.id %% 10 = 0 THEN interval '-5 minutes' ELSE interval '10 minutes' END
FROM inbox_question q
"""
FOLLOW_UPS_SQL = """
INSERT INTO inbox_post (question_id, network_id, author, text, created_at)
SELECT r.question_id, 'f' || r.id, 'customer',
    CASE WHEN r.id %% 100 = 7 THEN '最悪です。まだ届きません' ELSE 'ありがとうございます' END,
    r.sent_at + interval '1 minute'
FROM inbox_reply r WHERE r.id %% 10 = 7
"""


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replies", type=int, default=140_000)
    parser.add_argument("--employees", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    return parser.parse_args()


def prepare_people(count: int):
    from accounts import services
    from accounts.models import Employee, Role
    from inbox import configuration
    from inbox.models import Queue

    queues = [
        Queue.objects.filter(name=QUEUE_NAME.format(n)).first()
        or configuration.save_setting(Queue(name=QUEUE_NAME.format(n), description="bench/quality.py"), actor=None)
        for n in range(1, 11)
    ]
    admin = Employee.objects.filter(is_superuser=True).first() or Employee.objects.create_superuser(
        "BENCHQA01", "bench-quality-admin@example.com", None
    )
    people = []
    for n in range(1, count + 1):
        number = f"{EMPLOYEE_PREFIX}{n:04d}"
        person = Employee.objects.filter(employee_number=number).first()
        if person is None:
            person = Employee(employee_number=number, email=f"{number.lower()}@example.com")
            person.set_unusable_password()
            services.register_employee(person)
            person = services.approve_employee(person, actor=admin, role=Role.EMPLOYEE, queues=queues[:1])
        people.append(person)
        if n % 100 == 0:
            say(f"  {n} / {count} employees")
    return queues, people


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def empty_samples() -> None:
    with maintenance(triggers=False) as session:
        session.execute("TRUNCATE quality_review, quality_reviewsample, quality_samplingrun RESTART IDENTITY CASCADE")


def bare_draw(start, end, seed: str, share_percent: int, minimum: int, maximum: int) -> int:
    """The least a sampler does: the week's (reply, author) pairs in one statement, each author's share drawn."""
    import math

    from django.db import connection

    by_author = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT r.id, e.employee_number FROM inbox_reply r JOIN accounts_employee e ON e.id = r.author_id "
            "WHERE r.status = 'sent' AND r.sent_at >= %s AND r.sent_at < %s",
            [start, end],
        )
        for reply_id, number in cursor:
            by_author[number].append(reply_id)
    picked = 0
    for number in sorted(by_author):
        ids = sorted(by_author[number])
        k = min(len(ids), max(minimum, min(maximum, math.ceil(len(ids) * share_percent / 100))))
        picked += len(random.Random(f"{seed}:{number}").sample(ids, k))  # noqa: S311 - the sampler's own draw
    return picked


def main() -> None:
    args = parse()
    bench_setup()
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from quality import sampling
    from quality.models import ReviewSample
    from quality.weeks import last_week, week_bounds

    say(f"1. seeding {args.replies:,} sent replies of last week by {args.employees} employees")
    reset_desk_tables()
    empty_samples()
    queues, people = prepare_people(args.employees)
    seed_questions(args.replies, open_count=0, queue_ids=[q.pk for q in queues])
    now = timezone.now()
    week = last_week(now)
    start, end = week_bounds(week)
    with connection.cursor() as cursor:
        cursor.execute(
            REPLIES_SQL,
            {
                "authors": [p.pk for p in people],
                "numbers": [p.employee_number for p in people],
                "author_count": len(people),
                "start": start,
                "total": args.replies,
            },
        )
        say(f"   {cursor.rowcount:,} replies")
        cursor.execute(FOLLOW_UPS_SQL, {})
        say(f"   {cursor.rowcount:,} customer follow-ups")
    maintain("ANALYZE inbox_reply", "ANALYZE inbox_post")

    say(f"2. sample_week({week}) × {args.runs}, and the bare draw")
    desk_s, bare_s, samples = [], [], 0
    rss_before = peak_rss_mb()
    for run in range(args.runs):
        empty_samples()
        started = time.perf_counter()
        sampled = sampling.sample_week(week, now=now + timedelta(seconds=run), seed="bench")
        desk_s.append(time.perf_counter() - started)
        samples = ReviewSample.objects.filter(run=sampled).count()
        say(f"   run {run + 1}: {desk_s[-1]:.2f} s, {samples:,} samples")
    rss_after = peak_rss_mb()
    for _ in range(args.runs):
        started = time.perf_counter()
        bare_draw(
            start,
            end,
            "bench",
            settings.QUALITY_SAMPLE_SHARE_PERCENT,
            settings.QUALITY_SAMPLE_MIN,
            settings.QUALITY_SAMPLE_MAX,
        )
        bare_s.append(time.perf_counter() - started)
    desk, bare = statistics.median(desk_s), statistics.median(bare_s)
    table(
        ["work", "median s", "samples"],
        [
            [f"sample_week over {args.replies:,} replies, {args.employees} employees", desk, samples],
            ["bare draw: one SELECT + seeded draws (baseline)", bare, ""],
        ],
    )
    say(f"   peak resident memory of this process: {rss_before:.0f} MB before, {rss_after:.0f} MB after sampling")
    figures(
        sample_week_s=desk,
        bare_draw_s=bare,
        ratio=desk / bare,
        samples=samples,
        peak_rss_mb=rss_after,
        rss_growth_mb=rss_after - rss_before,
    )


if __name__ == "__main__":
    main()
