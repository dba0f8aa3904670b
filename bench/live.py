"""The live question page's poll, against a bare Django view served the same way (docs/benchmarks.md, "Live pages").

Every open question page asks GET /inbox/questions/<id>/changes/?since=<version> every 3 s. While nothing changed
the answer is a 204 from one indexed read (after the session, the person and their role, which every signed-in
request reads); when something did, the changed fragments. This seeds questions, signs in an employee holding one
with a conversation, starts gunicorn (production settings) and measures, with the same load generator:

1. at full load (wrk, or the Python generator): the unchanged poll (204), the changed poll (fragments, what one
   page gets after a change), the whole question page (what a page reloading itself every few seconds would
   cost), the bare view signed in (the session, the person and their role: the floor of any signed-in request)
   and the bare view without a session; requests/s, p50/p95/p99, and the CPU time each request costs the web
   workers and their PostgreSQL backends (read from /proc: PostgreSQL must run on this host);
2. at the pace of `--pages` open pages polling every `--interval` seconds (300 pages: 100 requests/s), the
   unchanged poll and both bare views at the same rate: latency, and the CPU the web workers and PostgreSQL used
   (share of one core), i.e. what the open pages cost the server while nothing changes.

    .venv/bin/python bench/live.py                                        # the full size
    .venv/bin/python bench/live.py --questions 20000 --open 2000 --duration 5 --warmup 1 --paced 10
"""

import argparse
import http.client
import multiprocessing
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from common import (
    ROOT,
    bench_setup,
    database_name,
    figures,
    load_inbox_bench,
    maintain,
    maintenance,
    reset_desk_tables,
    say,
    table,
)

page_bench = load_inbox_bench()
LoadResult = page_bench.LoadResult

HTMX = {"HX-Request": "true"}
BARE_PATH = page_bench.BARE_PATH
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Target:
    name: str
    path: str
    headers: dict[str, str]
    expected: int
    signed_in: bool = True


@dataclass(frozen=True)
class Measured:
    load: LoadResult
    web_cpu_seconds: float  # gunicorn's master and workers, during the measured window
    database_cpu_seconds: float  # their PostgreSQL backends

    @property
    def cpu_seconds(self) -> float:
        return self.web_cpu_seconds + self.database_cpu_seconds

    @property
    def web_share(self) -> float:
        return self.web_cpu_seconds / self.cpu_seconds if self.cpu_seconds else float("nan")

    @property
    def cpu_ms_per_request(self) -> float:
        return self.cpu_seconds * 1000 / self.load.requests if self.load.requests else float("nan")

    @property
    def cores(self) -> float:
        return self.cpu_seconds / self.load.seconds if self.load.seconds else float("nan")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=200_000, help="questions in the database")
    parser.add_argument("--open", type=int, default=20_000, help="of which open (the newest)")
    parser.add_argument("--queues", type=int, default=20, help="queues the questions are spread over")
    parser.add_argument("--granted", type=int, default=5, help="queues the employee may answer")
    parser.add_argument("--posts", type=int, default=6, help="posts in the measured question's conversation")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections at full load")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds measured per target at full load")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of unmeasured load per target first")
    parser.add_argument("--pages", type=int, default=300, help="open pages simulated in the paced phase")
    parser.add_argument("--interval", type=float, default=3.0, help="seconds between two polls of one page")
    parser.add_argument("--paced", type=float, default=30.0, help="seconds of the paced phase, per target")
    parser.add_argument("--generator", choices=["auto", "wrk", "python"], default="auto")
    args = parser.parse_args()
    if not 0 < args.granted <= args.queues:
        parser.error("--granted must be between 1 and --queues")
    if not 0 < args.open <= args.questions:
        parser.error("--open must be between 1 and --questions")
    return args


# --- the desk's data ---------------------------------------------------------------------------------------


