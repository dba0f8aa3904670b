"""A Twelpforce-scale day on this machine: the whole desk as production runs it, under a peak hour's people and
customers (docs/benchmarks.md, "A day at Twelpforce scale").

The desk: gunicorn (production settings), a Celery worker and Celery beat on Redis, PostgreSQL as the runtime role,
and the official account's X played by the project's fake X server (bench/day_x.py), which enforces the posting cap
and fails a few percent of calls (503, dropped connections, posts made with the answer lost). The people
(bench/day_load.py, one asyncio process): 300 employees with the inbox open and kept live by its own poll, 100 of them
answering (30 claims and replies a minute, a tenth needing approval), 5 supervisors approving and opening the
reports, a compliance officer filtering and exporting the audit trail. Customers post at a peak hour of a
20,000-mention day (three times the average), with bursts of 10 mentions a second for 30 seconds, some following up.

It prints progress every 30 s, then: p50/p95/p99 and errors per page and action; a customer's post on X to its row
in the inbox (p95); reply queued to posted on X (p95); the delay an open page takes to show a change; CPU and resident
memory per process; the worker's queue depth; and the end checks, from the database and the fake X: questions lost,
replies posted twice, double claims, audit verification.

    .venv/bin/python bench/day.py                       # 10 minutes of the peak hour, one web server, one worker
    .venv/bin/python bench/day.py --web 2 --workers 2   # the scale-out shape of docker-compose
    .venv/bin/python bench/day.py --minutes 2 --employees 60 --answerers 20    # a quick look

It empties the desk's tables and the Redis database of BENCH_REDIS_URL (the benchmarks' own, as every benchmark
does with its database) before it starts.
"""

import argparse
import json
import multiprocessing
import os
import secrets
import subprocess
import sys
import time
from bisect import bisect_left
from collections import defaultdict
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path

from common import (
    ROOT,
    bench_env,
    bench_setup,
    database_name,
    figures,
    load_inbox_bench,
    maintenance,
    reset_desk_tables,
    say,
    stop_process,
    table,
)

BENCH_DIR = Path(__file__).resolve().parent
VAR = ROOT / "var" / "bench" / "day"
ADMIN_NUMBER = "DAYADMIN"
EMPLOYEE_PREFIX = "DE"
SUPERVISOR_PREFIX = "DS"
COMPLIANCE_NUMBER = "DC001"
CELERY_QUEUE = "bench-day"
TARGET_P95_MS = 100.0
SAMPLE_SECONDS = 5.0
PROGRESS_SECONDS = 30.0


page_bench = load_inbox_bench()
import day_x  # noqa: E402  (bench/, on sys.path when this script runs)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the measured day (after the ramp)")
    parser.add_argument("--ramp", type=float, default=30.0, help="seconds over which people open their pages")
    parser.add_argument("--employees", type=int, default=300, help="employees with the inbox open")
    parser.add_argument("--answerers", type=int, default=100, help="of whom answering (a question page open)")
    parser.add_argument("--supervisors", type=int, default=5)
    parser.add_argument("--claims-per-minute", type=float, default=30.0)
    parser.add_argument("--approval-share", type=float, default=0.1, help="share of replies needing approval")
    parser.add_argument("--day-mentions", type=int, default=20_000, help="mentions in the whole day")
    parser.add_argument("--peak-factor", type=float, default=3.0, help="the peak hour's rate over the day's average")
    parser.add_argument("--burst-rate", type=float, default=10.0, help="mentions a second in a burst")
    parser.add_argument("--burst-seconds", type=float, default=30.0)
    parser.add_argument("--burst-every", type=float, default=300.0, help="seconds between bursts (first at 90 s)")
    parser.add_argument("--follow-ups", type=float, default=0.1, help="share of posts following up a question")
    parser.add_argument("--customers", type=int, default=5_000)
    parser.add_argument("--backlog", type=int, default=200, help="questions waiting when the day begins")
    parser.add_argument("--fault-rate", type=float, default=0.03, help="share of the desk's calls to X that fail")
    parser.add_argument(
        "--posting-budget",
        type=int,
        default=600,
        help="posts per 15 minutes allowed by X and the desk's budget (X's self-serve cap is 100: see the docs)",
    )
    parser.add_argument("--poll-seconds", type=int, default=30, help="the worker's mentions poll (X_POLL_SECONDS)")
    parser.add_argument("--web", type=int, default=1, help="gunicorn instances")
    parser.add_argument("--web-workers", type=int, default=2, help="workers per gunicorn instance")
    parser.add_argument("--workers", type=int, default=1, help="Celery worker instances")
    parser.add_argument("--concurrency", type=int, default=2, help="processes per Celery worker")
    parser.add_argument("--drain", type=float, default=120.0, help="longest wait for the desk to drain at the end")
    parser.add_argument("--seed", type=int, default=19)
    return parser.parse_args()


