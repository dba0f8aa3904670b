"""The desk's own database role cannot remove or rewrite the audit trail (README, "Database roles").

The suite runs as production does: the desk's connection is the runtime role, which owns nothing and holds only
SELECT and INSERT on the trail's tables; the owner ran the migrations; the append-only triggers refuse UPDATE,
DELETE and TRUNCATE even to the owner, who would have to switch them off first."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection, transaction

from audit import grants
from audit.models import AuditEntry, AuditSeal
from audit.sealer import seal_pending
from tests import database_roles

pytestmark = pytest.mark.skipif(not database_roles.OWNER, reason="needs the two roles that make test sets up")

TABLES = (
    "audit_auditentry",
    "audit_auditseal",
    "audit_auditcheckpoint",
    "audit_auditverification",
    # The desk's other records (audit.grants.RECORD_TABLES).
    "guidelines_guidelinesversion",
    "guidelines_guidelinesacknowledgement",
    "accounts_issuedemployeenumber",
    "verification_recognitionguide",
)


@pytest.fixture
def entry(people):
    seal_pending()
    return AuditEntry.objects.order_by("id").first()


def _refused(statement: str, *, before: str = "") -> str:
    """Run `statement` as the runtime role (after `before`, in the same transaction); the error it got."""
    with pytest.raises(DatabaseError) as refused, transaction.atomic(), connection.cursor() as cursor:
        if before:
            cursor.execute(before)
        cursor.execute(statement)
    return str(refused.value)


def _untouched(entry: AuditEntry) -> None:
    assert AuditEntry.objects.filter(pk=entry.pk, action=entry.action, payload=entry.payload).exists()
    assert AuditSeal.objects.filter(entry_id=entry.pk).exists()


def test_the_desk_runs_as_the_runtime_role_which_is_no_superuser_and_owns_nothing(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user"
        )
        user, superuser, create_role, create_db = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)"
        )
        (owned_relations,) = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM pg_proc WHERE proowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)"
        )
        (owned_functions,) = cursor.fetchone()
    assert user == grants.runtime_role()
    assert (superuser, create_role, create_db) == (False, False, False)
    assert (owned_relations, owned_functions) == (0, 0)


@pytest.mark.parametrize("table", TABLES)
def test_migrate_grants_the_runtime_role_only_select_and_insert_on_the_trail(db, table):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT privilege, has_table_privilege(current_user, %s, privilege) FROM unnest(%s::text[]) AS privilege",
            [table, ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "TRIGGER", "REFERENCES"]],
        )
        held = {privilege for privilege, granted in cursor.fetchall() if granted}
    assert held == {"SELECT", "INSERT"}


def test_the_rest_of_the_desk_is_read_and_written_as_usual(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT has_table_privilege(current_user, 'inbox_question', 'UPDATE'), "
            "has_table_privilege(current_user, 'inbox_question', 'TRUNCATE'), "
            "has_table_privilege(current_user, 'django_migrations', 'INSERT')"
        )
        assert cursor.fetchone() == (True, False, False)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditentry SET action = 'forged' WHERE id = %(id)s",
        "DELETE FROM audit_auditentry WHERE id = %(id)s",
        "UPDATE audit_auditseal SET hash = 'x' WHERE entry_id = %(id)s",
        "DELETE FROM audit_auditseal WHERE entry_id = %(id)s",
        "TRUNCATE audit_auditentry, audit_auditseal",
        "TRUNCATE audit_auditentry CASCADE",
        "ALTER TABLE audit_auditentry DISABLE TRIGGER audit_auditentry_append_only",
        "ALTER TABLE audit_auditentry DISABLE TRIGGER ALL",
        "DROP TRIGGER audit_auditentry_append_only ON audit_auditentry",
        "DROP TRIGGER audit_auditentry_no_truncate ON audit_auditentry",
        "CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; "
        "END $$",
        "ALTER TABLE audit_auditentry OWNER TO CURRENT_USER",
        "DROP TABLE audit_auditseal",
    ],
)
def test_the_runtime_role_cannot_change_remove_or_unprotect_the_trail(entry, statement):
    _refused(statement % {"id": entry.pk})
    _untouched(entry)


def test_the_runtime_role_cannot_grant_itself_more(entry):
    # PostgreSQL answers a GRANT by someone without the grant option with a warning, not an error: the proof is
    # that nothing was granted.
    with connection.cursor() as cursor:
        cursor.execute("GRANT UPDATE, DELETE, TRUNCATE ON audit_auditentry TO CURRENT_USER")
        cursor.execute("GRANT ALL ON audit_auditseal TO PUBLIC")
        cursor.execute(
            "SELECT has_table_privilege(current_user, 'audit_auditentry', 'UPDATE'), "
            "has_table_privilege(current_user, 'audit_auditentry', 'TRUNCATE'), "
            "has_table_privilege(current_user, 'audit_auditseal', 'DELETE')"
        )
        assert cursor.fetchone() == (False, False, False)
    _refused(f"UPDATE audit_auditentry SET action = 'forged' WHERE id = {entry.pk}")
    _untouched(entry)


@pytest.mark.parametrize(
    "setting",
    [
        "SET replydesk.audit_maintenance = 'on'",
        "SET LOCAL replydesk.audit_maintenance = 'on'",
        "SET session_replication_role = replica",
        "SET ROLE replydesk_owner",
    ],
)
def test_no_session_setting_lets_the_runtime_role_truncate_the_trail(entry, setting):
    assert "permission denied" in _refused("TRUNCATE audit_auditentry, audit_auditseal", before=setting)
    _untouched(entry)


@pytest.mark.django_db(transaction=True)
def test_even_the_owner_is_refused_by_the_triggers_until_it_switches_them_off(people):
    seal_pending()
    first = AuditEntry.objects.order_by("id").first()
    with database_roles.owner_session() as owner:
        for statement in (
            f"UPDATE audit_auditentry SET action = 'forged' WHERE id = {first.pk}",
            f"DELETE FROM audit_auditseal WHERE entry_id = {first.pk}",
            "TRUNCATE audit_auditentry, audit_auditseal",
        ):
            with pytest.raises(Exception, match="append-only"):
                owner.execute(statement)
    _untouched(first)


def test_migrate_as_the_runtime_role_is_refused(db):
    with pytest.raises(ImproperlyConfigured, match="runtime role"):
        grants.grant_after_migrate(sender=None, using="default")
