"""On PostgreSQL the trail refuses UPDATE, DELETE and TRUNCATE, whoever asks."""

import pytest
from django.db import DatabaseError, connection, transaction

from audit.models import AuditEntry, AuditSeal
from audit.sealer import seal_pending


@pytest.fixture
def entry(people):
    seal_pending()
    return AuditEntry.objects.order_by("id").first()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditentry SET action = 'forged' WHERE id = %(id)s",
        "DELETE FROM audit_auditentry WHERE id = %(id)s",
        "UPDATE audit_auditseal SET hash = 'x' WHERE entry_id = %(id)s",
        "DELETE FROM audit_auditseal WHERE entry_id = %(id)s",
        "TRUNCATE audit_auditentry, audit_auditseal",
    ],
)
def test_the_trail_refuses_changes(entry, statement):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL replydesk.audit_maintenance = 'off'")
        cursor.execute(statement % {"id": entry.pk})
    assert AuditEntry.objects.filter(pk=entry.pk, action=entry.action).exists()
    assert AuditSeal.objects.filter(entry_id=entry.pk).exists()


def test_the_orm_cannot_change_an_entry_either(entry):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="forged")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
