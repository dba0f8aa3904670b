"""Escalation: a question handed to a department, without the customer waiting in silence.

The desk's service level stops when X has posted the public acknowledgement (what the customer sees), not when the
question is escalated; from then on the department's levels run. A new post while escalated reaches the department.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts import services as staff
from accounts.models import Role
from inbox import claims, escalations, outbox, overdue, services
from inbox.access import access_question, may_answer
from inbox.configuration import save_setting
from inbox.errors import (
    AlreadyEscalated,
    ClaimLost,
    EscalationSettled,
    NoteRequired,
    NotInDepartment,
    OutcomeRequired,
    QuestionClosed,
)
from inbox.models import Department, Escalation, Notification, Question, Reply
from tests import cast
from tests.helpers import actions_for, signed_in, wind_back

ACK_JA = "詳しくお伺いしたく、お客様相談室（0120-000-000、平日9–17時）までお問い合わせください。"
CLOSING = "It is settled: the money is back on your card. Thank you for your patience."


@pytest.fixture
def desk(people, routed_to_a, ask, settings):
    """E100 answers queue A; D100 is a member of the refunds team (no queue); the consultation office is off the
    desk. The company's own number is allowed, so the acknowledgement needs no approval."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    people.refunds = save_setting(
        Department(
            code="refunds",
            name_ja="返金チーム",
            name_en="Payments team",
            acknowledgement_ja="担当より詳しくご案内いたします。",
            acknowledgement_en="Our payments team will take care of this.",
            accept_within_minutes=30,
            resolve_within_minutes=240,
        ),
        actor=people.administrator,
    )
    people.consultation = save_setting(
        Department(
            code="consultation",
            name_ja="お客様相談室",
            name_en="Customer consultation office",
            kind=Department.Kind.OFF_DESK,
            email="consultation@example.com",
            acknowledgement_ja=ACK_JA,
            acknowledgement_en="Please call our consultation office on 0120-000-000.",
        ),
        actor=people.administrator,
    )
    people.member = cast.approved("D100", by=people.supervisor, role=Role.EMPLOYEE)
    staff.join_department(people.member, people.refunds, actor=people.supervisor)
    people.question = ask("My order arrived broken and I want a refund", customer="kato")
    return people


def claimed(question: Question, by) -> Question:
    return claims.claim(question, actor=by)


def escalated(desk, department=None, *, by=None, note: str = "Customer was charged twice; order 1234") -> Escalation:
    by = by or desk.employee_a
    question = claimed(desk.question, by) if by == desk.employee_a else desk.question
    return escalations.escalate(
        question,
        actor=by,
        department=department or desk.refunds,
        reason=Escalation.Reason.RESPONSIBILITY,
        note=note,
        token=str(question.claim_token) if by == desk.employee_a else None,
    )


def send(question: Question, by, body: str):
    question.refresh_from_db()
    question = claimed(question, by)
    return services.send_reply(question, actor=by, token=str(question.claim_token), body=body)


def posted(reply: Reply, channel) -> Reply:
    assert outbox.deliver(reply.pk, channel).outcome == "sent"
    reply.refresh_from_db()
    return reply


# --- escalating ----------------------------------------------------------------------------------------------------


def test_escalating_releases_the_claim_and_marks_the_question_with_the_department(desk):
    escalation = escalated(desk)
    question = Question.objects.get(pk=desk.question.pk)
    assert question.holder is None and question.department == desk.refunds
    assert question.status == Question.Status.OPEN  # the customer has not been told anything yet
    assert escalation.status == Escalation.Status.OPEN and escalation.internal_note.startswith("Customer was charged")
    assert "inbox.question.escalated" in actions_for(question)
    told = Notification.objects.get(recipient=desk.member)
    assert told.kind == Notification.Kind.ESCALATED_TO_YOU


def test_an_employee_escalates_only_what_they_hold(desk):
    with pytest.raises(ClaimLost):
        escalations.escalate(
            desk.question, actor=desk.employee_a, department=desk.refunds, reason="complaint", token=None
        )
    assert not Escalation.objects.exists()


