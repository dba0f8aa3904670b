"""The claim/release load shared by bench/claims.py and bench/audit.py.

A crew of worker processes (not threads: the GIL would measure Python, not the desk), one employee each, made
through the services as a real desk would be. In each timed phase every worker picks a random open question of
its queues, claims it through `inbox.claims.claim` (AlreadyClaimed is a normal outcome and is counted) and gives
it back through `inbox.claims.release`. The crew stays alive between phases, so that spawning 32 Django
processes is paid once per script, not once per phase.
"""

import multiprocessing as mp
import os
import queue as queue_module
import random
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass

from common import maintain, reset_desk_tables, say, seed_questions

ADMIN_NUMBER = "BENCHADMIN"
EMPLOYEE_PREFIX = "B"
QUEUE_PREFIX = "bench claims"
QUEUES_PER_EMPLOYEE = 5
PASSWORD = "bench-" + "p" * 20
# Spawned workers start their timed loop together this long after the command is sent.
START_DELAY_SECONDS = 1.0
PROGRESS_EVERY_SECONDS = 5.0
WARM_UP_CLAIMS = 5
PARENT_CHECK_SECONDS = 5.0
CLAIMED = "inbox.question.claimed"
RELEASED = "inbox.question.released"


@dataclass(frozen=True)
class Cast:
    employee_ids: list[int]
    employee_numbers: list[str]
    queue_ids: list[int]


@dataclass(frozen=True)
class PhaseResult:
    name: str
    seconds: float
    claims: int
    refused: int
    # Claims that returned after the deadline: in the trail, not in the rate.
    late_claims: int
    # CPU the worker processes used in the phase: where the time went on a machine with few cores.
    worker_cpu_seconds: float
    sealed: int = 0
    sealer_runs: int = 0

    @property
    def claims_per_second(self) -> float:
        return self.claims / self.seconds

    @property
    def worker_cpu_ms_per_claim(self) -> float:
        # Includes the release that follows each claim, and the refused attempts.
        return 1000 * self.worker_cpu_seconds / max(1, self.claims + self.late_claims)


def employee_number(slot: int) -> str:
    return f"{EMPLOYEE_PREFIX}{slot + 1:03}"


def queues_of(slot: int, queue_ids: Sequence[int]) -> list[int]:
    """Overlapping windows of queues, so that neighbouring workers compete for the same questions."""
    count = min(QUEUES_PER_EMPLOYEE, len(queue_ids))
    return [queue_ids[(slot * 3 + offset) % len(queue_ids)] for offset in range(count)]


def prepare_queues(count: int) -> list[int]:
    """The benchmark's queues, created through the settings service when missing (kept between runs)."""

    from inbox import configuration
    from inbox.models import Queue

    ids = []
    for n in range(1, count + 1):
        name = f"{QUEUE_PREFIX} {n:02}"
        existing = Queue.objects.filter(name=name).first()
        if existing is None:
            existing = configuration.save_setting(Queue(name=name, description="benchmark"), actor=None)
        ids.append(existing.pk)
    return ids


