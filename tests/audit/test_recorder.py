"""Every people action writes exactly one audit entry, in the same transaction as the change."""

import pytest
from django.db import DatabaseError, transaction
from django.test import Client
from django.urls import reverse

from accounts import services
from accounts.errors import AccountActionError
from accounts.models import Employee, Role
from audit import recorder
from audit.models import AuditEntry
from inbox.access import queues_for
from tests import cast, database_roles
from tests.helpers import actions_since, last_entry_id

ACTIONS = {
    "sign_up": (lambda p: cast.sign_up("N100"), "accounts.employee.signed_up"),
    "approve": (
        lambda p: services.approve_employee(p.pending, actor=p.supervisor, role=Role.EMPLOYEE, queues=[p.queue_a]),
        "accounts.employee.approved",
    ),
    "reject": (
        lambda p: services.reject_employee(p.pending, actor=p.supervisor, reason="no"),
        "accounts.employee.rejected",
    ),
    "suspend": (
        lambda p: services.suspend_employee(p.employee_a, actor=p.supervisor, reason="left"),
        "accounts.employee.suspended",
    ),
    "reactivate": (
        lambda p: services.reactivate_employee(p.suspended, actor=p.supervisor),
        "accounts.employee.reactivated",
    ),
    "change_role": (
        lambda p: services.change_role(p.employee_a, actor=p.supervisor, role=Role.SUPERVISOR),
        "accounts.employee.role_changed",
    ),
    "grant_queue": (
        lambda p: services.grant_queue(p.employee_b, p.queue_a, actor=p.supervisor),
        "accounts.queue_permission.granted",
    ),
    "revoke_queue": (
        lambda p: services.revoke_queue(p.employee_a, p.queue_a, actor=p.supervisor),
        "accounts.queue_permission.revoked",
    ),
}


@pytest.mark.parametrize("name", ACTIONS)
def test_each_action_writes_exactly_one_entry(people, name):
    action, code = ACTIONS[name]
    mark = last_entry_id()
    action(people)
    assert actions_since(mark) == [code]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", [n for n in ACTIONS if n != "sign_up"])
def test_an_action_whose_entry_cannot_be_written_changes_nothing(people, name):
    action, _code = ACTIONS[name]
    before = {e.pk: (e.status, e.session_generation, e.role) for e in Employee.objects.all()}
    grants_before = sorted(queues_for(people.employee_a).values_list("pk", flat=True))
    mark = last_entry_id()
    with database_roles.audit_inserts_fail(), pytest.raises(DatabaseError):
        action(people)
    after = {e.pk: (e.status, e.session_generation, e.role) for e in Employee.objects.all()}
    assert after == before
    assert sorted(queues_for(people.employee_a).values_list("pk", flat=True)) == grants_before
    assert actions_since(mark) == []


def test_a_refused_action_writes_no_entry(people):
    mark = last_entry_id()
    with pytest.raises(AccountActionError):
        services.approve_employee(people.employee_a, actor=people.supervisor, role=Role.EMPLOYEE)
    with pytest.raises(AccountActionError):
        services.suspend_employee(people.supervisor, actor=people.employee_a, reason="coup")
    with pytest.raises(AccountActionError):
        services.reactivate_employee(people.employee_a, actor=people.supervisor)
    with pytest.raises(AccountActionError):
        services.suspend_employee(people.employee_a, actor=people.supervisor, reason="   ")
    assert services.grant_queue(people.employee_a, people.queue_a, actor=people.supervisor) is False
    assert actions_since(mark) == []


