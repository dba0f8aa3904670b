"""The inbox page under load, against a bare Django view served the same way (MISSION.md, "Targets").

Seeds 1,000,000 questions (100,000 open in 20 queues), signs in an employee granted 5 of the queues, starts
gunicorn (2 workers, production settings) and drives the inbox page and a bare view with the same load
generator at the same concurrency: wrk when it can be had, else a Python one. Prints p50/p95/p99 and
requests/s of both, their ratio, and the resident memory of the web workers after the run.

    .venv/bin/python bench/inbox.py                                   # the full size
    .venv/bin/python bench/inbox.py --questions 50000 --open 5000 --duration 5 --warmup 1
"""

import argparse
import http.client
import multiprocessing
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from common import (
    ROOT,
    bench_env,
    bench_setup,
    figures,
    maintain,
    reset_desk_tables,
    say,
    seed_questions,
    stop_process,
    table,
    timed,
)

if TYPE_CHECKING:
    from accounts.models import Employee
    from inbox.models import Queue

BENCH_DIR = Path(__file__).resolve().parent
ADMIN_NUMBER = "BENCHA01"
EMPLOYEE_NUMBER = "BENCHE01"
QUEUE_NAME = "Bench queue {:02d}"
INBOX_PATH = "/inbox/"
BARE_PATH = "/bench/bare/"
QUESTION_LINK = re.compile(r'href="/inbox/questions/(\d+)/"')

TARGET_P95_MS = 50.0
TARGET_RATIO = 0.25
TARGET_RSS_MB = 150.0

# wrk reports neither p95 nor the status codes it saw unless asked: this script counts every answer that is not
# the expected status, given after "--" (200 unless said; a redirect to the sign-in page would otherwise pass for
# a fast inbox page), and prints the percentiles. bench/live.py uses it too, expecting the poll's 204.
WRK_SCRIPT = """
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  expected = tonumber(args[1]) or 200
  not_ok = 0
end

function response(status, headers, body)
  if status ~= expected then
    not_ok = not_ok + 1
  end
end

function done(summary, latency, requests)
  local not_ok_total = 0
  for _, thread in ipairs(threads) do
    not_ok_total = not_ok_total + thread:get("not_ok")
  end
  local errors = summary.errors
  io.write(string.format(
    "BENCH_RESULT requests=%d duration_us=%d not_ok=%d socket_errors=%d p50_us=%d p95_us=%d p99_us=%d\\n",
    summary.requests, summary.duration, not_ok_total,
    errors.connect + errors.read + errors.write + errors.timeout,
    math.floor(latency:percentile(50)), math.floor(latency:percentile(95)),
    math.floor(latency:percentile(99))))
end
"""


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    not_ok: int  # answers other than the expected status
    socket_errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=1_000_000, help="questions in the database")
    parser.add_argument("--open", type=int, default=100_000, help="of which open (the newest)")
    parser.add_argument("--queues", type=int, default=20, help="queues the questions are spread over")
    parser.add_argument("--granted", type=int, default=5, help="queues the employee may answer")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections of the load generator")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds measured per target")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of unmeasured load per target first")
    parser.add_argument(
        "--generator",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="auto: wrk when installed (or installable with apt-get as root), else the Python generator",
    )
    args = parser.parse_args()
    if not 0 < args.granted <= args.queues:
        parser.error("--granted must be between 1 and --queues")
    if not 0 < args.open <= args.questions:
        parser.error("--open must be between 1 and --questions")
    return args


# --- the desk's data ---------------------------------------------------------------------------------------


def prepare_queues(count: int) -> list["Queue"]:

    from inbox import configuration
    from inbox.models import Queue

    queues = []
    for number in range(1, count + 1):
        name = QUEUE_NAME.format(number)
        queue = Queue.objects.filter(name=name).first()
        if queue is None:
            queue = configuration.save_setting(Queue(name=name, description="bench/inbox.py"), actor=None)
        queues.append(queue)
    return queues


def prepare_employee(granted: list["Queue"]) -> "Employee":
    """An active employee allowed exactly the `granted` queues, made through the services as the desk makes one
    (and brought back to that state when an earlier run left it in the database)."""
    from accounts import services
    from accounts.models import Employee, Role
    from inbox.access import queues_for

    password = secrets.token_urlsafe(24)  # never used to sign in: the session is made server-side
    admin = Employee.objects.filter(employee_number=ADMIN_NUMBER).first()
    if admin is None:
        admin = Employee.objects.create_superuser(
            employee_number=ADMIN_NUMBER, email="bench-admin@example.com", password=password
        )
    employee = Employee.objects.filter(employee_number=EMPLOYEE_NUMBER).first()
    if employee is None:
        employee = Employee(employee_number=EMPLOYEE_NUMBER, email="bench-employee@example.com")
        employee.set_password(password)
        services.register_employee(employee)
        return services.approve_employee(employee, actor=admin, role=Role.EMPLOYEE, queues=granted)
    if employee.status != Employee.Status.ACTIVE or employee.role != Role.EMPLOYEE:
        sys.exit(f"{EMPLOYEE_NUMBER} exists but is not an active employee; drop the benchmark database and rerun")
    wanted = {q.pk for q in granted}
    for queue in queues_for(employee):
        if queue.pk not in wanted:
            services.revoke_queue(employee, queue, actor=admin)
    for queue in granted:
        services.grant_queue(employee, queue, actor=admin)
    return employee


