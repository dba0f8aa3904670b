"""Shared by the benchmarks (README, "Benchmarks"): a database of their own on the real PostgreSQL, production
settings, seeding done inside the database (INSERT … SELECT generate_series), progress lines, the result
table and the closing line of key=value figures.

Each benchmark imports this first: `from common import bench_setup, say, ...` (bench/ is on sys.path when a
script in it runs).

Roles, as production runs (README, "Database roles"): BENCH_DATABASE_URL names a PostgreSQL *superuser*, which
bench_setup uses to make the desk's two roles (scripts/pg_roles.py) and the benchmark database, owned by the
owner. `migrate` runs as the owner (granting the runtime role its privileges); the desk under measurement (this
process's Django connection, and through bench_env() gunicorn and the worker processes) connects as the runtime
role, which owns nothing and may only SELECT and INSERT on the audit trail. What the runtime role may not do
(TRUNCATE, VACUUM, ANALYZE, CHECKPOINT) goes through `maintenance()`: a superuser connection of its own, as an
operator's. The raw-PostgreSQL baselines (pgbench) also connect as the superuser.
"""

import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
# Last on the path, so that nothing in it can shadow a package.
SCRIPTS = ROOT / "scripts"
if str(SCRIPTS) not in sys.path:
    sys.path.append(str(SCRIPTS))

import pg_roles  # noqa: E402  (scripts/, on sys.path above)

if TYPE_CHECKING:
    import psycopg

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/replydesk_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
# The trail's tables (the append-only triggers are on the first three).
AUDIT_TABLES = ("audit_auditseal", "audit_auditentry", "audit_auditcheckpoint", "audit_auditverification")


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def superuser_url() -> str:
    """BENCH_DATABASE_URL: a superuser on the benchmark database; for setup, maintenance and pgbench only."""
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)


def database_name() -> str:
    return unquote(urlsplit(superuser_url()).path.lstrip("/"))


def owner_url() -> str:
    """The owner on the benchmark database: what runs `migrate`."""
    return pg_roles.role_url(superuser_url(), pg_roles.OWNER)


def runtime_url() -> str:
    """The runtime role on the benchmark database: what the desk under measurement connects as."""
    return pg_roles.role_url(superuser_url(), pg_roles.RUNTIME)


def anchor_file() -> Path:
    """The sealer's anchor file of this benchmark database's trail (emptied with the trail)."""
    return ROOT / "var" / "bench" / f"audit-anchors-{database_name()}.jsonl"


def bench_env() -> dict[str, str]:
    """The environment of the desk under measurement: production settings, the benchmark's own database, as the
    runtime role."""
    return {
        "DATABASE_URL": runtime_url(),
        "DATABASE_RUNTIME_ROLE": pg_roles.RUNTIME,
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL),
        "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY", "bench-only-" + "k" * 50),
        "DEBUG": "false",
        "HTTPS": "false",
        "DEMO_MODE": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_CONN_MAX_AGE": "600",
        "LOG_LEVEL": "WARNING",
        "REPLYDESK_VAR_DIR": str(ROOT / "var" / "bench"),
        "AUDIT_ANCHOR_FILE": str(anchor_file()),
    }


def _on_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def _prepare_database() -> None:
    """As the superuser: the benchmark database, owned by the owner, reachable by the runtime role, as the README's
    SQL makes a desk's. A database an earlier version made as the superuser is handed to the owner with every
    object in it (see _adopt_objects), so that the owner can migrate it."""
    import psycopg
    from psycopg import sql

    name = database_name()
    if not name or name == "postgres":
        sys.exit(f"BENCH_DATABASE_URL must name a database of the benchmarks' own, not {name!r}")
    database = sql.Identifier(name)
    owner, runtime = sql.Identifier(pg_roles.OWNER), sql.Identifier(pg_roles.RUNTIME)
    with psycopg.connect(_on_database(superuser_url(), "postgres"), autocommit=True) as conn:
        row = conn.execute("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", [name]).fetchone()
        if row is None:
            say(f"Creating database {name} (owner {pg_roles.OWNER})")
            # Another run may make it at the same moment.
            with suppress(psycopg.errors.DuplicateDatabase):
                conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(database, owner))
        elif row[0] != pg_roles.OWNER:
            say(f"Database {name} is owned by {row[0]}: handing it and its objects to {pg_roles.OWNER}")
            conn.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(database, owner))
        conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(database))
        conn.execute(sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(database, runtime))
    with psycopg.connect(superuser_url(), autocommit=True) as conn:
        conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        conn.execute(sql.SQL("ALTER SCHEMA public OWNER TO {}").format(owner))
        conn.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(runtime))
        adopted = _adopt_objects(conn)
        if adopted:
            say(f"  {adopted} tables, sequences and functions handed to {pg_roles.OWNER}")


