"""Verification reads the trail one of two ways (audit/verify_rows.py): on PostgreSQL as tuples, the columns spelled
as their sealed record spells them and compared as text (audit.verify._columns_as_record), with the precise
comparison only where the text differs; elsewhere through the ORM, every entry compared the precise way. Both must
name the same problems, and the quick way must never say "the same" where the precise one would not.

Tampering as in tests/audit/test_verify.py: a superuser on a connection of its own, triggers off.
"""

import json
import threading
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit import anchors, recorder, verify, verify_rows
from audit.models import AuditEntry
from audit.sealer import seal_pending
from audit.verify import Verification, verify_chain
from tests import database_roles
from tests.audit.test_verify import COLUMN_EDITS, recompute_seals_from, seq_of, tamper
from tests.embedded import run_on_embedded_sqlite

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not database_roles.SUPERUSER_URL, reason="needs the superuser that make test sets up"),
]

# Edits the column check must find beside the plain ones: text that would break out of its JSON string if spelled
# carelessly, characters JSON escapes, values PostgreSQL spells otherwise than the record.
TRICKY_EDITS = {
    "target_label": """target_label = target_label || '","actor_id":1,"target_label":"x'""",
    "action": "action = action || E'\\t'",
    "actor_number": """actor_number = actor_number || '\\"'""",
    "after": """after = '{"a": {"b": [1, 2.5]}, "z": null}'""",
    "before": """before = '"just text"'""",
    "source_address": "source_address = '203.0.113.0/24'",
    "created_at": "created_at = date_trunc('second', created_at) + interval '1 second'",
    "actor_id": "actor_id = NULL",
}


@pytest.fixture
def trail(people):
    """The cast's entries, sealed and anchored."""
    seal_pending()
    return list(AuditEntry.objects.order_by("id").values_list("id", flat=True))


def through_the_orm(monkeypatch) -> None:
    monkeypatch.setattr(verify, "sealed_rows", verify_rows._OrmRows)


def both_ways(monkeypatch) -> tuple[list[str], list[str]]:
    assert connection.vendor == "postgresql"
    quick = verify_chain().problems
    with monkeypatch.context() as orm:
        through_the_orm(orm)
        precise = verify_chain().problems
    return quick, precise


def precise_comparisons(monkeypatch) -> list[int]:
    """Count the entries compared the precise way from now on."""
    compared: list[int] = []
    columns_differing = verify._columns_differing

    def counting(row, numbers):
        compared.append(row["id"])
        return columns_differing(row, numbers)

    monkeypatch.setattr(verify, "_columns_differing", counting)
    return compared


def approved_entry() -> AuditEntry:
    return AuditEntry.objects.filter(action="accounts.employee.approved").order_by("id").first()


def test_an_untouched_trail_is_compared_as_text_only(trail, monkeypatch):
    compared = precise_comparisons(monkeypatch)
    result = verify_chain()
    assert result.ok, result.problems
    assert result.checked == len(trail)
    assert compared == []


def test_through_the_orm_every_entry_is_compared_the_precise_way(trail, monkeypatch):
    through_the_orm(monkeypatch)
    compared = precise_comparisons(monkeypatch)
    assert verify_chain().ok
    assert compared == trail


@pytest.mark.parametrize(
    "edit",
    [*COLUMN_EDITS.values(), *TRICKY_EDITS.values()],
    ids=[*COLUMN_EDITS, *(f"tricky-{c}" for c in TRICKY_EDITS)],
)
def test_an_edited_column_is_named_alike_both_ways(trail, monkeypatch, edit):
    entry = approved_entry()
    tamper(f"UPDATE audit_auditentry SET {edit} WHERE id = {entry.pk}")
    column = edit.split(" = ")[0]
    quick, precise = both_ways(monkeypatch)
    assert quick == precise
    assert f"entry {entry.pk} columns differ" in quick[0] and column in quick[0], quick


def test_columns_edited_to_what_the_record_says_again_pass_both_ways(trail, monkeypatch):
    # The jsonb column rewritten with other spacing and key order: the same values, so nothing differs.
    entry = approved_entry()
    after = json.loads(entry.payload)["after"]
    assert isinstance(after, dict) and len(after) > 1, after
    respelled = json.dumps(dict(reversed(list(after.items()))), indent=2)
    tamper(f"UPDATE audit_auditentry SET after = $${respelled}$$ WHERE id = {entry.pk}")
    quick, precise = both_ways(monkeypatch)
    assert quick == precise == []