def session_cookie(employee: "Employee") -> str:
    """A signed-in session made as django.contrib.auth.login makes one (user id, backend, session hash, which
    for Employee includes its session generation), so that the benchmark needs no password or sign-in form."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = employee._meta.pk.value_to_string(employee)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = employee.get_session_auth_hash()
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def visible_open_questions(queue_ids: list[int]) -> int:
    from inbox.models import Question

    return Question.objects.filter(queue_id__in=queue_ids, status=Question.Status.OPEN).count()


# --- gunicorn ----------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def gunicorn_executable() -> str:
    beside_python = Path(sys.executable).parent / "gunicorn"
    found = str(beside_python) if beside_python.exists() else shutil.which("gunicorn")
    if not found:
        sys.exit("gunicorn is not installed in this environment (pip install -r requirements.txt)")
    return found


def get(port: int, path: str, cookie: str | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@contextmanager
def gunicorn(workers: int, log_path: Path) -> Iterator[tuple[int, int]]:
    """gunicorn serving the desk with the bench settings; yields (port, master pid) and always stops it."""
    port = free_port()
    env = {
        **os.environ,
        **bench_env(),
        "DJANGO_SETTINGS_MODULE": "webapp.settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(BENCH_DIR), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
    }
    command = [
        gunicorn_executable(),
        "replydesk.wsgi:application",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
    ]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        master = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if master.poll() is not None:
                sys.exit(f"gunicorn exited with {master.returncode}; see {log_path}")
            try:
                if get(port, BARE_PATH)[0] == 200 and len(worker_pids(master.pid)) == workers:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                sys.exit(f"gunicorn did not answer within 60 s; see {log_path}")
            time.sleep(0.2)
        yield port, master.pid
    finally:
        stop_process(master)


def worker_pids(master_pid: int) -> list[int]:
    """gunicorn's workers are the master's children; found through /proc (no extra dependency)."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: the fields after the last ")" are fixed.
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == master_pid:
            children.append(int(entry.name))
    return sorted(children)


def resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


# --- load generators ---------------------------------------------------------------------------------------


def find_wrk() -> str | None:
    found = shutil.which("wrk")
    if found or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    say("wrk is not installed; trying apt-get install wrk (falls back to the Python generator)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    quiet = {"env": env, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "check": False}
    subprocess.run(["apt-get", "update", "-qq"], **quiet)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], **quiet)
    return shutil.which("wrk")


class WrkGenerator:
    name = "wrk"

    def __init__(self, executable: str, connections: int) -> None:
        self.executable = executable
        self.connections = connections
        # Two threads: enough to keep 8 connections busy without taking a core from gunicorn.
        self.threads = min(2, connections)
        script = tempfile.NamedTemporaryFile("w", suffix=".lua", prefix="bench-inbox-", delete=False)  # noqa: SIM115
        with script:
            script.write(WRK_SCRIPT)
        self.script = script.name

    def close(self) -> None:
        Path(self.script).unlink(missing_ok=True)

    def run(
        self,
        port: int,
        path: str,
        cookie: str | None,
        seconds: float,
        *,
        headers: dict[str, str] | None = None,
        expected: int = 200,
    ) -> LoadResult:
        command = [
            self.executable,
            f"-t{self.threads}",
            f"-c{self.connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            self.script,
        ]
        for name, value in {**(headers or {}), **({"Cookie": cookie} if cookie else {})}.items():
            command += ["-H", f"{name}: {value}"]
        command += [f"http://127.0.0.1:{port}{path}", "--", str(expected)]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        match = re.search(r"^BENCH_RESULT (.*)$", output, re.MULTILINE)
        if match is None:
            raise RuntimeError(f"wrk printed no result:\n{output}")
        values = {key: int(value) for key, value in (pair.split("=") for pair in match.group(1).split())}
        return LoadResult(
            requests=values["requests"],
            seconds=values["duration_us"] / 1e6,
            not_ok=values["not_ok"],
            socket_errors=values["socket_errors"],
            p50_ms=values["p50_us"] / 1000,
            p95_ms=values["p95_us"] / 1000,
            p99_ms=values["p99_us"] / 1000,
        )