def seed(total: int, open_count: int, queue_ids: list[int]) -> None:
    """`total` questions over `queue_ids`, the newest `open_count` open, generated in the database: copies of one
    question made through the ORM (so that every column the model has gets its value), varying what the pages
    and indexes look at."""
    from datetime import timedelta

    from django.db import connection
    from django.utils import timezone

    from inbox.models import Customer, Question

    customer, _ = Customer.objects.get_or_create(network_id="1", defaults={"handle": "bench"})
    now = timezone.now()
    template = Question.objects.create(
        queue_id=queue_ids[0],
        customer=customer,
        source_post_id="b0",
        conversation_id="b0",
        last_post_id="b0",
        created_at=now,
        waiting_since=now,
        due_at=now + timedelta(days=1),
        warn_at=now + timedelta(days=2),
        asked_text="Where is my order?",
    )
    varied = {
        "queue_id": "(%(queues)s::bigint[])[1 + n %% %(queue_count)s]",
        "status": "CASE WHEN n <= %(answered)s THEN 'answered' ELSE 'open' END",
        "priority": "n %% 4",
        "source_post_id": "'b' || n",
        "conversation_id": "'b' || n",
        "last_post_id": "'b' || n",
        "created_at": "now() - make_interval(secs => %(total)s - n)",
        "waiting_since": "now() - make_interval(secs => %(total)s - n)",
        "answered_at": "CASE WHEN n <= %(answered)s THEN now() ELSE NULL END",
        "asked_text": "'Where is my order ' || n || '?'",
    }
    columns = [f.column for f in Question._meta.concrete_fields if f.column != "id"]
    values = [varied.get(column, f"t.{connection.ops.quote_name(column)}") for column in columns]
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    # The names come from the model and the expressions from this function: nothing of anyone's input.
    statement = (
        f"INSERT INTO inbox_question ({quoted}) SELECT {', '.join(values)} "  # noqa: S608
        "FROM inbox_question t, generate_series(%(start)s, %(end)s) AS n WHERE t.id = %(template)s"
    )
    with connection.cursor() as cursor:
        for start in range(1, total + 1, 100_000):
            end = min(start + 99_999, total)
            cursor.execute(
                statement,
                {
                    "template": template.pk,
                    "queues": list(queue_ids),
                    "queue_count": len(queue_ids),
                    "answered": total - open_count,
                    "total": total,
                    "start": start,
                    "end": end,
                },
            )
            say(f"  {end:,} / {total:,} questions")
    template.delete()


def prepare_question(employee, granted_ids: list[int], posts: int):
    """The newest open question of the employee's queues, with a conversation, claimed by them through the
    service (so that its page shows the reply box, the holder line and a history)."""
    from django.utils import timezone

    from inbox import claims
    from inbox.models import Post, Question

    question = Question.objects.filter(queue_id__in=granted_ids, status=Question.Status.OPEN).order_by("-id").first()
    now = timezone.now()
    Post.objects.bulk_create(
        Post(
            question=question,
            network_id=f"bench-live-{question.pk}-{n}",
            author=Post.Author.CUSTOMER,
            text=f"@support Follow-up {n}: is there any news about my order? 注文の状況を教えてください。",
            created_at=now,
        )
        for n in range(posts)
    )
    return claims.claim(question, actor=employee)


# --- CPU of the server: the web workers and their database backends ------------------------------------------


def backend_pids() -> list[int]:
    """The PostgreSQL backends of the desk's runtime role on the benchmark database (the web workers keep theirs:
    DATABASE_CONN_MAX_AGE)."""
    import pg_roles

    with maintenance() as session:
        rows = session.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND usename = %s",
            [database_name(), pg_roles.RUNTIME],
        ).fetchall()
    return [pid for (pid,) in rows]


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time of the processes, from /proc (PostgreSQL runs on this host)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / CLOCK_TICKS


# --- load --------------------------------------------------------------------------------------------------


def _client(port, target: Target, cookie, start_at, stop_at, every, offset, closed_loop, results) -> None:
    """One connection. Closed loop: one request after the other. Paced: one request every `every` seconds from
    `start_at + offset`, as a page's poll would send it (a late request goes at once, and is counted late)."""
    headers = {**target.headers, **({"Cookie": cookie} if cookie else {})}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    latencies, not_ok, errors = [], 0, 0
    due = start_at + offset
    while True:
        if not closed_loop:
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        started = time.monotonic()
        if started >= stop_at:
            break
        try:
            connection.request("GET", target.path, headers=headers)
            response = connection.getresponse()
            response.read()
            status = response.status
        except OSError:
            connection.close()
            status = None
        finished = time.monotonic()
        due += every
        if started < start_at:
            continue
        latencies.append(finished - started)
        if status is None:
            errors += 1
        elif status != target.expected:
            not_ok += 1
    connection.close()
    results.put((latencies, not_ok, errors))


def python_load(port, target: Target, cookie, seconds: float, *, clients: int, rate: float | None) -> LoadResult:
    """`clients` processes; closed loop when `rate` is None, else `rate` requests/s spread evenly over them."""
    from django.db import connections as database_connections

    database_connections.close_all()  # a forked child must not share the parent's database socket
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    start_at = time.monotonic() + 0.5
    stop_at = start_at + seconds
    every = clients / rate if rate else 0.0
    processes = [
        context.Process(
            target=_client,
            args=(port, target, cookie, start_at, stop_at, every, every * i / clients, rate is None, results),
        )
        for i in range(clients)
    ]
    return page_bench.gather_load(processes, results, seconds)