def test_unusual_values_recorded_by_the_desk_pass_and_an_edit_of_them_is_found(people, monkeypatch):
    # A whole second (isoformat leaves the microseconds out), nested and float values, text JSON escapes.
    moment = timezone.now().replace(microsecond=0)
    monkeypatch.setattr(recorder, "timezone", SimpleNamespace(now=lambda: moment))
    with transaction.atomic():
        odd = recorder.record(
            "audit.test.odd",
            actor=None,
            target_type="test",
            target_id="1",
            target_label='quote " back\\slash tab\t nl\n «ünïcødé» \x01',
            before={"nested": {"b": [1, [2, 3]], "a": None}, "rate": 1.5, "big": 10**20, "flag": False},
            after={"list": ["x", 2, 0.1], "empty": {}, "": "empty key"},
        )
    monkeypatch.undo()
    seal_pending()
    compared = precise_comparisons(monkeypatch)
    result = verify_chain()
    assert result.ok, result.problems
    assert compared == []
    tamper(f"UPDATE audit_auditentry SET created_at = created_at + interval '1 microsecond' WHERE id = {odd.pk}")
    quick, precise = both_ways(monkeypatch)
    assert quick == precise
    assert any(f"entry {odd.pk} columns differ" in p and "created_at" in p for p in quick), quick


def test_a_record_without_actor_id_takes_the_precise_way_and_passes(trail, monkeypatch):
    # Entries recorded before the record held actor_id: their actor is checked against their number.
    legacy = AuditEntry.objects.filter(actor_number="S100").order_by("id").first()
    record = json.loads(legacy.payload)
    del record["actor_id"]
    tamper(f"UPDATE audit_auditentry SET payload = $${verify.canonical_json(record)}$$ WHERE id = {legacy.pk}")
    recompute_seals_from(seq_of(legacy.pk))
    compared = precise_comparisons(monkeypatch)
    quick, precise = both_ways(monkeypatch)
    assert quick == precise
    assert not any("columns differ" in p for p in quick)
    assert legacy.pk in compared


def test_missing_seals_and_entries_across_batches_are_named_alike(trail, monkeypatch):
    monkeypatch.setattr(verify_rows, "BATCH", 2)
    tamper(
        f"DELETE FROM audit_auditseal WHERE entry_id = {trail[3]}",
        f"DELETE FROM audit_auditentry WHERE id = {trail[3]}",
        f"DELETE FROM audit_auditentry WHERE id = {trail[6]}",
        f"UPDATE audit_auditentry SET target_id = 'x' WHERE id = {trail[8]}",
    )
    quick, precise = both_ways(monkeypatch)
    monkeypatch.setattr(verify_rows, "BATCH", 5_000)
    assert quick == precise == verify_chain().problems
    assert len(quick) >= 3, quick