def test_a_question_is_escalated_once_at_a_time(desk):
    escalated(desk)
    with pytest.raises(AlreadyEscalated):
        escalated(desk, by=desk.supervisor)


def test_the_acknowledgement_offered_is_the_departments_in_the_customers_language(desk, ask):
    from inbox.escalation_selectors import acknowledgement_offer

    escalation = escalated(desk)
    question = Question.objects.get(pk=desk.question.pk)
    assert acknowledgement_offer(question, escalation) == "Our payments team will take care of this."
    japanese = ask("注文した品が壊れていました。返金してほしいです order", customer="sato")
    other = escalations.escalate(japanese, actor=desk.supervisor, department=desk.consultation, reason="complaint")
    assert acknowledgement_offer(Question.objects.get(pk=japanese.pk), other) == ACK_JA


# --- the service-level clock ---------------------------------------------------------------------------------------


def test_the_desks_clock_keeps_running_after_escalating_until_the_acknowledgement_is_posted(desk, channel):
    escalation = escalated(desk)
    # Escalated but the customer told nothing: the sweep still flags the question when its level passes.
    wind_back([desk.question], minutes=60 * 24)
    overdue.flag_unanswered()
    question = Question.objects.get(pk=desk.question.pk)
    assert question.overdue > Question.Overdue.ON_TIME
    escalation.refresh_from_db()
    assert escalation.accept_due_at is None and escalation.resolve_due_at is None

    reply = send(question, desk.employee_a, "Our payments team will take care of this.")
    assert isinstance(reply, Reply) and reply.purpose == Reply.Purpose.ACKNOWLEDGEMENT
    escalation.refresh_from_db()
    assert escalation.acknowledged_at is None  # queued, not yet posted: the department's levels wait for X
    reply = posted(reply, channel)
    escalation.refresh_from_db()
    assert escalation.acknowledgement_id == reply.pk
    assert escalation.acknowledged_at == reply.sent_at
    assert escalation.accept_due_at == reply.sent_at + timedelta(minutes=30)
    assert escalation.resolve_due_at == reply.sent_at + timedelta(minutes=240)
    question.refresh_from_db()
    assert question.status == Question.Status.ESCALATED
    assert not Question.objects.to_flag(timezone.now() + timedelta(days=30)).filter(pk=question.pk).exists()


def test_the_department_is_warned_when_its_levels_pass_once_each(desk, channel):
    escalated(desk)
    posted(send(desk.question, desk.employee_a, "Our payments team will take care of this."), channel)
    later = timezone.now() + timedelta(minutes=31)
    assert escalations.warn_overdue(now=later) == {"accept": 1, "resolve": 0}
    assert escalations.warn_overdue(now=later) == {"accept": 0, "resolve": 0}
    kinds = set(
        Notification.objects.filter(recipient__in=[desk.member, desk.supervisor]).values_list("kind", "recipient")
    )
    assert (Notification.Kind.ESCALATION_ACCEPT_OVERDUE, desk.member.pk) in kinds
    assert (Notification.Kind.ESCALATION_ACCEPT_OVERDUE, desk.supervisor.pk) in kinds
    assert escalations.warn_overdue(now=timezone.now() + timedelta(minutes=241)) == {"accept": 0, "resolve": 1}


# --- the department's part -----------------------------------------------------------------------------------------