# --- the desk's people and configuration -----------------------------------------------------------------------------


def prepare_desk(args: argparse.Namespace) -> dict:
    """The demo's queues and routing rules, and the day's people, made through the desk's services once and kept
    between runs (approved, with their queues; supervisors and the compliance officer with TOTP, as required)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from accounts import services
    from accounts.models import Employee, Role
    from demo.management.commands.seed_demo import QUEUES, RULES
    from inbox import configuration
    from inbox.models import Queue, RoutingRule

    password = secrets.token_urlsafe(24)  # never used: sessions are made server-side
    admin = Employee.objects.filter(employee_number=ADMIN_NUMBER).first() or Employee.objects.create_superuser(
        ADMIN_NUMBER, "bench-day-admin@example.com", password
    )
    queues = []
    for name, description in QUEUES:
        queue = Queue.objects.filter(name=name).first()
        queues.append(queue or configuration.save_setting(Queue(name=name, description=description), actor=admin))
    by_name = {queue.name: queue for queue in queues}
    for position, (name, keywords, queue_name, priority) in enumerate(RULES):
        if not RoutingRule.objects.filter(name=name).exists():
            rule = RoutingRule(
                name=name, keywords=keywords, queue=by_name[queue_name], priority=priority, position=position
            )
            configuration.save_setting(rule, actor=admin)

    def person(number: str, role, granted) -> Employee:
        found = Employee.objects.filter(employee_number=number).first()
        if found is None:
            found = Employee(employee_number=number, email=f"{number.lower()}@example.com")
            found.set_unusable_password()
            services.register_employee(found)
            found = services.approve_employee(found, actor=admin, role=role, queues=granted)
        if (
            role != Role.EMPLOYEE
            and not Authenticator.objects.filter(user=found, type=Authenticator.Type.TOTP).exists()
        ):
            TOTP.activate(found, generate_totp_secret())
        return found

    employees = []
    for n in range(args.employees):
        employees.append(person(f"{EMPLOYEE_PREFIX}{n + 1:04d}", Role.EMPLOYEE, [queues[n % len(queues)]]))
        if (n + 1) % 100 == 0:
            say(f"  {n + 1} / {args.employees} employees")
    supervisors = [
        person(f"{SUPERVISOR_PREFIX}{n:02d}", Role.SUPERVISOR, queues) for n in range(1, args.supervisors + 1)
    ]
    compliance = person(COMPLIANCE_NUMBER, Role.COMPLIANCE, [])
    return {"queues": queues, "employees": employees, "supervisors": supervisors, "compliance": compliance}


def empty_day_tables() -> None:
    """The desk's questions, replies and trail (common.reset_desk_tables), and what a day leaves elsewhere: the
    mentions cursor (a new fake X numbers its posts anew), sessions, notifications, report figures."""
    reset_desk_tables()
    with maintenance(triggers=False) as session:
        session.execute("TRUNCATE inbox_mentioncursor, django_session")
        # The people are kept between runs, but their trail was emptied with the rest: as far as the new trail is
        # concerned they join the desk now (verification checks that the trail is as old as the first employee).
        session.execute("UPDATE accounts_employee SET date_joined = now()")


def browser_person(employee, base_url: str, answers: bool) -> dict:
    """A signed-in session made server-side (bench/inbox.py), and a CSRF secret the browser would hold."""
    csrf = secrets.token_hex(16)  # 32 characters: Django's CSRF secret length
    cookie = f"{page_bench.session_cookie(employee)}; csrftoken={csrf}"
    return {
        "number": employee.employee_number,
        "cookie": cookie,
        "csrf": csrf,
        "base_url": base_url,
        "answers": answers,
    }


# --- the processes ---------------------------------------------------------------------------------------------------


def desk_env(fake_url: str, args: argparse.Namespace) -> dict[str, str]:
    return {
        **bench_env(),
        "DJANGO_SETTINGS_MODULE": "webapp.settings",
        "X_API_BASE_URL": fake_url,
        "X_ACCOUNT_ID": day_x.ACCOUNT_ID,
        "X_ACCOUNT_USERNAME": day_x.ACCOUNT_USERNAME,
        # Any credentials: the fake checks that a request is signed, not by whom.
        "X_CONSUMER_KEY": "bench-day",
        "X_CONSUMER_SECRET": "bench-day",
        "X_ACCESS_TOKEN": "bench-day",
        "X_ACCESS_TOKEN_SECRET": "bench-day",
        "X_POLL_SECONDS": str(args.poll_seconds),
        "POSTING_BUDGET": str(args.posting_budget),
        "CELERY_QUEUE": CELERY_QUEUE,
        "REDBEAT_KEY_PREFIX": "bench-day:redbeat",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(BENCH_DIR)]),
    }


@contextmanager
def celery(kind: str, index: int, args: argparse.Namespace):
    """A Celery worker (`kind` "worker") or beat, production settings; yields its Popen and always stops it."""
    executable = str(Path(sys.executable).parent / "celery")
    command = [executable, "-A", "replydesk", kind, "--loglevel=WARNING"]
    if kind == "worker":
        command += [
            "--concurrency",
            str(args.concurrency),
            "-n",
            f"day{index}@%h",
            "--without-gossip",
            "--without-mingle",
        ]
    else:
        command += ["--schedule", str(VAR / "celerybeat-schedule")]
    log_path = VAR / f"{kind}{index}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env={**os.environ}, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        stop_process(process)


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU of one process, from /proc; None once it has exited."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def resident_mb(pid: int) -> float:
    try:
        return page_bench.resident_mb(pid)
    except (OSError, RuntimeError):
        return 0.0


class Meter:
    """CPU and resident memory of each process of the desk, sampled every few seconds, and the worker's queue."""

    def __init__(self, groups: dict[str, callable]) -> None:
        self.groups = groups  # label -> function returning the pids of that process now
        self.first: dict[str, dict[int, float]] = {}
        self.last: dict[str, dict[int, float]] = {}
        self.peak_rss: dict[str, float] = defaultdict(float)
        self.queue_depths: list[tuple[float, int]] = []
        self.started = time.monotonic()
        self.machine_first = machine_jiffies()

    def sample(self, queue_depth: int) -> None:
        self.queue_depths.append((time.monotonic() - self.started, queue_depth))
        for label, pids_of in self.groups.items():
            pids = pids_of()
            seen = {pid: used for pid in pids if (used := cpu_seconds(pid)) is not None}
            self.first.setdefault(label, {})
            for pid, seconds in seen.items():
                self.first[label].setdefault(pid, seconds)
            self.last[label] = {**self.last.get(label, {}), **seen}
            for pid in pids:
                self.peak_rss[label] = max(self.peak_rss[label], resident_mb(pid))

    def machine_busy(self) -> float:
        """The share of the machine's cores busy since the first sample (anything running, the desk or not)."""
        (busy_first, total_first), (busy, total) = self.machine_first, machine_jiffies()
        return (busy - busy_first) / max(1, total - total_first)

    def rows(self) -> list[list]:
        seconds = time.monotonic() - self.started
        rows = []
        for label in self.groups:
            last = self.last.get(label, {})
            used = sum(last.get(pid, first) - first for pid, first in self.first.get(label, {}).items())
            processes = len(self.first.get(label, {}))
            rows.append([label, processes, f"{100 * used / seconds:.1f} %", f"{self.peak_rss[label]:.0f}"])
        return rows