def _python_client(
    port: int,
    path: str,
    headers: dict[str, str],
    expected: int,
    measure_from: float,
    stop_at: float,
    results: "multiprocessing.Queue",
) -> None:
    """One connection, one request at a time, until stop_at; latencies of the requests done after measure_from."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    latencies: list[float] = []
    not_ok = socket_errors = 0
    while True:
        started = time.monotonic()
        if started >= stop_at:
            break
        try:
            # gunicorn's sync workers close after each answer; http.client then reconnects by itself.
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            status = response.status
        except OSError:
            connection.close()
            status = None
        finished = time.monotonic()
        if started < measure_from or finished > stop_at:
            continue
        latencies.append(finished - started)
        if status is None:
            socket_errors += 1
        elif status != expected:
            not_ok += 1
    connection.close()
    results.put((latencies, not_ok, socket_errors))


class PythonGenerator:
    """The fallback: one forked process per connection (no GIL shared between them), keep-alive connections,
    latencies recorded per request. Slower per request than wrk, so compare its figures only with its own."""

    name = "python"

    def __init__(self, connections: int) -> None:
        self.connections = connections

    def close(self) -> None:
        pass

    def run(
        self,
        port: int,
        path: str,
        cookie: str | None,
        seconds: float,
        *,
        headers: dict[str, str] | None = None,
        expected: int = 200,
    ) -> LoadResult:
        from django.db import connections as database_connections

        database_connections.close_all()  # a forked child must not share the parent's database socket
        context = multiprocessing.get_context("fork")
        results = context.Queue()
        measure_from = time.monotonic() + 0.5  # let every process start before the measured window opens
        stop_at = measure_from + seconds
        sent = {**(headers or {}), **({"Cookie": cookie} if cookie else {})}
        clients = [
            context.Process(target=_python_client, args=(port, path, sent, expected, measure_from, stop_at, results))
            for _ in range(self.connections)
        ]
        return gather_load(clients, results, seconds)


def gather_load(clients: list, results: "multiprocessing.Queue", seconds: float) -> LoadResult:
    """Start the client processes and merge what each puts on `results` (its latencies, answers other than the
    expected one, socket errors) into one result. bench/live.py's paced clients report the same way."""
    for client in clients:
        client.start()
    latencies: list[float] = []
    not_ok = socket_errors = 0
    for _ in clients:
        client_latencies, client_not_ok, client_errors = results.get()
        latencies += client_latencies
        not_ok += client_not_ok
        socket_errors += client_errors
    for client in clients:
        client.join()
    latencies.sort()
    return LoadResult(
        requests=len(latencies),
        seconds=seconds,
        not_ok=not_ok,
        socket_errors=socket_errors,
        p50_ms=percentile(latencies, 50) * 1000,
        p95_ms=percentile(latencies, 95) * 1000,
        p99_ms=percentile(latencies, 99) * 1000,
    )


