"""Employee numbers are never reused, held by the database whatever writes the rows (README, "Public check").

- every INSERT into accounts_employee adds its number (upper-cased) to accounts_issuedemployeenumber, and fails if
  the number was issued before, even to an employee whose row was deleted since;
- an employee's number is never changed (renumbering would give an old signature a new owner);
- an issued number is never changed or removed.

Existing employees' numbers are issued here, as of when they signed up. PostgreSQL: plpgsql triggers (the runtime
role owns no table, so it cannot switch them off). SQLite (the embedded desk): triggers that RAISE(ABORT). Django
rebuilds a SQLite table for some changes of its columns (`_remake_table`), which drops its triggers: a later
migration that alters accounts_employee on SQLite must install them again (tests/verification/test_numbers.py
migrates a fresh SQLite and fails if they are gone).
"""

from django.db import migrations, models

BACKFILL = """
INSERT INTO accounts_issuedemployeenumber (number, issued_at)
SELECT upper(employee_number), date_joined FROM accounts_employee
"""

POSTGRES_INSTALL = """
CREATE OR REPLACE FUNCTION accounts_issue_employee_number() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM accounts_issuedemployeenumber WHERE number = upper(NEW.employee_number)) THEN
        RAISE EXCEPTION 'employee number % was issued before and is never issued again', NEW.employee_number
            USING ERRCODE = 'unique_violation';
    END IF;
    INSERT INTO accounts_issuedemployeenumber (number, issued_at) VALUES (upper(NEW.employee_number), now());
    RETURN NULL;
END
$$;
CREATE TRIGGER accounts_employee_issue_number AFTER INSERT ON accounts_employee
    FOR EACH ROW EXECUTE FUNCTION accounts_issue_employee_number();

CREATE OR REPLACE FUNCTION accounts_refuse_renumbering() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'employee number % is never changed (to %)', OLD.employee_number, NEW.employee_number
        USING ERRCODE = 'check_violation';
END
$$;
-- Every UPDATE, not only those naming the column: another trigger could change NEW.employee_number unnamed.
CREATE TRIGGER accounts_employee_no_renumbering BEFORE UPDATE ON accounts_employee
    FOR EACH ROW WHEN (OLD.employee_number IS DISTINCT FROM NEW.employee_number)
    EXECUTE FUNCTION accounts_refuse_renumbering();

CREATE OR REPLACE FUNCTION accounts_issued_number_unchanged() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'an issued employee number is never changed or removed: % refused', TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER accounts_issuedemployeenumber_unchanged BEFORE UPDATE OR DELETE ON accounts_issuedemployeenumber
    FOR EACH ROW EXECUTE FUNCTION accounts_issued_number_unchanged();
"""

POSTGRES_UNINSTALL = """
DROP TRIGGER IF EXISTS accounts_employee_issue_number ON accounts_employee;
DROP FUNCTION IF EXISTS accounts_issue_employee_number();
DROP TRIGGER IF EXISTS accounts_employee_no_renumbering ON accounts_employee;
DROP FUNCTION IF EXISTS accounts_refuse_renumbering();
DROP TRIGGER IF EXISTS accounts_issuedemployeenumber_unchanged ON accounts_issuedemployeenumber;
DROP FUNCTION IF EXISTS accounts_issued_number_unchanged();
"""

# One statement each: SQLite's driver runs one statement per execute.
SQLITE_INSTALL = [
    """
    CREATE TRIGGER accounts_employee_issue_number AFTER INSERT ON accounts_employee
    BEGIN
        SELECT RAISE(ABORT, 'employee number was issued before and is never issued again')
            WHERE EXISTS (SELECT 1 FROM accounts_issuedemployeenumber WHERE number = upper(NEW.employee_number));
        INSERT INTO accounts_issuedemployeenumber (number, issued_at)
            VALUES (upper(NEW.employee_number), strftime('%Y-%m-%d %H:%M:%f', 'now'));
    END
    """,
    """
    CREATE TRIGGER accounts_employee_no_renumbering BEFORE UPDATE ON accounts_employee
    WHEN OLD.employee_number IS NOT NEW.employee_number
    BEGIN
        SELECT RAISE(ABORT, 'an employee number is never changed');
    END
    """,
    """
    CREATE TRIGGER accounts_issuedemployeenumber_no_update BEFORE UPDATE ON accounts_issuedemployeenumber
    BEGIN
        SELECT RAISE(ABORT, 'an issued employee number is never changed');
    END
    """,
    """
    CREATE TRIGGER accounts_issuedemployeenumber_no_delete BEFORE DELETE ON accounts_issuedemployeenumber
    BEGIN
        SELECT RAISE(ABORT, 'an issued employee number is never removed');
    END
    """,
]

SQLITE_TRIGGERS = [
    "accounts_employee_issue_number",
    "accounts_employee_no_renumbering",
    "accounts_issuedemployeenumber_no_update",
    "accounts_issuedemployeenumber_no_delete",
]


def issue_and_protect(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    schema_editor.execute(BACKFILL, params=None)
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_INSTALL, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_INSTALL:
            schema_editor.execute(statement, params=None)


def unprotect(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_UNINSTALL, params=None)
    elif vendor == "sqlite":
        for name in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}", params=None)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_roles_as_groups")]

    operations = [
        migrations.CreateModel(
            name="IssuedEmployeeNumber",
            fields=[
                (
                    "number",
                    models.CharField(max_length=32, primary_key=True, serialize=False, verbose_name="employee number"),
                ),
                ("issued_at", models.DateTimeField(verbose_name="issued")),
            ],
            options={
                "verbose_name": "issued employee number",
                "verbose_name_plural": "issued employee numbers",
            },
        ),
        migrations.RunPython(issue_and_protect, unprotect),
    ]