def machine_jiffies() -> tuple[int, int]:
    """(busy, total) CPU time of all cores, from /proc/stat's first line."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def postgres_backends() -> list[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [database_name()])
        return [row[0] for row in cursor.fetchall()]


def redis_pid() -> list[int]:
    found = subprocess.run(["pgrep", "-x", "redis-server"], capture_output=True, text=True, check=False)
    return [int(pid) for pid in found.stdout.split()]


def queue_depth(redis) -> int:
    return int(redis.llen(CELERY_QUEUE))


def desk_counts() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT (SELECT count(*) FROM inbox_question),
                   (SELECT count(*) FROM inbox_question WHERE status = 'open'),
                   (SELECT count(*) FROM inbox_post WHERE author = 'customer'),
                   (SELECT count(*) FROM inbox_reply WHERE status = 'sent'),
                   (SELECT count(*) FROM inbox_reply WHERE status IN ('queued', 'sending')),
                   (SELECT count(*) FROM inbox_replydraft WHERE status = 'pending')
            """
        )
        questions, open_count, posts, sent, waiting, drafts = cursor.fetchone()
    return {
        "questions": questions,
        "open": open_count,
        "customer_posts": posts,
        "sent": sent,
        "outbox": waiting,
        "awaiting_approval": drafts,
    }