def _adopt_objects(conn: "psycopg.Connection") -> int:
    """Every table, view, sequence and function of the public schema not owned by the owner (made by a superuser
    before the desk had roles) becomes the owner's; migrate then applies what is new and grants the runtime role."""
    from psycopg import sql

    owner = sql.Identifier(pg_roles.OWNER)
    kinds = {"r": "TABLE", "p": "TABLE", "f": "FOREIGN TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW", "S": "SEQUENCE"}
    count = 0
    # Tables first: a sequence owned by a column (serial, identity) follows its table and cannot be altered alone.
    for relkinds in (("r", "p", "f", "v", "m"), ("S",)):
        rows = conn.execute(
            "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind = ANY(%s) AND pg_get_userbyid(c.relowner) <> %s",
            [list(relkinds), pg_roles.OWNER],
        ).fetchall()
        for relname, relkind in rows:
            conn.execute(
                sql.SQL("ALTER {} {} OWNER TO {}").format(sql.SQL(kinds[relkind]), sql.Identifier(relname), owner)
            )
            count += 1
    functions = conn.execute(
        "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "LEFT JOIN pg_depend d ON d.objid = p.oid AND d.deptype = 'e' "
        "WHERE n.nspname = 'public' AND d.objid IS NULL AND pg_get_userbyid(p.proowner) <> %s",
        [pg_roles.OWNER],
    ).fetchall()
    for (signature,) in functions:
        # regprocedure's text is the function's name and argument types, already quoted where needed.
        conn.execute(sql.SQL("ALTER ROUTINE {} OWNER TO {}").format(sql.SQL(signature), owner))
        count += 1
    return count


def _migrate_as_owner() -> None:
    """`manage.py migrate` as the owner, in a process of its own as an operator runs it; its post_migrate handler
    grants DATABASE_RUNTIME_ROLE what the desk needs."""
    env = {
        **os.environ,
        **bench_env(),
        "DATABASE_URL": owner_url(),
        "DJANGO_SETTINGS_MODULE": "replydesk.settings",
    }
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--verbosity", "0"], cwd=ROOT, env=env, check=False
    )
    if result.returncode != 0:
        sys.exit(
            f"migrate as {pg_roles.OWNER} failed ({result.returncode}); if {database_name()} was made by an older "
            "version, drop it and rerun (it is created again)"
        )


def bench_setup() -> None:
    """Make the roles and the benchmark database (when needed), migrate it as the owner, then point this
    process's Django, and bench_env() the desk's processes, at it as the runtime role."""
    superuser = urlsplit(superuser_url()).username
    say(
        f"Database {database_name()}: roles {pg_roles.OWNER} (migrate) and {pg_roles.RUNTIME} (the desk), "
        f"made by {superuser}"
    )
    pg_roles.ensure_roles(superuser_url())
    _prepare_database()
    _migrate_as_owner()
    os.environ.update(bench_env())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "replydesk.settings")
    import django

    django.setup()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)")
        user, is_superuser = cursor.fetchone()
    if user != pg_roles.RUNTIME or is_superuser:
        sys.exit(f"the desk connected as {user!r} (superuser: {is_superuser}), not as {pg_roles.RUNTIME}")


@contextmanager
def maintenance(*, triggers: bool = True) -> Iterator["psycopg.Connection"]:
    """A superuser's own connection to the benchmark database, autocommit: an operator's session for what the
    runtime role may not do (TRUNCATE, VACUUM, ANALYZE, CHECKPOINT). `triggers=False` switches the append-only
    triggers off for this session only (session_replication_role, which only a superuser may set)."""
    import psycopg

    with psycopg.connect(superuser_url(), autocommit=True) as session:
        if not triggers:
            session.execute("SET session_replication_role = replica")
        yield session


def maintain(*statements: str) -> None:
    """Run maintenance statements (VACUUM, ANALYZE, CHECKPOINT) in order, as the superuser."""
    with maintenance() as session:
        for statement in statements:
            session.execute(statement)


