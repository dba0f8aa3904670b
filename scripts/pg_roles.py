"""The two database roles of a desk (README, "Database roles"), made where we hold a PostgreSQL superuser: the
test cluster of `make test` and the benchmarks' database. Production makes them once: docker-compose's init
script (scripts/postgres-init/10-roles.sh) or the SQL in the README.

- the owner runs `migrate` and owns the tables (CREATEDB here, so that the tests can make their database);
- the runtime role is what web, worker and beat connect as: it owns nothing, and `migrate` grants it the rest.
"""

import contextlib
from urllib.parse import quote, urlsplit, urlunsplit

OWNER = "replydesk_owner"
RUNTIME = "replydesk_app"
# Roles of a test or benchmark cluster only; production sets its own (README).
PASSWORD = "replydesk-local-only"


def role_url(superuser_url: str, role: str, *, password: str = PASSWORD, database: str | None = None) -> str:
    """`superuser_url` with the role (and its password) in place of the superuser, and optionally another database."""
    parts = urlsplit(superuser_url)
    host = parts.hostname or "127.0.0.1"
    netloc = f"{quote(role)}:{quote(password)}@{host}" + (f":{parts.port}" if parts.port else "")
    path = f"/{database}" if database is not None else parts.path
    return urlunsplit((parts.scheme, netloc, path, parts.query, parts.fragment))


def ensure_roles(superuser_url: str, *, password: str = PASSWORD) -> None:
    """Create the owner and the runtime role when missing; neither is a superuser, and only the owner may create
    databases. Existing roles keep their password (another run may be connected with it)."""
    import psycopg
    from psycopg import sql

    maintenance = urlunsplit(urlsplit(superuser_url)._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        for role, create_db in ((OWNER, True), (RUNTIME, False)):
            if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone():
                conn.execute(
                    sql.SQL("ALTER ROLE {} NOSUPERUSER NOCREATEROLE NOBYPASSRLS {}").format(
                        sql.Identifier(role), sql.SQL("CREATEDB" if create_db else "NOCREATEDB")
                    )
                )
                continue
            # Another run may make it at the same moment.
            with contextlib.suppress(psycopg.errors.DuplicateObject):
                conn.execute(
                    sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEROLE NOBYPASSRLS {} PASSWORD {}").format(
                        sql.Identifier(role), sql.SQL("CREATEDB" if create_db else "NOCREATEDB"), sql.Literal(password)
                    )
                )