# --- the figures -----------------------------------------------------------------------------------------------------


def pct(values: list[float], percent: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(percent / 100 * len(ordered)) - 1))]


def spread(values: list[float]) -> list:
    return [len(values), pct(values, 50), pct(values, 95), max(values, default=float("nan"))]


def request_rows(load: dict) -> tuple[list[list], int, list[str]]:
    rows, errors, misses = [], 0, []
    for name in sorted(load["latencies"]):
        values = load["latencies"][name]
        statuses = load["statuses"][name]
        # A connection that failed (0) or an answer the page did not expect: a 4xx or 5xx, or a redirect where the
        # page expected content (a refused action comes back to its page as a redirect).
        failed = sum(count for status, count in statuses.items() if status == "0" or int(status) >= 400)
        failed = max(failed, len(load["errors"].get(name, [])))
        errors += failed
        p95 = pct(values, 95)
        if p95 >= TARGET_P95_MS:
            misses.append(name)
        rows.append([name, len(values), failed, pct(values, 50), p95, pct(values, 99), max(values)])
    return rows, errors, misses


def post_to_inbox(x_report: dict) -> tuple[list[float], int]:
    """Seconds from a customer's new question on X to its row in the inbox (Question.received_at), for the posts
    made during the day; follow-ups join an existing question and have no row of their own."""
    from inbox.models import Question

    made = {p["id"]: p["at"] for p in x_report["customer_posts"] if not p["prefill"] and not p["follow_up"]}
    received = dict(Question.objects.filter(source_post_id__in=list(made)).values_list("source_post_id", "received_at"))
    return [received[i].timestamp() - at for i, at in made.items() if i in received], len(made) - len(received)


def queued_to_posted(since: datetime) -> tuple[list[float], int]:
    from inbox.models import Reply

    rows = Reply.objects.filter(created_at__gte=since).values_list("created_at", "sent_at", "status")
    delays = [(sent - created).total_seconds() for created, sent, status in rows if status == "sent"]
    return delays, sum(1 for _c, _s, status in rows if status != "sent")


def question_page_delays(load: dict) -> list[float]:
    """How long after X accepted a reply (Reply.sent_at) its author's open page showed it (the first poll bringing a
    new version after that moment)."""
    from inbox.models import Reply

    seen = {int(k): sorted(v) for k, v in load["changes_seen"].items()}
    delays = []
    for question_id, sent_at in Reply.objects.filter(question_id__in=list(seen), status="sent").values_list(
        "question_id", "sent_at"
    ):
        moments = seen[question_id]
        at = bisect_left(moments, sent_at.timestamp())
        if at < len(moments):
            delays.append(moments[at] - sent_at.timestamp())
    return delays


def inbox_page_delays(load: dict, queue_of: dict[str, int]) -> list[float]:
    """How long after a new question's row was written its queue's open inbox pages announced it: for each page and
    each question of its queue that arrived while the page was open (newer than the page's newest row), the first
    poll after the row was written, counted only when that poll announced more questions than the one before."""
    from inbox.models import Question

    arrived = defaultdict(list)
    for question_id, queue_id, received in Question.objects.filter(
        received_at__gte=datetime.fromtimestamp(load["measuring_from_wall"]).astimezone()
    ).values_list("id", "queue_id", "received_at"):
        arrived[queue_id].append((question_id, received.timestamp()))
    delays = []
    for page, polls in load["arrival_polls"].items():
        moments = [poll[0] for poll in polls]
        for question_id, received in arrived[queue_of[page]]:
            at = bisect_left(moments, received)
            if at == 0 or at >= len(polls):
                continue
            moment, since, announced, _status = polls[at]
            before = polls[at - 1]
            if since == before[1] and since < question_id and announced > before[2]:
                delays.append(moment - received)
    return delays


