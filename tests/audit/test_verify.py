"""verify_audit passes an untouched trail, and names the entry (or the range) of every tampering an anchor can catch.

The tampering is done as a database superuser would: on a connection of its own, with the append-only triggers
off for that session. The desk itself runs as the runtime role, which cannot do any of it
(tests/audit/test_database_roles.py).
"""

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from accounts import services
from accounts.models import Employee, Role
from audit import anchors, recorder, sealer
from audit.canonical import RECORD_FIELDS, canonical_json, chain_hash
from audit.models import AuditEntry, AuditSeal
from audit.sealer import seal_pending
from audit.verify import verify_chain
from tests import cast, database_roles
from tests.concurrency import at_once

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not database_roles.SUPERUSER_URL, reason="needs the superuser that make test sets up"),
]

# Rewrites the record's action, as a forger would (e.g. "approved" into something else).
FORGED = """replace(payload, '"action":"', '"action":"forged.')"""


@pytest.fixture
def trail(people):
    """The cast's entries, sealed and anchored."""
    seal_pending()
    return list(AuditEntry.objects.order_by("id").values_list("id", flat=True))


def tamper(*statements: str) -> None:
    """As a superuser, with the triggers off for this session."""
    with database_roles.superuser_session(triggers=False) as superuser:
        for statement in statements:
            superuser.execute(statement)


def problems() -> list[str]:
    return verify_chain().problems


def recompute_seals_from(seq: int) -> None:
    """Recompute every seal from `seq` on, over the entries as they are now: the chain is consistent again."""
    seals = list(AuditSeal.objects.filter(seq__gte=seq).order_by("seq").values_list("seq", "entry_id"))
    previous = AuditSeal.objects.filter(seq=seq - 1).values_list("hash", flat=True).first() or "0" * 64
    payloads = dict(AuditEntry.objects.values_list("id", "payload"))
    statements = []
    for position, entry_id in seals:
        digest = chain_hash(previous, position, entry_id, payloads[entry_id])
        statements.append(
            f"UPDATE audit_auditseal SET prev_hash = '{previous}', hash = '{digest}' WHERE seq = {position}"
        )
        previous = digest
    tamper(*statements)


def seq_of(entry_id: int) -> int:
    return AuditSeal.objects.get(entry_id=entry_id).seq


def test_an_untouched_trail_verifies(trail):
    result = verify_chain()
    assert result.ok, result.problems
    assert result.checked == len(trail) and result.head_seq == len(trail)


def test_verification_seals_nothing(people):
    assert AuditSeal.objects.count() == 0
    verify_chain()
    assert AuditSeal.objects.count() == 0


def test_verify_audit_command_exits_zero_on_a_good_trail_and_one_on_a_bad_one(trail, capsys):
    call_command("verify_audit")
    assert "OK:" in capsys.readouterr().out
    tamper(f"UPDATE audit_auditentry SET payload = {FORGED} WHERE id = {trail[3]}")
    with pytest.raises(SystemExit) as exit_code:
        call_command("verify_audit")
    assert exit_code.value.code == 1
    assert f"entry {trail[3]}" in capsys.readouterr().out


def test_an_edited_record_is_found(trail):
    tamper(f"UPDATE audit_auditentry SET payload = {FORGED} WHERE id = {trail[5]}")
    assert f"entry {trail[5]} does not match its hash" in problems()[0]


COLUMN_EDITS = {
    "created_at": "created_at = created_at - interval '1 hour'",
    "actor_id": "actor_id = (SELECT id FROM accounts_employee WHERE employee_number = 'E100')",
    "actor_number": "actor_number = 'S999'",
    "action": "action = 'accounts.employee.rejected'",
    "target_type": "target_type = 'inbox.question'",
    "target_id": "target_id = '999'",
    "target_label": "target_label = 'someone else'",
    "before": """before = '{"status": "forged"}'""",
    "after": """after = '{"status": "forged"}'""",
    "source_address": "source_address = '203.0.113.9'",
    "request_id": "request_id = 'forged-request'",
}