def test_in_desk_department_end_to_end(desk, channel):
    escalation = escalated(desk)
    ack = posted(send(desk.question, desk.employee_a, "Our payments team will take care of this."), channel)
    escalations.accept(escalation, actor=desk.member)
    question = Question.objects.get(pk=desk.question.pk)
    # Now the department's: the queue's employee may no longer answer it; the member may.
    assert not may_answer(desk.employee_a, question) and may_answer(desk.member, question)
    closing = posted(send(question, desk.member, CLOSING), channel)
    assert closing.purpose == Reply.Purpose.CLOSING and closing.author == desk.member
    question.refresh_from_db()
    assert question.status == Question.Status.ESCALATED
    escalations.resolve(escalation, actor=desk.member, outcome="refund_issued", note="Refunded ¥3,980")
    question.refresh_from_db()
    escalation.refresh_from_db()
    assert question.status == Question.Status.ANSWERED and question.department is None
    assert escalation.status == Escalation.Status.RESOLVED and escalation.closed_by == desk.member
    assert escalation.acknowledgement == ack
    assert [r.purpose for r in Reply.objects.filter(question=question).order_by("id")] == ["acknowledgement", "closing"]
    trail = actions_for(question)
    for action in (
        "inbox.question.escalated",
        "inbox.escalation.acknowledged",
        "inbox.escalation.accepted",
        "inbox.escalation.resolved",
    ):
        assert action in trail
    assert Notification.objects.filter(recipient=desk.employee_a, kind=Notification.Kind.ESCALATION_RESOLVED).exists()


def test_off_desk_department_gets_the_hand_off_by_mail_and_a_supervisor_records_the_outcome(desk, channel):
    escalation = escalated(desk, desk.consultation, note="Wants to talk to someone in charge")
    assert escalations.mail_packet(escalation.pk)
    assert not escalations.mail_packet(escalation.pk)  # taken once: never sent twice
    (message,) = mail.outbox
    assert message.to == ["consultation@example.com"]
    assert f"E-{escalation.pk}" in message.subject
    assert f"https://x.com/kato/status/{desk.question.last_post_id}" in message.body
    assert "Wants to talk to someone in charge" in message.body
    posted(send(desk.question, desk.employee_a, "Please call our consultation office, weekdays 9 to 17."), channel)
    with pytest.raises(NotInDepartment):
        escalations.resolve(escalation, actor=desk.employee_a, outcome="answered_by_phone")
    escalations.resolve(escalation, actor=desk.supervisor, outcome="answered_by_phone")
    question = Question.objects.get(pk=desk.question.pk)
    assert question.status == Question.Status.ANSWERED


def test_resolving_takes_an_outcome(desk):
    escalation = escalated(desk)
    with pytest.raises(OutcomeRequired):
        escalations.resolve(escalation, actor=desk.member, outcome="")
    escalation.refresh_from_db()
    assert escalation.status == Escalation.Status.OPEN


def test_resolved_without_telling_the_customer_on_x_closes_the_question(desk):
    escalation = escalated(desk, desk.consultation)
    escalations.resolve(escalation, actor=desk.supervisor, outcome="answered_by_phone")
    assert Question.objects.get(pk=desk.question.pk).status == Question.Status.CLOSED


def test_a_settled_escalation_is_settled_once(desk):
    escalation = escalated(desk)
    escalations.resolve(escalation, actor=desk.member, outcome="no_action")
    with pytest.raises(EscalationSettled):
        escalations.return_to_queue(escalation, actor=desk.member, note="Not ours")
    with pytest.raises(EscalationSettled):
        escalations.accept(escalation, actor=desk.member)


def test_returned_to_the_queue_with_a_note_and_its_clock_starts_again(desk, channel):
    escalation = escalated(desk)
    posted(send(desk.question, desk.employee_a, "Our payments team will take care of this."), channel)
    with pytest.raises(NoteRequired):
        escalations.return_to_queue(escalation, actor=desk.member, note="  ")
    before = timezone.now()
    escalations.return_to_queue(escalation, actor=desk.member, note="No refund due: the desk can answer this")
    question = Question.objects.get(pk=desk.question.pk)
    assert question.status == Question.Status.OPEN and question.department is None
    assert question.waiting_since >= before and question.overdue == Question.Overdue.ON_TIME
    assert may_answer(desk.employee_a, question)
    # The queue answers it now, in the same round as the acknowledgement.
    answer = send(question, desk.employee_a, "Here is what we can do for you instead.")
    assert answer.purpose == Reply.Purpose.ANSWER and answer.round == question.round
    assert Notification.objects.filter(recipient=desk.employee_a, kind=Notification.Kind.ESCALATION_RETURNED).exists()