def double_claims(load: dict) -> int:
    """Two answerers told "yours" for the same question while the first had not sent yet."""
    sends = defaultdict(list)
    for sent in load["sent"]:
        sends[sent["question"]].append(sent["at"])
    held: dict[int, list[tuple[float, float, str]]] = defaultdict(list)
    for claim in load["claims"]:
        if claim["question"] is None:
            continue
        after = [at for at in sends[claim["question"]] if at >= claim["at"]]
        held[claim["question"]].append((claim["at"], min(after) if after else float("inf"), claim["number"]))
    doubles = 0
    for spans in held.values():
        spans.sort()
        for (_start, end, who), (next_start, _end, next_who) in zip(spans, spans[1:], strict=False):
            if next_who != who and next_start < end:
                doubles += 1
    return doubles


def posted_twice(x_report: dict) -> int:
    from inbox.models import Reply

    per_answer = defaultdict(int)
    for post in x_report["account_posts"]:
        per_answer[(post["in_reply_to"], post["text"])] += 1
    twice = sum(count - 1 for count in per_answer.values() if count > 1)
    sent = list(Reply.objects.filter(status="sent").values_list("posted_id", flat=True))
    return twice + len(sent) - len(set(sent))


def lost_questions(x_report: dict) -> list[str]:
    from inbox.models import Post

    made = [p["id"] for p in x_report["customer_posts"]]
    stored = set(Post.objects.filter(network_id__in=made).values_list("network_id", flat=True))
    return [post_id for post_id in made if post_id not in stored]


def verify_trail() -> tuple[bool, int, list[str]]:
    from audit.verify import verify_chain

    result = verify_chain()
    return result.ok, result.checked, result.problems[:5]


# --- the day ---------------------------------------------------------------------------------------------------------