def test_every_column_a_person_reads_is_covered():
    assert set(COLUMN_EDITS) == set(RECORD_FIELDS)


@pytest.mark.parametrize("column", COLUMN_EDITS)
def test_an_edited_column_is_found_even_if_the_record_is_left_alone(trail, column):
    approved = AuditEntry.objects.filter(action="accounts.employee.approved").order_by("id").first()
    tamper(f"UPDATE audit_auditentry SET {COLUMN_EDITS[column]} WHERE id = {approved.pk}")
    found = problems()
    assert f"entry {approved.pk} columns differ" in found[0] and column in found[0]


def test_an_actor_id_of_an_entry_recorded_before_the_record_held_it_is_checked_against_the_number(trail):
    # Entries of earlier versions carry no actor_id in their record; it must be the employee with their number.
    legacy = AuditEntry.objects.filter(actor_number="S100").order_by("id").first()
    record = json.loads(legacy.payload)
    del record["actor_id"]
    tamper(f"UPDATE audit_auditentry SET payload = $${canonical_json(record)}$$ WHERE id = {legacy.pk}")
    recompute_seals_from(seq_of(legacy.pk))
    # (The anchors catch the recomputed seals; here the point is the column check of such an entry.)
    assert not any("columns differ" in p for p in problems())
    tamper(
        f"UPDATE audit_auditentry SET actor_id = (SELECT id FROM accounts_employee WHERE employee_number = 'E100') "
        f"WHERE id = {legacy.pk}"
    )
    assert any(f"entry {legacy.pk} columns differ" in p and "actor_id" in p for p in problems())


def test_a_deleted_entry_is_found(trail):
    tamper(f"DELETE FROM audit_auditentry WHERE id = {trail[4]}")
    assert f"entry {trail[4]} is missing" in problems()[0]


def test_a_deleted_entry_and_seal_leave_a_gap_named_by_its_sequence(trail):
    position = seq_of(trail[4])
    tamper(
        f"DELETE FROM audit_auditseal WHERE entry_id = {trail[4]}",
        f"DELETE FROM audit_auditentry WHERE id = {trail[4]}",
    )
    assert f"sequence {position}–{position}: seals missing" in problems()[0]


def test_the_newest_entries_deleted_with_their_seals_are_named_by_the_anchor(trail):
    newest = trail[-3:]
    first = seq_of(newest[0])
    tamper(
        f"DELETE FROM audit_auditseal WHERE entry_id IN ({', '.join(map(str, newest))})",
        f"DELETE FROM audit_auditentry WHERE id IN ({', '.join(map(str, newest))})",
    )
    found = problems()
    assert any(f"sequence {first}–{first + 2}: gone from the database" in p for p in found), found


def test_a_back_dated_entry_is_never_sealed_and_is_named(trail):
    tamper(
        "INSERT INTO audit_auditentry (created_at, actor_number, action, target_type, target_id, target_label, "
        "source_address, request_id, payload) VALUES (now() - interval '2 days', 'S100', 'accounts.employee.approved', "
        "'accounts.employee', '1', 'X', NULL, '', '{}')"
    )
    forged = AuditEntry.objects.order_by("-id").first()
    assert sealer.seal().sealed == 0
    assert not AuditSeal.objects.filter(entry_id=forged.pk).exists()
    assert any(f"entry {forged.pk}" in p and "too old to be sealed" in p for p in problems())


