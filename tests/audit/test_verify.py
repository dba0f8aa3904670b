"""verify_audit passes an untouched trail and names the first bad entry of a tampered one."""

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from accounts import services
from accounts.models import Role
from audit import checkpoints, recorder
from audit.canonical import chain_hash
from audit.models import AuditEntry, AuditSeal
from audit.sealer import seal_pending
from audit.verify import verify_chain
from tests import cast
from tests.concurrency import at_once


@pytest.fixture(autouse=True)
def checkpoint_file(settings, tmp_path):
    settings.AUDIT_CHECKPOINT_FILE = str(tmp_path / "checkpoints.jsonl")
    return tmp_path / "checkpoints.jsonl"


@pytest.fixture
def trail(people):
    """The cast's entries, sealed."""
    seal_pending()
    return list(AuditEntry.objects.order_by("id").values_list("id", flat=True))


# Rewrites the record's action, as a forger would (e.g. "approved" into something else).
FORGED = """replace(payload, '"action":"', '"action":"forged.')"""


def as_superuser(*statements: str) -> None:
    """Tamper the way a database superuser can: with the append-only triggers switched off."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER USER")
        cursor.execute("ALTER TABLE audit_auditseal DISABLE TRIGGER USER")
        for statement in statements:
            cursor.execute(statement)
        cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER USER")
        cursor.execute("ALTER TABLE audit_auditseal ENABLE TRIGGER USER")


def test_an_untouched_trail_verifies(trail):
    result = verify_chain()
    assert result.ok, result.problems
    assert result.checked == len(trail) and result.head_seq == len(trail)


def test_verify_audit_command_exits_zero_on_a_good_trail_and_one_on_a_bad_one(trail, capsys):
    call_command("verify_audit")
    assert "OK:" in capsys.readouterr().out
    as_superuser(f"UPDATE audit_auditentry SET payload = {FORGED} WHERE id = {trail[3]}")
    with pytest.raises(SystemExit) as exit_code:
        call_command("verify_audit")
    assert exit_code.value.code == 1
    assert f"entry {trail[3]}" in capsys.readouterr().out


def test_an_edited_record_is_found(trail):
    as_superuser(f"UPDATE audit_auditentry SET payload = {FORGED} WHERE id = {trail[5]}")
    assert f"entry {trail[5]} does not match its hash" in verify_chain().problems[0]


def test_an_edited_column_is_found_even_if_the_record_is_left_alone(trail):
    as_superuser(f"UPDATE audit_auditentry SET actor_number = 'S999' WHERE id = {trail[5]}")
    assert f"entry {trail[5]} columns differ" in verify_chain().problems[0]


def test_a_deleted_entry_is_found(trail):
    as_superuser(f"DELETE FROM audit_auditentry WHERE id = {trail[4]}")
    assert f"entry {trail[4]} is missing" in verify_chain().problems[0]


def test_a_deleted_entry_and_seal_leave_a_gap(trail):
    as_superuser(
        f"DELETE FROM audit_auditseal WHERE entry_id = {trail[4]}",
        f"DELETE FROM audit_auditentry WHERE id = {trail[4]}",
    )
    assert "seals missing" in verify_chain().problems[0]


def test_an_inserted_entry_is_found(trail):
    as_superuser(
        "INSERT INTO audit_auditentry (created_at, actor_number, action, target_type, target_id, target_label, "
        "source_address, request_id, payload) VALUES (now() - interval '1 day', 'S100', 'accounts.employee.approved', "
        "'accounts.employee', '1', 'X', NULL, '', '{}')"
    )
    assert "is not in the chain" in verify_chain().problems[0]


def test_reordered_entries_are_found(trail):
    first, second = trail[2], trail[3]
    as_superuser(
        f"UPDATE audit_auditseal SET entry_id = -1 WHERE entry_id = {first}",
        f"UPDATE audit_auditseal SET entry_id = {first} WHERE entry_id = {second}",
        f"UPDATE audit_auditseal SET entry_id = {second} WHERE entry_id = -1",
    )
    assert "does not match its hash" in verify_chain().problems[0]


def test_a_rewritten_chain_is_caught_by_the_checkpoint_written_outside(trail, checkpoint_file):
    checkpoints.write_checkpoint()
    assert checkpoint_file.read_text().count("\n") == 1
    # A superuser edits an entry (record and column alike) and recomputes every hash after it: the chain
    # itself is consistent again…
    as_superuser(f"UPDATE audit_auditentry SET payload = {FORGED}, action = 'forged.' || action WHERE id = {trail[5]}")
    seals = list(AuditSeal.objects.order_by("seq").values_list("seq", "entry_id"))
    payloads = dict(AuditEntry.objects.values_list("id", "payload"))
    prev, statements = "0" * 64, []
    for seq, entry_id in seals:
        digest = chain_hash(prev, seq, entry_id, payloads[entry_id])
        statements.append(f"UPDATE audit_auditseal SET prev_hash = '{prev}', hash = '{digest}' WHERE seq = {seq}")
        prev = digest
    as_superuser(*statements)
    problems = verify_chain().problems
    # …but not with the head written down outside the database.
    assert len(problems) == 1 and "the chain was rewritten" in problems[0]


def test_sealing_twice_changes_nothing(trail):
    assert seal_pending() == 0
    assert AuditSeal.objects.count() == len(trail)


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_and_sealers_leave_one_unbroken_chain(people):
    def append_and_seal(index: int) -> str:
        for n in range(20):
            with transaction.atomic():
                recorder.record("test.entry.appended", actor=None, target_label=f"{index}-{n}")
            if n % 5 == 0:
                seal_pending()
        return "done"

    assert at_once(list(range(8)), append_and_seal) == ["done"] * 8
    seal_pending()
    result = verify_chain()
    assert result.ok, result.problems
    assert result.checked == AuditEntry.objects.count()
    assert list(AuditSeal.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, result.checked + 1))


def test_people_actions_after_sealing_are_sealed_in_the_next_run(trail):
    services.approve_employee(cast.sign_up("N500"), actor=trail and cast_supervisor(), role=Role.EMPLOYEE)
    assert seal_pending() == 2
    assert verify_chain().ok


def cast_supervisor():
    from accounts.models import Employee

    return Employee.objects.get(employee_number="S100")


def test_an_entry_whose_transaction_outlived_the_window_is_sealed_by_the_full_pass(people, monkeypatch):
    from datetime import timedelta
    from types import SimpleNamespace

    from django.db import transaction
    from django.utils import timezone

    from audit import recorder, sealer
    from audit.models import AuditSeal

    seal_pending()
    # An entry written two hours ago by a transaction that commits only now, after newer entries were sealed.
    two_hours_ago = timezone.now() - timedelta(hours=2)
    monkeypatch.setattr(recorder, "timezone", SimpleNamespace(now=lambda: two_hours_ago))
    with transaction.atomic():
        late = recorder.record("audit.test.late", actor=None, target_type="test", target_id="late")
    monkeypatch.undo()

    assert sealer.seal_pending() == 0  # the periodic run looks at recent entries only
    assert not AuditSeal.objects.filter(entry_id=late.pk).exists()
    assert sealer.seal_pending(full=True) == 1
    assert AuditSeal.objects.order_by("-seq").values_list("entry_id", flat=True).first() == late.pk
    assert verify_chain().ok