def main() -> None:
    args = parse_args()
    VAR.mkdir(parents=True, exist_ok=True)
    say("Setting up the benchmark database")
    bench_setup()
    import redis as redis_client
    from django.conf import settings
    from django.utils import timezone

    redis = redis_client.Redis.from_url(settings.REDIS_URL)
    say(f"Emptying the desk's tables and Redis database {settings.REDIS_URL}")
    empty_day_tables()
    redis.flushdb()
    say(f"Preparing {args.employees} employees, {args.supervisors} supervisors and a compliance officer")
    desk = prepare_desk(args)
    seconds = args.minutes * 60
    average = args.day_mentions / 86_400
    bursts = tuple(float(start) for start in range(90, int(seconds), max(1, int(args.burst_every))))
    plan = day_x.CustomerPlan(
        seconds=args.ramp + seconds,
        rate=average * args.peak_factor,
        burst_starts=tuple(args.ramp + start for start in bursts),
        burst_rate=args.burst_rate,
        burst_seconds=args.burst_seconds,
        follow_up_share=args.follow_ups,
        customers=args.customers,
        fault_rate=args.fault_rate,
        posting_cap=args.posting_budget,
        seed=args.seed,
        prefill=args.backlog,
    )
    burst_text = (
        f"bursts of {args.burst_rate:g}/s for {args.burst_seconds:g} s at {', '.join(f'{b:g}' for b in bursts)} s"
        if bursts
        else "no burst (the day is shorter than 90 s)"
    )
    say(
        f"Customers: {plan.rate * 60:.0f} mentions a minute (a {args.day_mentions:,}-mention day's peak hour), "
        f"{burst_text}; {args.backlog} questions waiting at the start; {args.fault_rate:.0%} of calls to X fail"
    )
    context = multiprocessing.get_context("spawn")
    ready, stop_posting, report_now = context.Queue(), context.Event(), context.Event()
    x_report_path = VAR / "x-report.json"
    x_report_path.unlink(missing_ok=True)
    fake_x = context.Process(
        target=day_x.serve, args=(plan.__dict__, ready, stop_posting, report_now, str(x_report_path)), daemon=True
    )
    fake_x.start()
    fake_url = ready.get(timeout=60)
    say(f"Fake X on {fake_url} (posting cap {args.posting_budget} per 15 minutes)")
    os.environ.update(desk_env(fake_url, args))

    load_results = VAR / "load-results.json"
    load_results.unlink(missing_ok=True)
    with ExitStack() as stack:
        servers = []
        for index in range(args.web):
            log_path = VAR / f"gunicorn{index}.log"
            port, master = stack.enter_context(page_bench.gunicorn(args.web_workers, log_path))
            servers.append((port, master))
        say(f"gunicorn: {args.web} × {args.web_workers} workers on ports {', '.join(str(p) for p, _ in servers)}")
        workers = [stack.enter_context(celery("worker", i + 1, args)) for i in range(args.workers)]
        beat = stack.enter_context(celery("beat", 1, args))
        say(f"Celery: {args.workers} worker(s) × {args.concurrency} processes, beat (logs in {VAR})")

        with timed_wait("the backlog to reach the inbox", 180) as waiting:
            while desk_counts()["customer_posts"] < args.backlog:
                waiting.check()
                time.sleep(1)

        bases = [f"http://127.0.0.1:{port}" for port, _ in servers]
        answering = set(range(args.answerers))
        people = [browser_person(e, bases[i % len(bases)], i in answering) for i, e in enumerate(desk["employees"])]
        config = {
            "seconds": seconds,
            "ramp_seconds": args.ramp,
            "claims_per_minute": args.claims_per_minute,
            "approval_share": args.approval_share,
            "seed": args.seed,
            "people": len(people),
            "employees": people,
            "supervisors": [browser_person(s, bases[i % len(bases)], False) for i, s in enumerate(desk["supervisors"])],
            "compliance": browser_person(desk["compliance"], bases[0], False),
            "progress_path": str(VAR / "load-progress.json"),
        }
        config_path = VAR / "load-config.json"
        config_path.write_text(json.dumps(config))
        queue_of = {
            e.employee_number: desk["queues"][i % len(desk["queues"])].pk for i, e in enumerate(desk["employees"])
        }
        day_started = timezone.now()
        load = subprocess.Popen(
            [sys.executable, str(BENCH_DIR / "day_load.py"), str(config_path), str(load_results)],
            cwd=ROOT,
            env={**os.environ},
        )
        meter = Meter(
            {
                "gunicorn (masters + workers)": lambda: [
                    p for _, m in servers for p in [m, *page_bench.worker_pids(m)]
                ],
                "Celery worker(s)": lambda: [p for w in workers for p in [w.pid, *page_bench.worker_pids(w.pid)]],
                "Celery beat": lambda: [beat.pid],
                "PostgreSQL backends of the desk": postgres_backends,
                "Redis": redis_pid,
                "fake X (with the customers)": lambda: [fake_x.pid],
                "load generator (the people)": lambda: [load.pid],
            }
        )
        say(
            f"The day: {args.ramp:g} s of people opening their pages, then {args.minutes:g} minutes measured "
            f"({args.employees} employees, {args.answerers} answering, {args.claims_per_minute:g} claims a minute)"
        )
        next_progress = time.monotonic() + PROGRESS_SECONDS
        while load.poll() is None:
            meter.sample(queue_depth(redis))
            if time.monotonic() >= next_progress:
                next_progress += PROGRESS_SECONDS
                progress = _read_json(VAR / "load-progress.json")
                counts = desk_counts()
                say(
                    f"  {time.monotonic() - meter.started:5.0f} s: {progress.get('requests', 0):,} requests, "
                    f"{progress.get('errors', 0)} errors, {progress.get('claims', 0)} claims; questions "
                    f"{counts['questions']:,} ({counts['open']:,} open), replies sent {counts['sent']:,}, outbox "
                    f"{counts['outbox']}, awaiting approval {counts['awaiting_approval']}, worker queue "
                    f"{meter.queue_depths[-1][1]}"
                )
            time.sleep(SAMPLE_SECONDS)
        if load.returncode != 0:
            sys.exit(f"the load generator failed ({load.returncode})")
        # What the day cost, before the drain.
        meter.sample(queue_depth(redis))
        meter_rows = meter.rows()
        machine_busy = meter.machine_busy()
        stop_posting.set()
        customer_posts = ready.get(timeout=60)
        say("People and customers stopped; waiting for the desk to take in the last posts and send what it accepted")
        with timed_wait("the desk to drain", args.drain) as waiting:
            while True:
                counts = desk_counts()
                if counts["outbox"] == 0 and counts["customer_posts"] >= customer_posts:
                    break
                if waiting.over():
                    say(f"  still waiting after {args.drain:g} s: {counts}")
                    break
                meter.sample(queue_depth(redis))
                time.sleep(2)
        report_now.set()
        if ready.get(timeout=60) != "reported":
            sys.exit("the fake X did not write its report")
        x_report = json.loads(x_report_path.read_text())
        fake_x.terminate()
        time.sleep(2 * settings.AUDIT_SEAL_SECONDS)  # the sealer takes the last entries

    load = json.loads(load_results.read_text())
    report(args, load, x_report, meter, meter_rows, machine_busy, day_started, queue_of)


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