def load_inbox_bench():
    """bench/inbox.py's gunicorn, sign-in and load-generator helpers, for the benchmarks that serve pages. Loaded by
    path: as a module named "inbox" it would be shadowed by the desk's app of that name (the project root comes
    first on sys.path)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_inbox", Path(__file__).resolve().parent / "inbox.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def stop_process(process: subprocess.Popen, *, grace_seconds: float = 30) -> None:
    """SIGTERM, then SIGKILL if it has not exited after `grace_seconds`: what every benchmark does with the servers
    and workers it started."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace_seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def timed() -> Iterator[dict]:
    """`with timed() as t: ...` then t["seconds"]."""
    result: dict = {}
    start = time.perf_counter()
    try:
        yield result
    finally:
        result["seconds"] = time.perf_counter() - start


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[str(h) for h in headers]] + [[_cell(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    print()
    print("| " + " | ".join(h.ljust(w) for h, w in zip(cells[0], widths, strict=True)) + " |")
    print("| " + " | ".join("-" * w for w in widths) + " |")
    for row in cells[1:]:
        print("| " + " | ".join(v.rjust(w) for v, w in zip(row, widths, strict=True)) + " |")
    print(flush=True)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}" if value >= 100 else f"{value:,.3g}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def figures(**values: object) -> None:
    """The last line of every benchmark: key=value pairs, machine-readable."""
    print(" ".join(f"{key}={_figure(value)}" for key, value in values.items()), flush=True)


def _figure(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def reset_desk_tables() -> None:
    """Empty questions, replies, customers and the audit trail, as the superuser with the trail's append-only
    triggers off for that session; the trail's anchor file goes with it (a new trail begins)."""
    tables = ", ".join(
        ("inbox_overduenotice", "inbox_reply", "inbox_post", "inbox_question", "inbox_customer", *AUDIT_TABLES)
    )
    with maintenance(triggers=False) as session:
        session.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    anchor_file().unlink(missing_ok=True)


def reset_trail(*, restart_identity: bool = True) -> None:
    """Empty the audit trail only (entries, seals, checkpoints, verifications) and its anchor file."""
    restart = " RESTART IDENTITY" if restart_identity else ""
    with maintenance(triggers=False) as session:
        session.execute(f"TRUNCATE {', '.join(AUDIT_TABLES)}{restart}")
    anchor_file().unlink(missing_ok=True)


def seed_questions(
    total: int,
    *,
    open_count: int,
    queue_ids: Sequence[int],
    overdue: int = 0,
    chunk: int = 100_000,
) -> None:
    """`total` questions spread over `queue_ids`, of which the newest `open_count` are open (the rest answered),
    and `overdue` of the open ones past their service level (due a minute ago; the others due tomorrow).
    Generated in the database, in chunks, with progress."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO inbox_customer (network_id, handle, name, first_seen_at) "
            "VALUES ('1', 'bench', '', now()) ON CONFLICT DO NOTHING"
        )
        cursor.execute("SELECT id FROM inbox_customer WHERE network_id = '1'")
        customer_id = cursor.fetchone()[0]
        answered = total - open_count
        for start in range(1, total + 1, chunk):
            end = min(start + chunk - 1, total)
            cursor.execute(
                """
                INSERT INTO inbox_question (queue_id, customer_id, status, priority, source_post_id, conversation_id,
                    last_post_id, round, created_at, received_at, waiting_since, due_at, warn_at, overdue,
                    answered_at, asked_text, version, search_text, awaiting_approval)
                SELECT (%(queues)s::bigint[])[1 + n %% %(queue_count)s], %(customer)s,
                    CASE WHEN n <= %(answered)s THEN 'answered' ELSE 'open' END,
                    n %% 4, 'b' || n, 'b' || n, 'b' || n, 1,
                    now() - make_interval(secs => %(total)s - n), now(), now() - make_interval(secs => %(total)s - n),
                    CASE WHEN n > %(answered)s AND n <= %(answered)s + %(overdue)s
                         THEN now() - interval '1 minute' ELSE now() + interval '1 day' END,
                    now() + interval '2 days', 0,
                    CASE WHEN n <= %(answered)s THEN now() ELSE NULL END,
                    'Where is my order ' || n || '?', 1, '@bench where is my order ' || n || '?', false
                FROM generate_series(%(start)s, %(end)s) AS n
                """,
                {
                    "customer": customer_id,
                    "queues": list(queue_ids),
                    "queue_count": len(queue_ids),
                    "answered": answered,
                    "overdue": overdue,
                    "total": total,
                    "start": start,
                    "end": end,
                },
            )
            say(f"  {end:,} / {total:,} questions")
    maintain("ANALYZE inbox_question")