def prepare_cast(workers: int, queue_ids: Sequence[int]) -> Cast:
    """An administrator and one approved employee per worker, each granted exactly its window of queues.

    Employees outlive reset_desk_tables, so a rerun reuses them and only adjusts their grants.
    """
    from accounts import services
    from accounts.models import Employee, Role
    from inbox.access import queues_for
    from inbox.models import Queue

    admin = Employee.objects.filter(employee_number=ADMIN_NUMBER).first() or Employee.objects.create_superuser(
        employee_number=ADMIN_NUMBER, email="bench-admin@example.com", password=PASSWORD
    )
    queues = {queue.pk: queue for queue in Queue.objects.filter(pk__in=queue_ids)}
    ids, numbers = [], []
    for slot in range(workers):
        number = employee_number(slot)
        wanted = queues_of(slot, queue_ids)
        employee = Employee.objects.filter(employee_number=number).first()
        if employee is None:
            person = Employee(employee_number=number, email=f"{number.lower()}@example.com")
            person.set_password(PASSWORD)
            employee = services.approve_employee(
                services.register_employee(person), actor=admin, role=Role.EMPLOYEE, queues=[queues[q] for q in wanted]
            )
        else:
            granted = set(queues_for(employee).values_list("pk", flat=True))
            for queue_id in set(wanted) - granted:
                services.grant_queue(employee, queues[queue_id], actor=admin)
            for queue in queues_for(employee).exclude(pk__in=wanted):
                services.revoke_queue(employee, queue, actor=admin)
        ids.append(employee.pk)
        numbers.append(number)
    return Cast(employee_ids=ids, employee_numbers=numbers, queue_ids=list(queue_ids))


def prepare_claim_desk(questions: int, open_count: int, queue_count: int, workers: int) -> tuple[list[int], Cast]:
    """Empty desk, `questions` seeded in `queue_count` queues, one employee per worker: what both claim benches
    start from."""
    say("Emptying questions and the audit trail")
    reset_desk_tables()
    queue_ids = prepare_queues(queue_count)
    say(f"Seeding {questions:,} questions ({open_count:,} open) in {queue_count} queues")
    seed_questions(questions, open_count=open_count, queue_ids=queue_ids)
    say(f"Preparing {workers} employees through the account services")
    return queue_ids, prepare_cast(workers, queue_ids)


