"""Shared by the benchmarks (README, "Benchmarks"): a database of their own on the real PostgreSQL, production
settings, seeding done inside the database (INSERT … SELECT generate_series), progress lines, the result
table and the closing line of key=value figures.

Each benchmark imports this first: `from common import bench_setup, say, ...` (bench/ is on sys.path when a
script in it runs).
"""

import os
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/replydesk_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)


def bench_env() -> dict[str, str]:
    """The environment of the desk under measurement: production settings, the benchmark's own database."""
    return {
        "DATABASE_URL": database_url(),
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL),
        "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY", "bench-only-" + "k" * 50),
        "DEBUG": "false",
        "HTTPS": "false",
        "DEMO_MODE": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_CONN_MAX_AGE": "600",
        "LOG_LEVEL": "WARNING",
        "REPLYDESK_VAR_DIR": str(ROOT / "var" / "bench"),
    }


def _create_database_if_missing(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            say(f"Creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')


def bench_setup() -> None:
    """Point Django at the benchmark database (created and migrated when needed) and set it up."""
    os.environ.update(bench_env())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "replydesk.settings")
    _create_database_if_missing(database_url())
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def psql_conninfo() -> str:
    return database_url()


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
    """Empty questions, replies, customers and the audit trail (whose TRUNCATE needs the maintenance flag)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET replydesk.audit_maintenance = 'on'")
        cursor.execute(
            "TRUNCATE inbox_overduenotice, inbox_reply, inbox_post, inbox_question, inbox_customer, "
            "audit_auditseal, audit_auditentry RESTART IDENTITY CASCADE"
        )
        cursor.execute("RESET replydesk.audit_maintenance")


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
                    answered_at)
                SELECT (%(queues)s::bigint[])[1 + n %% %(queue_count)s], %(customer)s,
                    CASE WHEN n <= %(answered)s THEN 'answered' ELSE 'open' END,
                    n %% 4, 'b' || n, 'b' || n, 'b' || n, 1,
                    now() - make_interval(secs => %(total)s - n), now(), now() - make_interval(secs => %(total)s - n),
                    CASE WHEN n > %(answered)s AND n <= %(answered)s + %(overdue)s
                         THEN now() - interval '1 minute' ELSE now() + interval '1 day' END,
                    now() + interval '2 days', 0,
                    CASE WHEN n <= %(answered)s THEN now() ELSE NULL END
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
        cursor.execute("ANALYZE inbox_question")