class timed_wait:  # noqa: N801 - used as a context manager
    def __init__(self, what: str, seconds: float) -> None:
        self.what, self.seconds = what, seconds

    def __enter__(self) -> "timed_wait":
        self.deadline = time.monotonic() + self.seconds
        return self

    def __exit__(self, *exc) -> None:
        return None

    def over(self) -> bool:
        return time.monotonic() > self.deadline

    def check(self) -> None:
        if self.over():
            sys.exit(f"gave up waiting for {self.what} after {self.seconds:g} s")


def report(args, load, x_report, meter, meter_rows, machine_busy, day_started, queue_of) -> None:
    rows, errors, misses = request_rows(load)
    table(["page or action", "requests", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms"], rows)
    post_delays, not_arrived = post_to_inbox(x_report)
    posted_delays, unposted = queued_to_posted(day_started)
    page_delays = question_page_delays(load)
    arrival_delays = inbox_page_delays(load, queue_of)
    flow = [
        ["customer's post on X → its row in the inbox", *spread(post_delays)],
        ["reply queued → posted on X", *spread(posted_delays)],
        ["new question → open inbox page shows it", *spread(arrival_delays)],
        ["reply posted → its open question page shows it", *spread(page_delays)],
    ]
    table(["flow", "count", "p50 s", "p95 s", "max s"], flow)
    table(["process", "processes", "CPU (share of one core)", "largest process's peak RSS, MB"], meter_rows)
    say(f"The machine's {os.cpu_count()} cores were {machine_busy:.0%} busy over the day")
    depths = [depth for _t, depth in meter.queue_depths]
    by_minute = defaultdict(int)
    for moment, depth in meter.queue_depths:
        by_minute[int(moment // 60)] = max(by_minute[int(moment // 60)], depth)
    say("Worker queue depth, highest each minute: " + " ".join(str(by_minute[m]) for m in sorted(by_minute)))
    lost = lost_questions(x_report)
    twice = posted_twice(x_report)
    doubles = double_claims(load)
    verified, checked, problems = verify_trail()
    claims = [c for c in load["claims"] if c["question"] is not None]
    ends = [
        ["customer posts on X", len(x_report["customer_posts"])],
        ["questions lost (posted on X, not in the desk)", len(lost)],
        ["replies posted twice", twice],
        ["double claims", doubles],
        ["audit verification", f"{'OK' if verified else 'FAILED'} ({checked:,} entries)"],
        ["claims (Next question gave a question)", len(claims)],
        ["Next question with nothing to claim", len(load["claims"]) - len(claims)],
        ["replies sent by the people", len(load["sent"])],
        ["replies not posted by the end", unposted],
        ["approvals", len(load["approvals"])],
        ["X calls", ", ".join(f"{k}: {v}" for k, v in sorted(x_report["calls"].items()))],
    ]
    table(["end check", "value"], ends)
    for name, messages in load["errors"].items():
        for message in messages[:3]:
            say(f"  error in {name}: {message}")
    for problem in problems:
        say(f"  audit: {problem}")
    post_p95 = pct(post_delays, 95)
    figures(
        web=args.web,
        workers=args.workers,
        minutes=args.minutes,
        requests=sum(len(v) for v in load["latencies"].values()),
        requests_per_second=sum(len(v) for v in load["latencies"].values()) / load["seconds"],
        machine_busy=machine_busy,
        errors=errors,
        pages_over_p95_target=len(misses),
        post_to_inbox_p95_s=post_p95,
        post_to_inbox_target_s=args.poll_seconds + 5,
        queued_to_posted_p95_s=pct(posted_delays, 95),
        inbox_live_p95_s=pct(arrival_delays, 95),
        question_live_p95_s=pct(page_delays, 95),
        queue_depth_max=max(depths, default=0),
        lost=len(lost),
        posted_twice=twice,
        double_claims=doubles,
        audit_ok=verified,
        not_arrived=not_arrived,
    )


if __name__ == "__main__":
    main()