def percentile(ordered: list[float], percent: float) -> float:
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(percent / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def load_generator(choice: str, connections: int) -> WrkGenerator | PythonGenerator:
    if choice == "python":
        return PythonGenerator(connections)
    executable = find_wrk()
    if executable:
        return WrkGenerator(executable, connections)
    if choice == "wrk":
        sys.exit("wrk is not installed and could not be installed")
    say("wrk is not available: using the Python load generator")
    return PythonGenerator(connections)


# --- the benchmark -----------------------------------------------------------------------------------------


def check_pages(port: int, cookie: str, expected_rows: int, granted_ids: list[int]) -> int:
    """Fail before measuring anything when the pages do not answer as they must (the inbox: 200, a full page of
    open questions of the granted queues only); returns the inbox page's size in bytes."""
    from inbox.models import Question

    status, body = get(port, BARE_PATH)
    if status != 200:
        sys.exit(f"the bare view answered {status}")
    status, _body = get(port, INBOX_PATH)
    if status != 302:
        sys.exit(f"the inbox answered {status} without a session (expected a redirect to sign in)")
    status, body = get(port, INBOX_PATH, cookie)
    if status != 200:
        sys.exit(f"the inbox answered {status} to the signed-in employee:\n{body[:2000].decode(errors='replace')}")
    shown = {int(pk) for pk in QUESTION_LINK.findall(body.decode())}
    if len(shown) != expected_rows:
        sys.exit(f"the inbox page lists {len(shown)} questions, expected {expected_rows}")
    listed = Question.objects.filter(pk__in=shown, queue_id__in=granted_ids, status=Question.Status.OPEN).count()
    if listed != len(shown):
        sys.exit(f"the inbox page lists {len(shown) - listed} questions that are not open in the employee's queues")
    return len(body)


def main() -> None:
    args = parse_args()
    say("Setting up the benchmark database")
    bench_setup()
    from django.conf import settings

    say("Emptying the desk's tables")
    reset_desk_tables()
    queues = prepare_queues(args.queues)
    granted = queues[: args.granted]
    say(f"Seeding {args.questions:,} questions ({args.open:,} open) over {args.queues} queues")
    with timed() as seeding:
        seed_questions(args.questions, open_count=args.open, queue_ids=[q.pk for q in queues])
    # A freshly loaded table has no visibility map and unset hint bits: the first readers would pay for
    # writing them. Autovacuum does this on a live desk; do it now so the measurement sees a settled table.
    say(f"  seeded in {seeding['seconds']:.1f} s; VACUUM ANALYZE inbox_question")
    maintain("VACUUM ANALYZE inbox_question")
    employee = prepare_employee(granted)
    cookie = session_cookie(employee)
    granted_ids = [q.pk for q in granted]
    visible = visible_open_questions(granted_ids)
    expected_rows = min(settings.INBOX_PAGE_SIZE, visible)
    say(f"Employee {employee} may answer {args.granted} queues: {visible:,} open questions visible")

    generator = load_generator(args.generator, args.connections)
    log_path = ROOT / "var" / "bench" / "inbox-gunicorn.log"
    try:
        say(f"Starting gunicorn ({args.workers} workers, production settings); log in {log_path}")
        with gunicorn(args.workers, log_path) as (port, master_pid):
            page_bytes = check_pages(port, cookie, expected_rows, granted_ids)
            say(f"Inbox page answers 200 with {expected_rows} questions ({page_bytes:,} bytes)")
            targets = {"inbox": (INBOX_PATH, cookie), "bare": (BARE_PATH, None)}
            results: dict[str, LoadResult] = {}
            for name, (path, target_cookie) in targets.items():
                say(
                    f"{name}: warm-up {args.warmup:g} s, then {args.duration:g} s with {generator.name}, "
                    f"{args.connections} connections"
                )
                if args.warmup > 0:
                    generator.run(port, path, target_cookie, args.warmup)
                results[name] = generator.run(port, path, target_cookie, args.duration)
                result = results[name]
                say(f"  {result.per_second:,.0f} requests/s, p95 {result.p95_ms:.1f} ms")
            # The inbox page must still answer with the questions after the load (not a redirect or an error).
            check_pages(port, cookie, expected_rows, granted_ids)
            workers = worker_pids(master_pid)
            rss = {pid: resident_mb(pid) for pid in workers}
    finally:
        generator.close()

    inbox, bare = results["inbox"], results["bare"]
    ratio = inbox.per_second / bare.per_second if bare.per_second else 0.0
    worst_rss = max(rss.values())
    rows = []
    for label, result in (("inbox page (signed in)", inbox), ("bare Django view (no session)", bare)):
        rows.append(
            [
                label,
                result.requests,
                result.per_second,
                result.p50_ms,
                result.p95_ms,
                result.p99_ms,
                result.not_ok,
                result.socket_errors,
            ]
        )
    table(["target", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "not 200", "socket errors"], rows)
    table(
        ["figure", "measured", "target"],
        [
            ["inbox p95 (ms)", inbox.p95_ms, f"< {TARGET_P95_MS:g}"],
            ["inbox req/s / bare req/s", ratio, f">= {TARGET_RATIO:g}"],
            ["largest web worker resident (MB)", worst_rss, f"< {TARGET_RSS_MB:g}"],
        ]
        + [[f"  worker {pid} resident (MB)", mb, ""] for pid, mb in rss.items()],
    )
    say(
        f"{args.questions:,} questions, {visible:,} open in the employee's {args.granted} queues; gunicorn "
        f"{args.workers} workers; {generator.name}, {args.connections} connections, {args.duration:g} s each"
    )
    figures(
        questions=args.questions,
        open=args.open,
        visible_open=visible,
        generator=generator.name,
        connections=args.connections,
        seconds=args.duration,
        inbox_rps=inbox.per_second,
        inbox_p50_ms=inbox.p50_ms,
        inbox_p95_ms=inbox.p95_ms,
        inbox_p99_ms=inbox.p99_ms,
        inbox_not_ok=inbox.not_ok + inbox.socket_errors,
        bare_rps=bare.per_second,
        bare_p50_ms=bare.p50_ms,
        bare_p95_ms=bare.p95_ms,
        bare_p99_ms=bare.p99_ms,
        bare_not_ok=bare.not_ok + bare.socket_errors,
        ratio=ratio,
        worker_rss_mb=worst_rss,
    )


if __name__ == "__main__":
    main()