def measured(master_pid: int, run) -> Measured:
    web, database = [master_pid, *page_bench.worker_pids(master_pid)], backend_pids()
    web_before, database_before = cpu_seconds(web), cpu_seconds(database)
    load = run()
    return Measured(load, cpu_seconds(web) - web_before, cpu_seconds(database) - database_before)


# --- the benchmark -----------------------------------------------------------------------------------------


def get(port: int, target: Target, cookie: str | None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", target.path, headers={**target.headers, **({"Cookie": cookie} if cookie else {})})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def check_targets(port: int, cookie: str, targets: dict[str, Target]) -> dict[str, int]:
    """Each target answers as it must before anything is measured (a 302 to the sign-in page would pass for a
    very fast poll); returns the size of each answer."""
    sizes = {}
    for name, target in targets.items():
        status, body = get(port, target, cookie if target.signed_in else None)
        if status != target.expected:
            sys.exit(f"{name} answered {status}, expected {target.expected}:\n{body[:1500].decode(errors='replace')}")
        sizes[name] = len(body)
    if sizes["unchanged poll"] != 0:
        sys.exit("the unchanged poll answered with a body")
    status, body = get(port, targets["changed poll"], cookie)
    if b"hx-swap-oob" not in body or b"<textarea" in body:
        sys.exit("the changed poll's fragments are not what the page swaps")
    return sizes


def main() -> None:
    args = parse_args()
    say("Setting up the benchmark database")
    bench_setup()
    say("Emptying the desk's tables")
    reset_desk_tables()
    queues = page_bench.prepare_queues(args.queues)
    granted = queues[: args.granted]
    say(f"Seeding {args.questions:,} questions ({args.open:,} open) over {args.queues} queues")
    seed(args.questions, args.open, [q.pk for q in queues])
    maintain("VACUUM ANALYZE inbox_question")
    employee = page_bench.prepare_employee(granted)
    question = prepare_question(employee, [q.pk for q in granted], args.posts)
    cookie = page_bench.session_cookie(employee)
    question.refresh_from_db()
    page = f"/inbox/questions/{question.pk}/"
    now = int(time.time())
    # `shown` far ahead: the poll never asks for the minutely refresh of its relative times while measured.
    targets = {
        "unchanged poll": Target(
            "unchanged poll", f"{page}changes/?since={question.version}&shown={now + 86400}", HTMX, 204
        ),
        "changed poll": Target("changed poll", f"{page}changes/?since=0&shown={now}", HTMX, 200),
        "question page": Target("question page", page, {}, 200),
        # The floor of any signed-in page of the desk: the session, the person and their role, and nothing else.
        "bare view, signed in": Target("bare view, signed in", BARE_PATH, {}, 200),
        "bare view": Target("bare view", BARE_PATH, {}, 200, signed_in=False),
    }
    say(
        f"Question #{question.pk}, held by {employee}, {args.posts} posts; "
        f"its page polls {targets['unchanged poll'].path}"
    )

    generator_choice = args.generator
    wrk = page_bench.find_wrk() if generator_choice != "python" else None
    if generator_choice == "wrk" and not wrk:
        sys.exit("wrk is not installed and could not be installed")
    loader = page_bench.WrkGenerator(wrk, args.connections) if wrk else None
    generator = loader.name if loader else "python"
    log_path = ROOT / "var" / "bench" / "live-gunicorn.log"
    full: dict[str, Measured] = {}
    paced: dict[str, Measured] = {}
    rate = args.pages / args.interval
    paced_clients = max(1, min(8, round(rate / 25)))
    try:
        say(f"Starting gunicorn ({args.workers} workers, production settings); log in {log_path}")
        with page_bench.gunicorn(args.workers, log_path) as (port, master_pid):
            sizes = check_targets(port, cookie, targets)
            say("Answers: " + ", ".join(f"{name} {size:,} bytes" for name, size in sizes.items()))

            def run(target: Target, seconds: float) -> LoadResult:
                target_cookie = cookie if target.signed_in else None
                if loader:
                    return loader.run(
                        port, target.path, target_cookie, seconds, headers=target.headers, expected=target.expected
                    )
                return python_load(port, target, target_cookie, seconds, clients=args.connections, rate=None)

            # Every target once before any is measured: the workers' first requests (imports, templates, the
            # database's caches) would otherwise weigh on whichever target comes first.
            say(f"Warm-up: {args.warmup:g} s of each target")
            for target in targets.values():
                if args.warmup > 0:
                    run(target, args.warmup)
            for name, target in targets.items():
                say(f"{name}: {args.duration:g} s, {generator}, {args.connections} connections")
                full[name] = measured(master_pid, lambda target=target: run(target, args.duration))
                say(
                    f"  {full[name].load.per_second:,.0f} requests/s, p95 {full[name].load.p95_ms:.1f} ms, "
                    f"{full[name].cpu_ms_per_request:.2f} ms CPU per request"
                )
            for name in ("unchanged poll", "bare view, signed in", "bare view"):
                target = targets[name]
                target_cookie = cookie if target.signed_in else None
                say(
                    f"{name}, paced: {args.pages} pages every {args.interval:g} s = {rate:.0f} requests/s "
                    f"for {args.paced:g} s"
                )
                paced[name] = measured(
                    master_pid,
                    lambda target=target, target_cookie=target_cookie: python_load(
                        port, target, target_cookie, args.paced, clients=paced_clients, rate=rate
                    ),
                )
                result = paced[name]
                say(
                    f"  {result.load.per_second:,.0f} requests/s, p95 {result.load.p95_ms:.1f} ms, "
                    f"{result.cores * 100:.1f} % of one core"
                )
            check_targets(port, cookie, targets)
    finally:
        if loader:
            loader.close()

    rows = [
        [
            name,
            m.load.requests,
            m.load.per_second,
            m.load.p50_ms,
            m.load.p95_ms,
            m.load.p99_ms,
            m.cpu_ms_per_request,
            f"{m.web_share:.0%}",
            m.load.not_ok + m.load.socket_errors,
        ]
        for name, m in full.items()
    ]
    table(
        [
            "at full load",
            "requests",
            "req/s",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "CPU ms/request",
            "of it web",
            "unexpected",
        ],
        rows,
    )
    poll, bare = paced["unchanged poll"], paced["bare view"]
    table(
        [
            f"{args.pages} pages, one poll every {args.interval:g} s",
            "req/s",
            "p50 ms",
            "p95 ms",
            "CPU (% of a core)",
            "of it web",
            "CPU per open page (ms/s)",
            "unexpected",
        ],
        [
            [
                name,
                m.load.per_second,
                m.load.p50_ms,
                m.load.p95_ms,
                m.cores * 100,
                f"{m.web_share:.0%}",
                m.cores * 1000 / args.pages,
                m.load.not_ok + m.load.socket_errors,
            ]
            for name, m in paced.items()
        ],
    )
    ratio = full["unchanged poll"].load.per_second / full["bare view"].load.per_second
    floor = paced["bare view, signed in"]
    say(
        f"{args.questions:,} questions; gunicorn {args.workers} workers; {generator}, {args.connections} connections, "
        f"{args.duration:g} s each; paced {args.paced:g} s, {paced_clients} clients"
    )
    figures(
        questions=args.questions,
        generator=generator,
        connections=args.connections,
        seconds=args.duration,
        poll_rps=full["unchanged poll"].load.per_second,
        poll_p50_ms=full["unchanged poll"].load.p50_ms,
        poll_p95_ms=full["unchanged poll"].load.p95_ms,
        poll_cpu_ms=full["unchanged poll"].cpu_ms_per_request,
        changed_rps=full["changed poll"].load.per_second,
        changed_p95_ms=full["changed poll"].load.p95_ms,
        changed_cpu_ms=full["changed poll"].cpu_ms_per_request,
        page_rps=full["question page"].load.per_second,
        page_cpu_ms=full["question page"].cpu_ms_per_request,
        bare_rps=full["bare view"].load.per_second,
        bare_p95_ms=full["bare view"].load.p95_ms,
        bare_cpu_ms=full["bare view"].cpu_ms_per_request,
        signed_in_rps=full["bare view, signed in"].load.per_second,
        signed_in_cpu_ms=full["bare view, signed in"].cpu_ms_per_request,
        ratio=ratio,
        ratio_to_signed_in=full["unchanged poll"].load.per_second / full["bare view, signed in"].load.per_second,
        pages=args.pages,
        interval_s=args.interval,
        paced_rps=poll.load.per_second,
        paced_p50_ms=poll.load.p50_ms,
        paced_p95_ms=poll.load.p95_ms,
        paced_core_percent=poll.cores * 100,
        paced_signed_in_core_percent=floor.cores * 100,
        paced_bare_core_percent=bare.cores * 100,
        cpu_ms_per_page_second=poll.cores * 1000 / args.pages,
    )


if __name__ == "__main__":
    main()