def test_an_entry_sealed_correctly_after_the_last_anchor_is_named_as_sealed_outside_the_sealer(trail):
    head_seq, head_hash = AuditSeal.objects.order_by("-seq").values_list("seq", "hash").first()
    payload = '{"action":"accounts.employee.approved"}'
    tamper(
        "INSERT INTO audit_auditentry (created_at, actor_number, action, target_type, target_id, target_label, "
        "source_address, request_id, payload) VALUES (now() - interval '1 day', 'S100', 'accounts.employee.approved', "
        f"'accounts.employee', '1', 'X', NULL, '', '{payload}')"
    )
    forged = AuditEntry.objects.order_by("-id").first()
    digest = chain_hash(head_hash, head_seq + 1, forged.pk, payload)
    tamper(
        "INSERT INTO audit_auditseal (seq, entry_id, prev_hash, hash, sealed_at) "
        f"VALUES ({head_seq + 1}, {forged.pk}, '{head_hash}', '{digest}', now())"
    )
    found = problems()
    assert any(f"sequence {head_seq + 1}–{head_seq + 1}: sealed outside the sealer" in p for p in found), found
    # Back-dated too: its seal came a day after its time.
    assert any(f"entry {forged.pk} was recorded" in p and "back-dated" in p for p in found), found


def test_the_sealer_writes_down_a_chain_changed_behind_it_and_verification_keeps_saying_so(trail, anchor_file):
    head_seq, head_hash = AuditSeal.objects.order_by("-seq").values_list("seq", "hash").first()
    newest = AuditEntry.objects.order_by("-id").first()
    tamper(
        f"DELETE FROM audit_auditseal WHERE seq = {head_seq}", f"DELETE FROM audit_auditentry WHERE id = {newest.pk}"
    )
    with transaction.atomic():
        recorder.record("audit.test.after", actor=None, target_label="after the deletion")
    run = sealer.seal()
    assert run.incidents == 1 and run.sealed == 1
    incident = anchors.read().incidents[0]
    assert f"sequence {head_seq}–{head_seq} are gone" in incident["what"]
    assert any("the sealer found" in p and f"sequence {head_seq}–{head_seq} are gone" in p for p in problems())


def test_swapped_entries_are_found(trail):
    first, second = trail[2], trail[3]
    tamper(
        f"UPDATE audit_auditseal SET entry_id = -1 WHERE entry_id = {first}",
        f"UPDATE audit_auditseal SET entry_id = {first} WHERE entry_id = {second}",
        f"UPDATE audit_auditseal SET entry_id = {second} WHERE entry_id = -1",
    )
    assert "does not match its hash" in problems()[0]


def test_a_rewritten_chain_is_caught_by_the_anchors_and_the_first_changed_entry_named(trail):
    target = trail[5]
    # A superuser edits an entry (record and column alike) and recomputes every hash after it: the chain
    # itself is consistent again…
    tamper(f"UPDATE audit_auditentry SET payload = {FORGED}, action = 'forged.' || action WHERE id = {target}")
    recompute_seals_from(seq_of(target))
    found = problems()
    # …but not with the anchors written outside the database, which name the first entry that differs.
    assert len(found) <= 2, found
    assert f"sequence {seq_of(target)}: entry {target} differs from the anchor" in found[0]


def test_an_edit_of_the_newest_sealed_entry_with_seals_recomputed_is_caught(trail):
    newest = trail[-1]
    tamper(f"UPDATE audit_auditentry SET payload = {FORGED}, action = 'forged.' || action WHERE id = {newest}")
    recompute_seals_from(seq_of(newest))
    assert f"entry {newest} differs from the anchor" in problems()[0]


def test_an_emptied_trail_and_an_emptied_anchor_file_do_not_verify(trail, anchor_file):
    tamper("TRUNCATE audit_auditseal, audit_auditentry")
    anchor_file.write_text("")
    found = problems()
    assert any("the trail is empty, but the desk has employees" in p for p in found), found


def test_a_lost_anchor_file_leaves_every_seal_unanchored(trail, anchor_file):
    anchor_file.unlink()
    assert f"sequence 1–{len(trail)}: sealed outside the sealer" in problems()[0]


def test_the_sealed_time_is_the_anchors_and_an_edited_one_is_found(trail):
    position = seq_of(trail[2])
    tamper(f"UPDATE audit_auditseal SET sealed_at = sealed_at - interval '1 minute' WHERE seq = {position}")
    assert f"sequence {position}: entry {trail[2]} has a sealing time other than its anchor's" in problems()[0]


