"""The suite runs as production does (README, "Database roles"): the owner creates and migrates the test database,
the desk runs as the runtime role, and a superuser acts only where a test says so, on a connection of its own.

`make test` (scripts/run_tests.py) sets DATABASE_URL (the runtime role), DATABASE_OWNER_URL and
TEST_SUPERUSER_DATABASE_URL. Without DATABASE_OWNER_URL the suite runs as whoever DATABASE_URL names.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
import psycopg
from django.db import connection
from django.test.testcases import TransactionTestCase

OWNER_URL = os.environ.get("DATABASE_OWNER_URL", "")
SUPERUSER_URL = os.environ.get("TEST_SUPERUSER_DATABASE_URL", "")
AUDIT_TABLES = ("audit_auditentry", "audit_auditseal", "audit_auditcheckpoint")


def _credentials(url: str) -> dict[str, str]:
    parsed = dj_database_url.parse(url)
    return {"USER": parsed["USER"], "PASSWORD": parsed["PASSWORD"]}


RUNTIME = _credentials(os.environ["DATABASE_URL"]) if os.environ.get("DATABASE_URL") else {}
OWNER = _credentials(OWNER_URL) if OWNER_URL else {}


def use(credentials: dict[str, str]) -> None:
    """Make the default connection's next connect log in with `credentials` (closing the current one)."""
    if not credentials:
        return
    connection.close()
    connection.settings_dict.update(credentials)


@contextmanager
def as_owner() -> Iterator[None]:
    use(OWNER)
    try:
        yield
    finally:
        use(RUNTIME)


@contextmanager
def audit_truncation_allowed() -> Iterator[None]:
    """As the owner: switch the trail's TRUNCATE triggers off for the length of the block (Django's flush between
    transactional tests), and on again. A right of the tables' owner, which the runtime role is not."""
    if not OWNER or connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        for table in AUDIT_TABLES:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_no_truncate")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for table in AUDIT_TABLES:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_no_truncate")


_flush_between_tests = TransactionTestCase._fixture_teardown


def _fixture_teardown_as_owner(self) -> None:
    """Django empties the database after a transactional test with one TRUNCATE of every table: the owner does it,
    with the trail's TRUNCATE triggers off, as an operator would; the runtime role could not."""
    with as_owner(), audit_truncation_allowed():
        _flush_between_tests(self)


def install() -> None:
    if OWNER:
        TransactionTestCase._fixture_teardown = _fixture_teardown_as_owner


@contextmanager
def superuser_session(*, triggers: bool = True) -> Iterator[psycopg.Connection]:
    """A superuser's own connection to the test database, autocommit; `triggers=False` switches the append-only
    triggers off for this session only (session_replication_role, which only a superuser may set)."""
    with psycopg.connect(on_test_database(SUPERUSER_URL), autocommit=True) as session:
        if not triggers:
            session.execute("SET session_replication_role = replica")
        yield session


@contextmanager
def owner_session() -> Iterator[psycopg.Connection]:
    """The owner's own connection to the test database, autocommit."""
    with _session(OWNER_URL) as session:
        yield session


@contextmanager
def runtime_session() -> Iterator[psycopg.Connection]:
    """The runtime role's own connection to the test database (what an attacker with DATABASE_URL holds)."""
    with _session(os.environ["DATABASE_URL"]) as session:
        yield session


def on_test_database(role_url: str) -> str:
    """`role_url` (a role's URL on the main database) pointed at the current test database instead."""
    parts = urlsplit(role_url)
    return urlunsplit(parts._replace(path=f"/{connection.settings_dict['NAME']}"))


def owner_database_url() -> str:
    """The owner on the test database: what may lock a table, or add a trigger, when a test needs one."""
    return on_test_database(OWNER_URL or os.environ["DATABASE_URL"])


@contextmanager
def _session(role_url: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(on_test_database(role_url), autocommit=True) as session:
        yield session


@contextmanager
def audit_inserts_fail() -> Iterator[None]:
    """Until the block ends, every INSERT into the audit trail fails inside the database (a trigger the owner adds
    and drops again): a real failure of the audit insert, however the recorder inserts. For transactional tests,
    since the trigger is committed."""
    with psycopg.connect(owner_database_url(), autocommit=True) as owner:
        owner.execute(
            "CREATE FUNCTION refuse_audit_entry() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'audit table unavailable'; END $$"
        )
        owner.execute(
            "CREATE TRIGGER refuse_audit_entry BEFORE INSERT ON audit_auditentry "
            "FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_entry()"
        )
        try:
            yield
        finally:
            owner.execute("DROP TRIGGER refuse_audit_entry ON audit_auditentry")
            owner.execute("DROP FUNCTION refuse_audit_entry()")