def test_a_customer_post_while_escalated_reaches_the_department(desk, channel, ask, fake_x):
    escalated(desk)
    posted(send(desk.question, desk.employee_a, "Our payments team will take care of this."), channel)
    round_before = Question.objects.get(pk=desk.question.pk).round
    follow_up = ask("Any news on my refund? order", customer="kato", in_reply_to=desk.question.last_post_id)
    assert follow_up.pk == desk.question.pk
    question = Question.objects.get(pk=desk.question.pk)
    assert question.status == Question.Status.ESCALATED and question.round == round_before
    assert question.department == desk.refunds
    assert Escalation.objects.get(question=question).customer_wrote_at is not None
    assert Notification.objects.filter(recipient=desk.member, kind=Notification.Kind.ESCALATION_CUSTOMER_WROTE).exists()
    assert not Question.objects.open().filter(pk=question.pk).exists()  # not back in the general queue
    assert "inbox.escalation.customer_wrote" in actions_for(question)


# --- who sees and acts ---------------------------------------------------------------------------------------------


def test_a_department_member_sees_only_questions_escalated_to_their_department(desk, ask):
    from django.http import Http404

    other = ask("Where is my order? order", customer="sato")
    with pytest.raises(Http404):
        access_question(desk.member, desk.question.pk)
    escalated(desk)
    assert access_question(desk.member, desk.question.pk) == desk.question
    with pytest.raises(Http404):
        access_question(desk.member, other.pk)
    client = signed_in(desk.member)
    assert client.get(f"/inbox/questions/{other.pk}/").status_code == 404
    page = client.get("/inbox/escalations/")
    assert page.status_code == 200 and f"#{desk.question.pk}" in page.content.decode()
    assert signed_in(desk.employee_b).get("/inbox/escalations/").status_code == 403


def test_only_members_and_supervisors_act_for_a_department(desk):
    escalation = escalated(desk)
    with pytest.raises(NotInDepartment):
        escalations.accept(escalation, actor=desk.employee_a)
    escalations.accept(escalation, actor=desk.supervisor)


def test_an_escalated_question_cannot_be_closed_by_sending_twice(desk):
    escalated(desk)
    escalation = Escalation.objects.get()
    escalations.resolve(escalation, actor=desk.member, outcome="no_action")
    with pytest.raises(QuestionClosed):
        escalations.escalate(
            Question.objects.get(pk=desk.question.pk),
            actor=desk.supervisor,
            department=desk.refunds,
            reason="complaint",
        )


def test_the_question_page_shows_the_hand_off_and_offers_the_acknowledgement(desk):
    escalated(desk)
    client = signed_in(desk.employee_a)
    client.post(f"/inbox/questions/{desk.question.pk}/claim/")
    page = client.get(f"/inbox/questions/{desk.question.pk}/").content.decode()
    assert "Payments team" in page
    assert "Our payments team will take care of this." in page  # in the reply box
    assert "Customer was charged twice" in page  # the internal note, for the desk only


def test_an_acknowledgement_that_needs_approval_waits_like_any_reply_and_stays_an_acknowledgement(desk, channel):
    from inbox import approvals
    from inbox.approval_rules import text_hash

    escalated(desk)
    draft = send(desk.question, desk.employee_a, "Our refunds team will take care of this.")  # "refund": a keyword
    assert not isinstance(draft, Reply)
    approvals.approve(draft, actor=desk.supervisor, seen_sha256=text_hash(draft.text))
    reply = Reply.objects.get(question=desk.question)
    assert reply.purpose == Reply.Purpose.ACKNOWLEDGEMENT and reply.approval is not None
    assert Question.objects.get(pk=desk.question.pk).status == Question.Status.ESCALATED
    posted(reply, channel)
    assert Escalation.objects.get().acknowledged_at == Reply.objects.get(pk=reply.pk).sent_at