def test_sealing_twice_changes_nothing(trail):
    assert seal_pending() == 0
    assert AuditSeal.objects.count() == len(trail)
    assert verify_chain().ok


def test_concurrent_appends_and_sealers_leave_one_unbroken_anchored_chain(people):
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
    services.approve_employee(
        cast.sign_up("N500"), actor=Employee.objects.get(employee_number="S100"), role=Role.EMPLOYEE
    )
    assert seal_pending() == 2
    assert verify_chain().ok


def test_an_entry_whose_transaction_outlived_the_window_is_reported_not_sealed(people, monkeypatch, settings):
    from types import SimpleNamespace

    seal_pending()
    # An entry written long ago by a transaction that commits only now, after newer entries were sealed.
    long_ago = timezone.now() - timedelta(seconds=settings.AUDIT_LATE_COMMIT_SECONDS + 60)
    monkeypatch.setattr(recorder, "timezone", SimpleNamespace(now=lambda: long_ago))
    with transaction.atomic():
        late = recorder.record("audit.test.late", actor=None, target_type="test", target_id="late")
    monkeypatch.undo()

    run = sealer.seal()
    assert run.sealed == 0 and run.missed == 1
    assert not AuditSeal.objects.filter(entry_id=late.pk).exists()
    assert any(f"entry {late.pk}" in p and "too old to be sealed" in p for p in problems())


def test_a_sealing_that_never_committed_is_written_off_and_the_next_one_anchors_the_same_places(people, monkeypatch):
    seal_pending()
    with transaction.atomic():
        recorder.record("audit.test.one", actor=None)

    class WorkerDied(Exception):
        """The worker dies after the anchor reached the file, before the seals committed."""

    write_anchor = anchors.write_anchor

    def anchor_then_die(*args, **kwargs):
        write_anchor(*args, **kwargs)
        raise WorkerDied

    monkeypatch.setattr(anchors, "write_anchor", anchor_then_die)
    with pytest.raises(WorkerDied):
        seal_pending()
    monkeypatch.undo()
    assert seal_pending() == 1
    states = [a.state for a in anchors.read().anchors]
    assert states[-2:] == ["abandoned", "committed"]
    assert verify_chain().ok


def test_anchors_also_reach_a_syslog_collector(people, settings):
    import socketserver
    import threading

    received: list[bytes] = []

    class Collector(socketserver.BaseRequestHandler):
        def handle(self):
            while chunk := self.request.recv(65536):
                received.append(chunk)

    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), Collector) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        settings.AUDIT_ANCHOR_SYSLOG = f"tcp://127.0.0.1:{server.server_address[1]}"
        anchors._syslog = None
        try:
            seal_pending()
            logger = anchors._syslog_logger()
            for handler in logger.handlers:
                handler.flush()
                handler.close()
            deadline = timezone.now() + timedelta(seconds=10)
            while b"committed" not in b"".join(received) and timezone.now() < deadline:
                threading.Event().wait(0.05)
        finally:
            for handler in list(anchors._syslog.handlers if anchors._syslog else []):
                anchors._syslog.removeHandler(handler)
            anchors._syslog = None
            server.shutdown()
    copy = anchors.parse(b"".join(received).replace(b"\x00", b"\n").decode().splitlines())
    assert [a.state for a in copy.anchors] == ["committed"]
    assert copy.anchors[0].head == AuditSeal.objects.order_by("-seq").values_list("hash", flat=True).first()


def test_verify_audit_compares_a_copy_of_the_anchors(trail, anchor_file, tmp_path, capsys):
    copy = tmp_path / "collector-copy.jsonl"
    copy.write_text("".join(f"<86>replydesk-audit-anchor: {line}\n" for line in anchor_file.read_text().splitlines()))
    call_command("verify_audit", "--anchors", str(copy))
    assert "OK:" in capsys.readouterr().out