def release_all_claims() -> int:
    """Free every held question, so that each phase (and each baseline) starts from the same state."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE inbox_question SET holder_id = NULL, claimed_at = NULL, lease_ends = NULL, claim_token = NULL "
            "WHERE holder_id IS NOT NULL"
        )
        return cursor.rowcount


def vacuum_questions() -> None:
    """Dead row versions left by the phase before would slow the next one down (as the superuser: the runtime
    role owns no table, and PostgreSQL would skip it)."""
    maintain("VACUUM (ANALYZE) inbox_question")


def double_claims_since(entry_id: int) -> dict[str, int]:
    """Read the trail, not the service, to catch two holders at once.

    Per question, in sequence order, a claim must follow a release (or nothing); a claim right after another
    employee's claim means both held the question at the same time. Ids reflect the order of the row lock:
    each claim and release inserts its entry after its conditional UPDATE, inside the same transaction.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH ordered AS (
                SELECT action, actor_number,
                       lag(action) OVER per_question AS previous_action,
                       lag(actor_number) OVER per_question AS previous_actor
                FROM audit_auditentry
                WHERE id > %(after)s AND target_type = 'inbox.question' AND action IN (%(claimed)s, %(released)s)
                WINDOW per_question AS (PARTITION BY target_id ORDER BY id)
            )
            SELECT
                count(*) FILTER (WHERE action = %(claimed)s),
                count(*) FILTER (WHERE action = %(claimed)s AND previous_action = %(claimed)s
                                   AND previous_actor <> actor_number),
                count(*) FILTER (WHERE action = %(released)s AND (previous_action IS DISTINCT FROM %(claimed)s
                                   OR previous_actor <> actor_number))
            FROM ordered
            """,
            {"after": entry_id, "claimed": CLAIMED, "released": RELEASED},
        )
        claimed, doubles, stray_releases = cursor.fetchone()
    return {"claimed_entries": claimed, "double_claims": doubles, "stray_releases": stray_releases}


def last_entry_id() -> int:
    from audit.models import AuditEntry

    return AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _django_setup() -> None:
    # The environment (bench_env) was inherited from the parent; migrations already ran there.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "replydesk.settings")
    import django

    django.setup()


def _no_record(*args: object, **kwargs: object) -> None:
    """Stands in for audit.recorder.record in the phase without the trail."""


def _next_command(commands, parent: int) -> tuple | None:
    """The next phase, or None to stop; also None once the parent is gone, so that no worker outlives a killed run."""
    while True:
        try:
            return commands.get(timeout=PARENT_CHECK_SECONDS)
        except queue_module.Empty:
            if os.getppid() != parent:
                return None


def _worker_main(slot: int, employee_id: int, queue_ids: list[int], commands, results, progress) -> None:
    parent = os.getppid()
    try:
        _django_setup()
        from accounts.models import Employee
        from audit import recorder
        from inbox import claims
        from inbox.errors import AlreadyClaimed
        from inbox.models import Customer, Question

        actor = Employee.objects.get(pk=employee_id)
        rows = list(
            Question.objects.filter(status=Question.Status.OPEN, queue_id__in=queue_ids).values_list(
                "pk", "queue_id", "customer_id"
            )
        )
        # As the desk's pages hand the service a question loaded with its customer (the entry's label names it).
        customers = Customer.objects.in_bulk({customer_id for _pk, _queue, customer_id in rows})
        open_questions = [(pk, queue_id, customers[customer_id]) for pk, queue_id, customer_id in rows]
        if not open_questions:
            raise RuntimeError(f"worker {slot}: no open question in queues {queue_ids}")
        real_record = recorder.record
        # The first claims of a fresh process pay for lazy imports, translations and query compilation: kept out
        # of the timed phases (their entries are valid claims and releases all the same).
        for pk, queue_id, customer in random.sample(open_questions, min(WARM_UP_CLAIMS, len(open_questions))):
            question = Question(pk=pk, queue_id=queue_id, customer=customer)
            try:
                claims.claim(question, actor=actor)
            except AlreadyClaimed:
                continue
            claims.release(question, actor=actor)
        results.put(("ready", slot, len(open_questions)))
        while (command := _next_command(commands, parent)) is not None:
            trail, start_at, deadline = command
            # claims.py looks the recorder up at call time (`recorder.record(...)`), so this reaches it.
            recorder.record = real_record if trail else _no_record
            progress[slot] = 0
            claimed = refused = late = 0
            time.sleep(max(0.0, start_at - time.monotonic()))
            cpu_at_start = time.process_time()
            while time.monotonic() < deadline:
                pk, queue_id, customer = random.choice(open_questions)
                # The id, queue and customer are all claim() reads; loading the row first would add a query that
                # is not part of the claim service.
                question = Question(pk=pk, queue_id=queue_id, customer=customer)
                try:
                    claims.claim(question, actor=actor)
                except AlreadyClaimed:
                    refused += 1
                    continue
                if time.monotonic() < deadline:
                    claimed += 1
                    progress[slot] = claimed
                else:
                    late += 1
                claims.release(question, actor=actor)
            results.put(("done", slot, claimed, refused, late, time.process_time() - cpu_at_start))
    except Exception:
        results.put(("error", slot, traceback.format_exc()))


def _sealer_main(interval: float, stop, results) -> None:
    try:
        _django_setup()
        from audit import sealer

        sealed = runs = 0
        results.put(("ready", -1, 0))
        parent = os.getppid()
        while not stop.is_set() and os.getppid() == parent:
            sealed += sealer.seal_pending()
            runs += 1
            stop.wait(interval)
        results.put(("sealed", -1, sealed, runs))
    except Exception:
        results.put(("error", -1, traceback.format_exc()))


class ClaimCrew:
    """`with ClaimCrew(cast) as crew: crew.run_phase(...)`: the worker processes, started once."""

    def __init__(self, cast: Cast) -> None:
        self.cast = cast
        self.context = mp.get_context("spawn")
        self.results = self.context.Queue()
        self.progress = self.context.Array("q", len(cast.employee_ids), lock=False)
        self.commands = [self.context.Queue() for _ in cast.employee_ids]
        self.processes: list = []

    def __enter__(self) -> "ClaimCrew":
        from django.db import connections

        # Nothing of the parent's connections may leak into the children.
        connections.close_all()
        count = len(self.cast.employee_ids)
        say(f"Starting {count} worker processes (each sets Django up; slow on 2 cores)")
        for slot, employee_id in enumerate(self.cast.employee_ids):
            process = self.context.Process(
                target=_worker_main,
                args=(
                    slot,
                    employee_id,
                    queues_of(slot, self.cast.queue_ids),
                    self.commands[slot],
                    self.results,
                    self.progress,
                ),
                daemon=True,
            )
            process.start()
            self.processes.append(process)
        for ready in range(1, count + 1):
            self._expect("ready", timeout=300)
            if ready % 8 == 0 or ready == count:
                say(f"  {ready} / {count} workers ready")
        return self

    def __exit__(self, *exc_info: object) -> None:
        for commands in self.commands:
            commands.put(None)
        for process in self.processes:
            process.join(timeout=30)
        for process in self.processes:
            if process.is_alive():
                process.terminate()
                process.join(timeout=10)

    def _expect(self, kind: str, *, timeout: float) -> tuple:
        try:
            message = self.results.get(timeout=timeout)
        except queue_module.Empty:
            raise RuntimeError(f"no {kind!r} message from the workers within {timeout:.0f} s") from None
        if message[0] == "error":
            raise RuntimeError(f"worker {message[1]} failed:\n{message[2]}")
        if message[0] != kind:
            raise RuntimeError(f"expected {kind!r} from the workers, got {message!r}")
        return message

    def run_phase(
        self, name: str, *, seconds: float, trail: bool = True, seal_every: float | None = None
    ) -> PhaseResult:
        """One timed phase; `trail=False` swaps the recorder for a no-op in every worker; `seal_every` runs the
        sealer in its own process at that interval for the length of the phase."""
        sealer = stop = None
        if seal_every is not None:
            stop = self.context.Event()
            sealer = self.context.Process(target=_sealer_main, args=(seal_every, stop, self.results), daemon=True)
            sealer.start()
            self._expect("ready", timeout=120)
        try:
            start_at = time.monotonic() + START_DELAY_SECONDS
            deadline = start_at + seconds
            for commands in self.commands:
                commands.put((trail, start_at, deadline))
            time.sleep(START_DELAY_SECONDS)
            while (left := deadline - time.monotonic()) > 0:
                time.sleep(min(PROGRESS_EVERY_SECONDS, left))
                elapsed = min(seconds, time.monotonic() - start_at)
                claims = sum(self.progress)
                say(f"  {name}: {elapsed:4.0f} s, {claims:,} claims, {claims / elapsed:,.0f}/s")
            claims = refused = late = 0
            cpu_seconds = 0.0
            for _ in self.processes:
                _kind, _slot, claimed, refused_here, late_here, cpu_here = self._expect("done", timeout=120)
                claims += claimed
                refused += refused_here
                late += late_here
                cpu_seconds += cpu_here
        finally:
            # Also on a failed phase: the sealer must not run on after it.
            if stop is not None:
                stop.set()
        sealed = sealer_runs = 0
        if sealer is not None:
            _kind, _slot, sealed, sealer_runs = self._expect("sealed", timeout=300)
            sealer.join(timeout=30)
        result = PhaseResult(
            name=name,
            seconds=seconds,
            claims=claims,
            refused=refused,
            late_claims=late,
            worker_cpu_seconds=cpu_seconds,
            sealed=sealed,
            sealer_runs=sealer_runs,
        )
        say(
            f"  {name}: {result.claims_per_second:,.1f} claims/s, {refused:,} refused; "
            f"workers' CPU {result.worker_cpu_ms_per_claim:.1f} ms per claim (with its release)"
            + (f"; sealer: {sealed:,} sealed in {sealer_runs} runs" if sealer is not None else "")
        )
        return result
