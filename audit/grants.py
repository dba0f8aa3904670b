"""What the desk's runtime database role may do, and the refusal to run as a superuser.

Two roles on PostgreSQL (README, "Database roles"): the owner runs `migrate` and owns every table; the runtime
role, which web, worker and beat connect as, owns nothing. After every `migrate` (post_migrate) the owner grants
the runtime role what the desk needs: reading and writing the desk's tables, but on the audit trail's tables and
the desk's other records only SELECT and INSERT. Owning nothing, the runtime role cannot switch the append-only
triggers off, drop them, replace their function or grant itself more.
"""

import logging

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

logger = logging.getLogger(__name__)

# Every table of the audit app is a record: inserted, read, never changed.
AUDIT_TABLE_PREFIX = "audit_"
# Django's record of applied migrations: the runtime role reads it, only the owner migrates.
READ_ONLY_TABLES = frozenset({"django_migrations"})
# The desk's other records, which their triggers keep from being changed or removed: the runtime role only reads and
# adds them (a published version of the guidelines and its acceptances, the numbers ever issued, the public check's
# "how to recognise us" versions).
RECORD_TABLES = frozenset(
    {
        "guidelines_guidelinesversion",
        "guidelines_guidelinesacknowledgement",
        "accounts_issuedemployeenumber",
        "verification_recognitionguide",
    }
)


def runtime_role() -> str:
    return settings.DATABASE_RUNTIME_ROLE


def grant_runtime_role(connection: BaseDatabaseWrapper, role: str) -> int:
    """Give `role` exactly the privileges the desk needs on every table of the schema; returns the tables granted.

    Run by the owner (it owns the tables); idempotent, so it runs after every migrate and the grants follow
    every table a migration adds.
    """
    quoted_role = connection.ops.quote_name(role)
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor, include_views=False)
        for table in tables:
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"REVOKE ALL ON {quoted} FROM {quoted_role}")
            if table in READ_ONLY_TABLES:
                privileges = "SELECT"
            elif table.startswith(AUDIT_TABLE_PREFIX) or table in RECORD_TABLES:
                privileges = "SELECT, INSERT"
            else:
                privileges = "SELECT, INSERT, UPDATE, DELETE"
            cursor.execute(f"GRANT {privileges} ON {quoted} TO {quoted_role}")
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted_role}")
    return len(tables)


def grant_after_migrate(sender, using: str = "default", **kwargs) -> None:
    """post_migrate: the owner has just migrated; hand the runtime role its privileges on what now exists."""
    connection = connections[using]
    role = runtime_role()
    if connection.vendor != "postgresql" or not role:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        (current,) = cursor.fetchone()
    if current == role:
        raise ImproperlyConfigured(
            f"migrate ran as the runtime role {role!r}: it would own the tables and could rewrite the audit trail. "
            "Run migrate with the owner's DATABASE_URL (README, 'Database roles')."
        )
    granted = grant_runtime_role(connection, role)
    logger.info("Granted the runtime role %s its privileges on %d tables", role, granted)


SUPERUSER_REFUSED = "replydesk.E004"


def connected_as_superuser(connection: BaseDatabaseWrapper) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
    return bool(row and row[0])


def refuse_superuser_connection(sender, connection: BaseDatabaseWrapper, **kwargs) -> None:
    """connection_created, in production: a superuser bypasses every protection of the trail, so the desk
    refuses to run as one (the tests' and the operators' superuser sessions do not go through Django)."""
    if connection.vendor != "postgresql" or settings.EMBEDDED:
        return
    if connected_as_superuser(connection):
        user = connection.settings_dict.get("USER")
        connection.close()
        # Named by the check's id too: `check --database` runs its checks in no fixed order, and another check that
        # reaches the database first meets this refusal instead of desk_role_is_no_superuser's report.
        raise ImproperlyConfigured(
            f"{SUPERUSER_REFUSED}: The desk connected to PostgreSQL as the superuser {user!r}. Connect as the runtime "
            "role (web, worker, beat) or the owner (migrate), neither a superuser (README, 'Database roles')."
        )


@register(Tags.database, Tags.security)
def desk_role_is_no_superuser(app_configs, databases=None, **kwargs) -> list[Error]:
    """`check --database default` (and migrate) in production: the role in DATABASE_URL is no superuser."""
    errors = []
    for alias in databases or ():
        connection = connections[alias]
        if connection.vendor != "postgresql" or settings.EMBEDDED:
            continue
        try:
            superuser = connected_as_superuser(connection)
        except ImproperlyConfigured as refused:
            errors.append(Error(str(refused).removeprefix(f"{SUPERUSER_REFUSED}: "), id=SUPERUSER_REFUSED))
            continue
        if superuser:
            errors.append(
                Error(
                    f"DATABASE_URL connects as a PostgreSQL superuser ({connection.settings_dict.get('USER')!r}).",
                    hint="Use the runtime role for web, worker and beat, and the owner for migrate.",
                    id=SUPERUSER_REFUSED,
                )
            )
    return errors