def test_a_supervisor_does_not_close_a_question_a_department_has(desk):
    escalated(desk)
    with pytest.raises(AlreadyEscalated):
        services.close_question(desk.question, actor=desk.supervisor, reason="spam")
    assert Question.objects.get(pk=desk.question.pk).status == Question.Status.OPEN


def test_a_department_member_without_a_queue_starts_from_the_escalations(desk):
    assert signed_in(desk.member).get("/")["Location"] == "/inbox/escalations/"
    assert signed_in(desk.employee_a).get("/")["Location"] == "/inbox/"


def test_a_hand_off_not_mailed_yet_is_picked_up_by_the_sweep_until_it_is(desk):
    escalation = escalated(desk, desk.consultation)
    assert escalations.packets_to_mail(timezone.now()) == []  # just made: its own task mails it
    later = timezone.now() + timedelta(minutes=6)
    assert escalations.packets_to_mail(later) == [escalation.pk]
    escalations.mail_packet(escalation.pk)
    assert escalations.packets_to_mail(later) == []
    assert len(mail.outbox) == 1


def test_the_holder_is_told_when_a_supervisor_escalates_their_question(desk):
    claimed(desk.question, desk.employee_a)
    escalations.escalate(desk.question, actor=desk.supervisor, department=desk.refunds, reason="complaint")
    told = Notification.objects.get(recipient=desk.employee_a)
    assert told.kind == Notification.Kind.TAKEN_FROM_YOU and told.by == "S100"
    assert Question.objects.get(pk=desk.question.pk).holder is None


def test_the_departments_own_acknowledgement_as_written_needs_no_approval_for_its_words(desk, ask):
    """A refunds team's acknowledgement says "refund": reviewed when the department was set up, like a template."""
    desk.refunds.acknowledgement_en = "Our refunds team will take care of this."
    save_setting(desk.refunds, actor=desk.administrator)
    escalated(desk)
    as_written = send(desk.question, desk.employee_a, "Our refunds team will take care of this.")
    assert isinstance(as_written, Reply) and as_written.purpose == Reply.Purpose.ACKNOWLEDGEMENT

    other = ask("Refund for my broken order please", customer="sato")
    escalations.escalate(other, actor=desk.supervisor, department=desk.refunds, reason="complaint")
    changed = send(other, desk.employee_a, "Our refunds team will take care of this tomorrow.")
    assert not isinstance(changed, Reply)  # changed: an ordinary reply, and "refund" is a keyword
    assert [reason["kind"] for reason in changed.reasons] == ["keyword"]


def test_the_inbox_escalated_filter_lists_questions_whose_customer_was_not_told_yet(desk, channel):
    from inbox import selectors

    escalated(desk)
    escalated_filter = selectors.InboxFilters(status=Question.Status.ESCALATED)
    page = selectors.questions_for_inbox(desk.employee_a, [desk.queue_a.pk], escalated_filter)
    assert [q.pk for q in page.questions] == [desk.question.pk]
    posted(send(desk.question, desk.employee_a, "Our payments team will take care of this."), channel)
    page = selectors.questions_for_inbox(desk.employee_a, [desk.queue_a.pk], escalated_filter)
    assert [q.pk for q in page.questions] == [desk.question.pk]
    open_filter = selectors.InboxFilters(status=Question.Status.OPEN)
    assert selectors.questions_for_inbox(desk.employee_a, [desk.queue_a.pk], open_filter).questions == []


def test_the_card_says_where_the_customer_stands(desk, channel):
    from inbox import question_page

    escalated(desk)

    def told() -> str:
        return question_page.build(Question.objects.get(pk=desk.question.pk), desk.member, timezone.now()).customer_told

    assert told() == "not_told"
    reply = send(desk.question, desk.employee_a, "Our payments team will take care of this.")
    assert told() == "queued"
    posted(reply, channel)
    assert told() == "told"
