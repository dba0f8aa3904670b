"""An employee number is issued once and means one person for ever: the database refuses renumbering, a second issue
of a number whose employee row is gone, and any change to the issued numbers, on PostgreSQL and on the embedded
SQLite alike. Old signatures under old replies stay meaningful (the public check)."""

import psycopg
import pytest
from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.urls import reverse

from accounts.models import Employee, IssuedEmployeeNumber
from tests import cast, database_roles
from tests.embedded import run_on_embedded_sqlite
from tests.helpers import signed_in


def refused(sql: str, params=()) -> str:
    with pytest.raises(IntegrityError) as error, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
    return str(error.value)


def test_every_employee_gets_an_issued_number_when_created(people):
    issued = set(IssuedEmployeeNumber.objects.values_list("number", flat=True))
    assert issued == set(Employee.objects.values_list("employee_number", flat=True))
    assert {"E100", "P100", "R100", "X100", "A900"} <= issued


def test_renumbering_is_refused_by_the_database_through_the_orm(people):
    with pytest.raises(IntegrityError), transaction.atomic():
        Employee.objects.filter(pk=people.employee_a.pk).update(employee_number="E777")
    people.employee_a.refresh_from_db()
    assert people.employee_a.employee_number == "E100"


def test_renumbering_is_refused_by_the_database_in_raw_sql(people):
    message = refused("UPDATE accounts_employee SET employee_number = 'E777' WHERE id = %s", [people.employee_a.pk])
    assert "never changed" in message
    # Only a change is refused: saving the row as it is (what Employee.save() writes) goes through.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_employee SET employee_number = employee_number, email = email")
    people.employee_a.save()


def test_a_number_is_not_issued_again_after_its_employee_was_deleted(people):
    gone = cast.sign_up("N500")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM accounts_employee WHERE id = %s", [gone.pk])
    assert not Employee.objects.filter(employee_number="N500").exists()
    # The sign-up's own transaction rolls back with the refusal.
    with pytest.raises(IntegrityError) as error:
        cast.sign_up("N500", email="someone-else@example.com")
    assert "never issued again" in str(error.value)
    with pytest.raises(IntegrityError):
        cast.sign_up("n500", email="someone-else@example.com")  # nor in another case
    assert not Employee.objects.filter(employee_number="N500").exists()


@pytest.mark.skipif(not database_roles.OWNER, reason="needs the two roles that make test sets up")
def test_an_issued_number_is_never_changed_or_removed(people):
    """The desk's runtime role may not even try (it holds SELECT and INSERT only: audit.grants.RECORD_TABLES); the
    owner, who may, is refused by the trigger."""
    for statement in (
        "UPDATE accounts_issuedemployeenumber SET number = 'E778' WHERE number = 'E100'",
        "DELETE FROM accounts_issuedemployeenumber WHERE number = 'E100'",
    ):
        with (
            pytest.raises(ProgrammingError, match="permission denied"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    assert IssuedEmployeeNumber.objects.filter(number="E100").exists()

    with database_roles.owner_session() as owner, owner.transaction(force_rollback=True):
        owner.execute("INSERT INTO accounts_issuedemployeenumber (number, issued_at) VALUES ('ZZ900', now())")
        for statement in (
            "UPDATE accounts_issuedemployeenumber SET number = 'ZZ901' WHERE number = 'ZZ900'",
            "DELETE FROM accounts_issuedemployeenumber WHERE number = 'ZZ900'",
        ):
            with pytest.raises(psycopg.Error, match="never changed or removed"), owner.transaction():
                owner.execute(statement)


def test_the_admin_shows_the_number_read_only(people):
    response = signed_in(people.administrator).get(
        reverse("admin:accounts_employee_change", args=[people.employee_a.pk])
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "E100" in page
    assert 'name="employee_number"' not in page


# --- the embedded desk: the same on SQLite ------------------------------------------------------------------------

SQLITE_PROBE = r"""
import json
import django
django.setup()
from django.core.management import call_command
from django.db import IntegrityError, connection

assert connection.vendor == "sqlite", connection.vendor

# A desk from before the issued numbers: one employee, then the migration.
call_command("migrate", "accounts", "0002", verbosity=0)
with connection.cursor() as cursor:
    cursor.execute(
        "INSERT INTO accounts_employee (password, is_superuser, employee_number, email, status, status_reason, "
        "date_joined, session_generation) VALUES ('', 0, 'E001', 'e001@example.com', 'active', '', "
        "'2025-04-01 09:00:00', 0)"
    )
call_command("migrate", verbosity=0)

from accounts.models import Employee, IssuedEmployeeNumber
from tests import cast

def refused(action):
    try:
        action()
    except IntegrityError as error:
        return str(error)
    return None

def sql(statement):
    def run():
        with connection.cursor() as cursor:
            cursor.execute(statement)
    return run

issued = IssuedEmployeeNumber.objects.values_list("number", "issued_at")
results = {"backfilled": [[number, at.isoformat()] for number, at in issued]}
cast.sign_up("N500")
results["issued_on_insert"] = IssuedEmployeeNumber.objects.filter(number="N500").exists()
results["renumbering"] = refused(sql("UPDATE accounts_employee SET employee_number = 'E777' WHERE id = 1"))
results["same_number_saved"] = refused(sql("UPDATE accounts_employee SET email = 'new@example.com'"))
sql("DELETE FROM accounts_employee WHERE employee_number = 'N500'")()
results["reissue"] = refused(lambda: cast.sign_up("N500", email="other@example.com"))
results["issued_changed"] = refused(sql("UPDATE accounts_issuedemployeenumber SET number = 'X' WHERE number = 'E001'"))
results["issued_removed"] = refused(sql("DELETE FROM accounts_issuedemployeenumber WHERE number = 'E001'"))
print("RESULTS " + json.dumps(results))
"""


@pytest.fixture(scope="module")
def sqlite_results(tmp_path_factory):
    """The embedded desk (no DATABASE_URL: SQLite under its own var directory) in a process of its own."""
    return run_on_embedded_sqlite(SQLITE_PROBE, tmp_path_factory.mktemp("embedded"))


def test_the_migration_issues_the_numbers_of_existing_employees_on_sqlite(sqlite_results):
    assert sqlite_results["backfilled"] == [["E001", "2025-04-01T09:00:00+00:00"]]
    assert sqlite_results["issued_on_insert"] is True


def test_sqlite_refuses_renumbering_reissue_and_changes_to_issued_numbers(sqlite_results):
    assert "never changed" in sqlite_results["renumbering"]
    assert sqlite_results["same_number_saved"] is None
    assert "never issued again" in sqlite_results["reissue"]
    assert "never changed" in sqlite_results["issued_changed"]
    assert "never removed" in sqlite_results["issued_removed"]
