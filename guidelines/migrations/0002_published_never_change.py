"""A published version and an acceptance are records: the database refuses to change or delete them (a change of
the guidelines is a new version). PostgreSQL and SQLite (the embedded desk) alike; TRUNCATE (an operator's, or
the test suite's flush on PostgreSQL) is left alone; on SQLite a flush deletes rows and is refused, as for the trail."""

from django.db import migrations

TABLES = ["guidelines_guidelinesversion", "guidelines_guidelinesacknowledgement"]

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION guidelines_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'published guidelines and their acceptances are never changed: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;
"""


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FUNCTION, params=None)
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_unchanging BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION guidelines_refuse_change()"
            )
    elif vendor == "sqlite":
        for table in TABLES:
            for operation in ("UPDATE", "DELETE"):
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'published guidelines are never changed: {operation} refused'); END"
                )


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_unchanging ON {table}")
        elif vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS guidelines_refuse_change()")


class Migration(migrations.Migration):
    dependencies = [("guidelines", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall)]