def test_entry_records_actor_target_before_after_and_source(people, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")  # BEHIND_PROXY
    client = Client(REMOTE_ADDR="10.0.0.2", headers={"X-Forwarded-For": "198.51.100.99, 203.0.113.7"})
    client.force_login(people.supervisor)
    mark = last_entry_id()
    client.post(
        reverse("accounts:suspend", args=[people.employee_a.pk]),
        {"reason": "Left the shop"},
        headers={"X-Request-ID": "req-12345678"},
    )
    entry = AuditEntry.objects.get(id__gt=mark)
    assert entry.action == "accounts.employee.suspended"
    assert (entry.actor, entry.actor_number) == (people.supervisor, "S100")
    assert (entry.target_type, entry.target_id, entry.target_label) == (
        "accounts.employee",
        str(people.employee_a.pk),
        "E100",
    )
    assert entry.before == {"status": "active"}
    assert entry.after == {"status": "suspended", "reason": "Left the shop"}
    assert entry.source_address == "203.0.113.7"
    assert entry.request_id == "req-12345678"
    assert entry.created_at is not None


def test_sign_in_sign_out_and_failed_sign_in_are_recorded(people):
    client = Client(REMOTE_ADDR="198.51.100.4")
    mark = last_entry_id()
    client.post(reverse("account_login"), {"login": "E100", "password": "wrong-password"})
    client.post(reverse("account_login"), {"login": "E100", "password": cast.PASSWORD})
    client.post(reverse("account_logout"))
    assert actions_since(mark) == [
        "accounts.session.sign_in_failed",
        "accounts.session.signed_in",
        "accounts.session.signed_out",
    ]
    failed = AuditEntry.objects.filter(id__gt=mark).order_by("id").first()
    assert failed.actor is None and failed.actor_number == "system"
    assert failed.after == {"identifier": "E100"}
    assert failed.source_address == "198.51.100.4"
    assert "wrong-password" not in str(failed.after)


@pytest.mark.django_db(transaction=True)
def test_recorder_refuses_to_write_outside_a_transaction(people):
    with pytest.raises(recorder.AuditOutsideTransaction):
        recorder.record("accounts.employee.poked", actor=people.supervisor, target=people.employee_a)


def test_change_rolled_back_after_its_entry_leaves_no_entry(people):
    mark = last_entry_id()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.suspend_employee(people.employee_a, actor=people.supervisor, reason="left")
        raise RuntimeError("the caller's transaction fails later")
    people.employee_a.refresh_from_db()
    assert people.employee_a.status == Employee.Status.ACTIVE
    assert actions_since(mark) == []


def test_without_a_proxy_forwarded_headers_are_not_trusted(people):
    client = Client(REMOTE_ADDR="192.0.2.10", headers={"X-Forwarded-For": "203.0.113.7", "X-Request-ID": "forged-1234"})
    client.force_login(people.supervisor)
    mark = last_entry_id()
    client.post(reverse("accounts:suspend", args=[people.employee_a.pk]), {"reason": "Left"})
    entry = AuditEntry.objects.filter(id__gt=mark).first()
    assert entry.source_address == "192.0.2.10"
    assert entry.request_id != "forged-1234"


def test_trail_page_ignores_a_bad_position(people):
    client = Client()
    client.force_login(people.compliance)
    for before in ["²", "abc", "-1", ""]:
        assert client.get(reverse("audit:trail"), {"before": before}).status_code == 200


def test_record_many_writes_what_record_would_byte_for_byte_and_the_chain_verifies(
    people, monkeypatch, settings, tmp_path
):
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from audit.context import RequestContext, bind_request_context, unbind_request_context
    from audit.sealer import seal_pending
    from audit.verify import verify_chain

    # One moment for every entry, so that the two writers' records can be compared byte for byte.
    moment = dt.datetime(2026, 11, 25, 3, 4, 5, 678901, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    entries = [
        # What the sweep records (the fast path: ints and exact datetimes, with and without microseconds).
        recorder.SystemEntry("inbox.question", "7", "#7", after={"due_at": moment, "round": 2}),
        recorder.SystemEntry(
            "inbox.question",
            "8",
            "#8",
            after={"warn_at": moment.replace(microsecond=0), "round": 1, "supervisors": ["S100", "S2"]},
        ),
        # What only the JSON round trip gets right, and text that COPY must escape.
        recorder.SystemEntry(
            "inbox.question",
            "9",
            "tab\there, new\nline, back\\slash, «ünïcødé» " + "x" * 300,
            before={"rate": 1.5, "nested": {"b": [1, (2, 3)]}, 3: "int key", "flag": True, "none": None},
            after={"day": dt.date(2026, 11, 25), "amount": Decimal("1.10"), "wait": dt.timedelta(minutes=3)},
        ),
    ]
    columns = ("created_at", "actor", "actor_number", "action", "target_type", "target_id", "target_label")
    columns += ("before", "after", "source_address", "request_id", "payload")
    token = bind_request_context(RequestContext(source_address="203.0.113.7", request_id="req-12345678"))
    try:
        mark = last_entry_id()
        with transaction.atomic():
            for e in entries:
                recorder.record(
                    "inbox.question.poked",
                    actor=None,
                    target_type=e.target_type,
                    target_id=e.target_id,
                    target_label=e.target_label,
                    before=e.before,
                    after=e.after,
                )
        with transaction.atomic():
            assert recorder.record_many("inbox.question.poked", entries) == len(entries)
    finally:
        unbind_request_context(token)
    rows = list(AuditEntry.objects.filter(id__gt=mark).order_by("id").values(*columns))
    singly, batched = rows[: len(entries)], rows[len(entries) :]
    assert len(batched) == len(entries)
    for one, many in zip(singly, batched, strict=True):
        assert many["payload"].encode() == one["payload"].encode()
        assert many == one
    assert batched[1]["after"]["warn_at"] == "2026-11-25T03:04:05Z"
    seal_pending()
    result = verify_chain(now=moment)
    assert result.ok, result.problems


@pytest.mark.django_db(transaction=True)
def test_record_many_whose_insert_fails_leaves_nothing_behind(people):
    mark = last_entry_id()
    entry = recorder.SystemEntry("inbox.question", "7", "#7", after={"round": 1})
    with database_roles.audit_inserts_fail(), pytest.raises(DatabaseError), transaction.atomic():
        recorder.record_many("inbox.question.poked", [entry])
    assert actions_since(mark) == []


def test_record_writes_the_row_and_record_the_orm_would_have(people, monkeypatch):
    """record() builds the values without a JSON round trip and inserts them with one statement of its own: the
    columns and the canonical record (the bytes the hash chain covers) are those AuditEntry.objects.create wrote
    from the round-tripped values before."""
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from audit.context import RequestContext, bind_request_context, unbind_request_context

    moment = dt.datetime(2026, 12, 7, 20, 1, 2, 345678, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    question_like = people.queue_a
    cases = [
        {"actor": people.employee_a, "target": question_like, "after": {"lease_ends": moment}},
        {"actor": people.employee_a, "target": question_like, "before": {"holder": "E100"}},
        {"actor": None, "target_type": "t", "target_id": "1", "target_label": "«ünïcødé» " + "x" * 300},
        {
            "actor": people.supervisor,
            "before": {"rate": 1.5, "nested": {"b": [1, (2, 3)]}, 3: "int key", "flag": True, "none": None},
            "after": {"day": dt.date(2026, 11, 25), "amount": Decimal("1.10"), "at": moment.replace(microsecond=0)},
        },
    ]
    columns = ("created_at", "actor", "actor_number", "action", "target_type", "target_id", "target_label")
    columns += ("before", "after", "source_address", "request_id", "payload")
    for context in (RequestContext(), RequestContext(source_address="203.0.113.7", request_id="req-1")):
        token = bind_request_context(context)
        try:
            for case in cases:
                with transaction.atomic():
                    written = recorder.record("test.recorded", **case)
                    target = case.get("target")
                    fields = {
                        "created_at": moment,
                        "actor_id": case["actor"].pk if case["actor"] else None,
                        "actor_number": str(case["actor"]) if case["actor"] else recorder.SYSTEM_ACTOR,
                        "action": "test.recorded",
                        "target_type": target._meta.label_lower if target else case.get("target_type", ""),
                        "target_id": str(target.pk) if target else case.get("target_id", ""),
                        "target_label": (str(target) if target else case.get("target_label", ""))[:200],
                        # The round trip the recorder used to make.
                        "before": recorder._json_ready(case.get("before")),
                        "after": recorder._json_ready(case.get("after")),
                        "source_address": context.source_address,
                        "request_id": context.request_id,
                    }
                    reference = AuditEntry.objects.create(payload=recorder.entry_payload(fields), **fields)
                mine, theirs = (
                    AuditEntry.objects.filter(pk=pk).values(*columns).get() for pk in (written.pk, reference.pk)
                )
                assert mine["payload"].encode() == theirs["payload"].encode()
                assert mine == theirs
                assert written.pk < reference.pk and not written._state.adding
                assert {c: getattr(written, "actor_id" if c == "actor" else c) for c in columns} == mine
        finally:
            unbind_request_context(token)