def test_the_database_spells_times_as_python_does():
    moments = [
        datetime(2026, 11, 25, 3, 4, 5, tzinfo=UTC),
        datetime(2026, 11, 25, 3, 4, 5, 1, tzinfo=UTC),
        datetime(2026, 11, 25, 3, 4, 5, 100_000, tzinfo=UTC),
        datetime(2026, 11, 25, 3, 4, 5, 999_999, tzinfo=UTC),
        datetime(2024, 2, 29, 23, 59, 59, 120, tzinfo=UTC),
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(999, 12, 31, 0, 0, 0, 5, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
    ]
    outside = ["infinity", "-infinity", "10000-01-01 00:00:00+00", "0001-12-31 23:59:59+00 BC"]
    query = f"SELECT {verify_rows._iso_sql('t.u')} FROM (SELECT %s::timestamptz AT TIME ZONE 'UTC' AS u) t"
    with connection.cursor() as cursor:
        spelled = []
        for value in [*moments, *outside]:
            cursor.execute(query, [value])
            spelled.append(cursor.fetchone()[0])
    assert spelled == [m.isoformat() for m in moments] + [None] * len(outside)


def test_a_walk_that_fails_stops_its_reader_and_leaves_the_connection_usable(trail, monkeypatch):
    monkeypatch.setattr(verify_rows, "BATCH", 1)
    columns_as_record = verify._columns_as_record
    calls = []

    def failing(row):
        calls.append(row)
        if len(calls) == 3:
            raise RuntimeError("the walk failed")
        return columns_as_record(row)

    monkeypatch.setattr(verify, "_columns_as_record", failing)
    with pytest.raises(RuntimeError, match="the walk failed"):
        verify_chain()
    assert not [t for t in threading.enumerate() if t.name == "audit-verify-reader"]
    assert AuditEntry.objects.count() == len(trail)


def test_a_database_error_while_reading_reaches_the_caller_as_django_s(trail, monkeypatch):
    broken = "SELECT no_such_column FROM audit_auditseal WHERE seq BETWEEN %s AND %s"
    monkeypatch.setattr(verify_rows, "_postgres_query", lambda: broken)
    with pytest.raises(DatabaseError):
        verify_chain()
    assert not [t for t in threading.enumerate() if t.name == "audit-verify-reader"]
    assert AuditEntry.objects.count() == len(trail)


def test_verification_runs_inside_the_caller_s_transaction(trail):
    # The reader thread shares the caller's connection, and so its transaction and what it wrote.
    with transaction.atomic():
        recorder.record("audit.test.uncommitted", actor=None, target_label="not yet committed")
        result = verify_chain()
        assert result.ok, result.problems
        assert result.checked == len(trail)
        transaction.set_rollback(True)


def digest_hash(seq: int) -> str:
    return f"{seq:08x}" + "f" * 56


def anchor_line(first: int, last: int, sealed_at: datetime, *, wrong: int | None = None) -> str:
    hashes = [digest_hash(seq) if seq != wrong else "0" * 64 for seq in range(first, last + 1)]
    return json.dumps(
        {
            "kind": "anchor",
            "from": first,
            "to": last,
            "head": hashes[-1],
            "sealed_at": sealed_at.isoformat(),
            "digests": anchors.digests_of(hashes),
            "time": sealed_at.isoformat(),
        }
    )


def walk_problems(lines: list[str], seqs: range, sealed_at: datetime) -> list[str]:
    result = Verification()
    walk = verify._AnchorWalk(anchors.parse(lines), result)
    for seq in seqs:
        walk.check(seq, 100 + seq, digest_hash(seq), sealed_at)
    walk.finish(seqs[-1])
    return result.problems


def test_the_anchor_walk_checks_overlapping_anchors_each():
    at = timezone.now().replace(microsecond=0)
    begun = json.dumps({"kind": "begun", "seq": 0, "head": "0" * 64, "time": at.isoformat()})
    # 1–10 and 5–15 overlap (the second wrong at 12); 16–20 is covered by nothing; 21–25 has another sealing time.
    lines = [begun, anchor_line(1, 10, at), anchor_line(5, 15, at, wrong=12), anchor_line(21, 25, at - timedelta(1))]
    assert walk_problems(lines, range(1, 26), at) == [
        "sequence 12: entry 112 differs from the anchor written outside the database "
        f"(anchor file line 3, {at.isoformat()}): the chain was rewritten from here",
        "sequence 16–20: sealed outside the sealer (no anchor covers them)",
        "sequence 21: entry 121 has a sealing time other than its anchor's (anchor file line 4): the seal was edited",
    ]
    # The same, the first anchor wrong at 7 (where both cover it): named once, the later one counted.
    lines[1] = anchor_line(1, 10, at, wrong=7)
    problems = walk_problems(lines[:3], range(1, 16), at)
    assert problems[0].startswith("sequence 7: entry 107 differs from the anchor") and "line 2" in problems[0]
    assert problems[1:] == ["and 1 later anchors differ from the chain after sequence 7"]


SQLITE_PROBE = r"""
import json
import django
django.setup()
from django.core.management import call_command
from django.db import connection
call_command("migrate", verbosity=0)
assert connection.vendor == "sqlite", connection.vendor

from accounts.models import Role
from audit.models import AuditEntry, AuditSeal
from audit.sealer import seal_pending
from audit.verify import verify_chain
from tests import cast

supervisor = cast.approved("S100", by=cast.administrator(), role=Role.SUPERVISOR)
seal_pending()
results = {"checked": verify_chain().checked, "untouched": verify_chain().problems}
entry = AuditEntry.objects.order_by("id").last()
with connection.cursor() as cursor:
    # As the owner of the file would: the append-only triggers dropped first.
    cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_auditentry'")
    for (name,) in cursor.fetchall():
        cursor.execute(f'DROP TRIGGER "{name}"')
    cursor.execute("UPDATE audit_auditentry SET target_label = 'someone else' WHERE id = %s", [entry.pk])
    results["column"] = verify_chain().problems
    cursor.execute("UPDATE audit_auditentry SET payload = payload || ' ' WHERE id = %s", [entry.pk])
    results["record"] = verify_chain().problems
results["entry"] = entry.pk
results["seq"] = AuditSeal.objects.get(entry_id=entry.pk).seq
print("RESULTS " + json.dumps(results))
"""


def test_the_embedded_desk_verifies_on_sqlite_and_finds_an_edit(tmp_path_factory):
    results = run_on_embedded_sqlite(SQLITE_PROBE, tmp_path_factory.mktemp("embedded"))
    entry, seq = results["entry"], results["seq"]
    assert results["checked"] >= 2 and results["untouched"] == []
    assert results["column"] == [
        f"sequence {seq}: entry {entry} columns differ from its sealed record (target_label): edited"
    ]
    assert results["record"] == [
        f"sequence {seq}: entry {entry} does not match its hash (edited, inserted or reordered)"
    ]
