"""Claim and lock: one holder at a time, leases that expire, tokens that go stale."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Role
from inbox import claims, services
from inbox.configuration import save_setting
from inbox.errors import AlreadyClaimed, ClaimLost, NotAllowedToAnswer, QuestionClosed
from inbox.models import Question, Reply, RoutingRule
from tests import cast
from tests.concurrency import at_once
from tests.helpers import actions_since, last_entry_id


@pytest.fixture
def desk(people, routed_to_a, ask):
    """The cast, plus a question asked in queue A (the cast's employee_a may answer it; employee_b may not)."""
    from inbox.models import Queue

    people.question = ask("Where is my order #1234?")
    assert people.question.queue == people.queue_a
    people.queue_a = Queue.objects.get(pk=people.queue_a.pk)
    return people


def test_claim_gives_the_question_to_one_employee_and_tells_others_who(desk):
    claimed = claims.claim(desk.question, actor=desk.employee_a)
    assert claimed.holder == desk.employee_a and claimed.claim_token is not None
    second = cast.approved("E101", by=desk.supervisor, role=Role.EMPLOYEE, queues=[desk.queue_a])
    with pytest.raises(AlreadyClaimed) as refused:
        claims.claim(desk.question, actor=second)
    assert refused.value.holder == desk.employee_a
    assert "E100" in refused.value.message


def test_employee_without_the_queue_cannot_claim(desk):
    mark = last_entry_id()
    with pytest.raises(NotAllowedToAnswer):
        claims.claim(desk.question, actor=desk.employee_b)
    with pytest.raises(NotAllowedToAnswer):
        claims.claim(desk.question, actor=desk.compliance)
    assert actions_since(mark) == []


def test_a_claim_expires_unless_renewed(desk):
    now = timezone.now()
    held = claims.claim(desk.question, actor=desk.employee_a, now=now)
    other = cast.approved("E101", by=desk.supervisor, role=Role.EMPLOYEE, queues=[desk.queue_a])
    with pytest.raises(AlreadyClaimed):
        claims.claim(desk.question, actor=other, now=now + timedelta(minutes=9))
    claims.renew(held, actor=desk.employee_a, token=held.claim_token, now=now + timedelta(minutes=9))
    with pytest.raises(AlreadyClaimed):
        claims.claim(desk.question, actor=other, now=now + timedelta(minutes=15))
    taken = claims.claim(desk.question, actor=other, now=now + timedelta(minutes=20))
    assert taken.holder == other
    # The first holder's token is stale now: renewing and sending are refused.
    with pytest.raises(ClaimLost):
        claims.renew(desk.question, actor=desk.employee_a, token=held.claim_token, now=now + timedelta(minutes=20))


def test_send_with_a_stale_token_is_refused_and_nothing_is_written(desk):
    held = claims.claim(desk.question, actor=desk.employee_a)
    token = str(held.claim_token)
    claims.release(held, actor=desk.employee_a)
    claims.claim(desk.question, actor=desk.employee_a)
    mark = last_entry_id()
    with pytest.raises(ClaimLost):
        services.send_reply(desk.question, actor=desk.employee_a, token=token, body="Your order ships today.")
    assert Reply.objects.count() == 0
    assert actions_since(mark) == []


def test_the_same_form_sent_twice_queues_one_reply(desk):
    held = claims.claim(desk.question, actor=desk.employee_a)
    token = str(held.claim_token)
    services.send_reply(desk.question, actor=desk.employee_a, token=token, body="Your order ships today.")
    with pytest.raises(ClaimLost):
        services.send_reply(desk.question, actor=desk.employee_a, token=token, body="Your order ships today.")
    assert Reply.objects.count() == 1
    reply = Reply.objects.get()
    assert reply.text == "Your order ships today.\n^E100"
    assert reply.status == Reply.Status.QUEUED


def test_database_allows_one_accepted_reply_per_question_round(desk):
    from django.db import IntegrityError, transaction

    held = claims.claim(desk.question, actor=desk.employee_a)
    reply = services.send_reply(held, actor=desk.employee_a, token=str(held.claim_token), body="First")
    with pytest.raises(IntegrityError), transaction.atomic():
        Reply.objects.create(
            question=desk.question,
            round=reply.round,
            author=desk.employee_a,
            text="Second",
            in_reply_to=reply.in_reply_to,
        )
    # A failed reply does not count: the question can be answered again.
    Reply.objects.filter(pk=reply.pk).update(status=Reply.Status.FAILED)
    Reply.objects.create(
        question=desk.question, round=reply.round, author=desk.employee_a, text="Again", in_reply_to=reply.in_reply_to
    )


def test_release_force_release_and_reassign_are_audited(desk):
    held = claims.claim(desk.question, actor=desk.employee_a)
    mark = last_entry_id()
    claims.force_release(held, actor=desk.supervisor, reason="Customer is a journalist")
    other = cast.approved("E101", by=desk.supervisor, role=Role.EMPLOYEE, queues=[desk.queue_a])
    mark_after_setup = last_entry_id()
    claims.reassign(desk.question, actor=desk.supervisor, to=other, reason="Knows the product")
    claims.release(desk.question, actor=other)
    assert actions_since(mark)[0] == "inbox.question.force_released"
    assert actions_since(mark_after_setup) == ["inbox.question.reassigned", "inbox.question.released"]
    with pytest.raises(NotAllowedToAnswer):
        claims.reassign(desk.question, actor=desk.supervisor, to=desk.employee_b, reason="x")


def test_answered_question_cannot_be_claimed(desk):
    held = claims.claim(desk.question, actor=desk.employee_a)
    services.send_reply(held, actor=desk.employee_a, token=str(held.claim_token), body="Done")
    with pytest.raises(QuestionClosed):
        claims.claim(desk.question, actor=desk.employee_a)


def test_next_question_hands_out_highest_priority_then_oldest(desk, ask):
    from inbox.models import Priority

    save_setting(
        RoutingRule(name="broken", keywords="broken", queue=desk.queue_a, priority=Priority.URGENT), actor=None
    )
    later = ask("Another order question", customer="ito")
    urgent = ask("My parcel arrived broken", customer="mori")
    assert (urgent.queue, urgent.priority) == (desk.queue_a, Priority.URGENT)
    assert claims.next_question_for(desk.employee_a).pk == urgent.pk
    assert claims.next_question_for(desk.employee_a).pk == desk.question.pk
    assert claims.next_question_for(desk.employee_a).pk == later.pk
    assert claims.next_question_for(desk.employee_a) is None
    assert claims.next_question_for(desk.employee_b) is None


def test_expired_claims_are_released_in_one_sweep(desk):
    now = timezone.now()
    claims.claim(desk.question, actor=desk.employee_a, now=now - timedelta(minutes=30))
    mark = last_entry_id()
    assert claims.release_expired(now=now) == 1
    assert claims.release_expired(now=now) == 0
    desk.question.refresh_from_db()
    assert desk.question.holder is None
    assert actions_since(mark) == ["inbox.question.lock_expired"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_number", range(5))
def test_sixteen_employees_claiming_at_once_have_exactly_one_winner(people, routed_to_a, ask, round_number):
    question = ask(f"Order question {round_number}")
    staff = [
        cast.approved(f"E{300 + i}", by=people.supervisor, role=Role.EMPLOYEE, queues=[people.queue_a])
        for i in range(16)
    ]

    def press_take(employee) -> str:
        try:
            claims.claim(Question.objects.get(pk=question.pk), actor=employee)
            return f"won:{employee}"
        except AlreadyClaimed as refused:
            return f"told:{refused.holder}"

    outcomes = at_once(staff, press_take)
    winners = [o for o in outcomes if o.startswith("won:")]
    assert len(outcomes) == 16 and len(winners) == 1
    holder = winners[0].removeprefix("won:")
    assert all(o == f"told:{holder}" for o in outcomes if o.startswith("told:"))
    question.refresh_from_db()
    assert str(question.holder) == holder


@pytest.mark.django_db(transaction=True)
def test_next_question_gives_simultaneous_employees_different_questions(people, routed_to_a, ask):
    for i in range(8):
        ask(f"Order question {i}", customer=f"customer{i}")
    staff = [
        cast.approved(f"E{400 + i}", by=people.supervisor, role=Role.EMPLOYEE, queues=[people.queue_a])
        for i in range(8)
    ]

    def next_please(employee) -> str:
        question = claims.next_question_for(employee)
        return str(question.pk) if question else "none"

    picked = at_once(staff, next_please)
    assert "none" not in picked and len(picked) == 8
    assert len(set(picked)) == 8


def test_suspension_and_revoking_the_queue_free_the_persons_claims(desk, ask):
    from accounts import services as people_services

    claims.claim(desk.question, actor=desk.employee_a)
    people_services.revoke_queue(desk.employee_a, desk.queue_a, actor=desk.supervisor)
    desk.question.refresh_from_db()
    assert desk.question.holder is None
    other = ask("One more order question", customer="fujita")
    colleague = cast.approved("E101", by=desk.supervisor, role=Role.EMPLOYEE, queues=[desk.queue_a])
    claims.claim(other, actor=colleague)
    people_services.suspend_employee(colleague, actor=desk.supervisor, reason="Left")
    other.refresh_from_db()
    assert other.holder is None


def test_renewing_or_sending_after_the_queue_was_revoked_is_refused(desk):
    from accounts import services as people_services

    held = claims.claim(desk.question, actor=desk.employee_a)
    token = held.claim_token
    people_services.grant_queue(desk.employee_a, desk.queue_b, actor=desk.supervisor)  # unrelated grant stays
    people_services.revoke_queue(desk.employee_a, desk.queue_a, actor=desk.supervisor)
    with pytest.raises(NotAllowedToAnswer):
        claims.renew(desk.question, actor=desk.employee_a, token=token)
    with pytest.raises(NotAllowedToAnswer):
        services.send_reply(desk.question, actor=desk.employee_a, token=str(token), body="Hi")


def test_a_malformed_token_is_a_lost_claim_not_an_error(desk):
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(desk.employee_a)
    for data in [{}, {"token": "abc"}]:
        response = client.post(reverse("inbox:renew", args=[desk.question.pk]), data)
        assert response.status_code == 200 and "no longer hold" in response.content.decode()
