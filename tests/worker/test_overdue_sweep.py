"""The service-level sweep: flagged once, supervisors warned once per question, round and threshold."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from inbox import claims, configuration, notices, overdue, services
from inbox.errors import QuestionClosed, ReasonRequired
from inbox.models import OverdueNotice, Priority, Question, ServiceLevel
from tests import database_roles
from tests.concurrency import at_once
from tests.helpers import actions_since, last_entry_id, wind_back

NORMAL_MINUTES = 120  # SERVICE_LEVEL_MINUTES_NORMAL's default; supervisors are warned at twice that


def later(minutes: float):
    return timezone.now() + timedelta(minutes=minutes)


def test_a_new_question_gets_its_deadlines_from_the_default_service_level(desk, ask):
    question = ask("Where is my order #1?")
    assert question.priority == Priority.NORMAL
    assert question.waiting_since == question.created_at
    assert question.due_at - question.created_at == timedelta(minutes=NORMAL_MINUTES)
    assert question.warn_at - question.created_at == timedelta(minutes=2 * NORMAL_MINUTES)


def test_a_queue_level_wins_over_the_default_level_of_its_priority(desk, ask):
    configuration.save_service_level(
        ServiceLevel(queue=None, priority=Priority.NORMAL, answer_within_minutes=60, warn_after_minutes=90),
        actor=desk.administrator,
    )
    configuration.save_service_level(
        ServiceLevel(queue=desk.queue_a, priority=Priority.NORMAL, answer_within_minutes=30, warn_after_minutes=45),
        actor=desk.administrator,
    )
    in_a = ask("Where is my order #2?")
    elsewhere = ask("Do you sell gift cards?")
    assert in_a.due_at - in_a.created_at == timedelta(minutes=30)
    assert elsewhere.queue != desk.queue_a
    assert elsewhere.due_at - elsewhere.created_at == timedelta(minutes=60)
    assert elsewhere.warn_at - elsewhere.created_at == timedelta(minutes=90)


def test_changing_a_level_moves_the_deadlines_of_open_questions_it_governs(desk, ask):
    question = ask("Where is my order #3?")
    other_queue = ask("Do you sell gift cards?")
    mark = last_entry_id()
    configuration.save_service_level(
        ServiceLevel(queue=desk.queue_a, priority=Priority.NORMAL, answer_within_minutes=10, warn_after_minutes=20),
        actor=desk.administrator,
    )
    question.refresh_from_db()
    assert question.due_at == question.waiting_since + timedelta(minutes=10)
    assert question.warn_at == question.waiting_since + timedelta(minutes=20)
    untouched = Question.objects.get(pk=other_queue.pk)
    assert untouched.due_at == other_queue.due_at
    assert actions_since(mark) == ["inbox.servicelevel.created"]


def test_warning_before_the_level_is_refused(db):
    level = ServiceLevel(priority=Priority.HIGH, answer_within_minutes=30, warn_after_minutes=20)
    with pytest.raises(ValidationError, match="warned at the service level or later"):
        level.full_clean()


def test_a_question_past_its_level_is_flagged_once_with_one_entry(desk, ask):
    question = ask("Where is my order #4?")
    assert overdue.flag_unanswered(now=later(NORMAL_MINUTES - 1)).flagged == 0
    mark = last_entry_id()
    first = overdue.flag_unanswered(now=later(NORMAL_MINUTES + 1))
    second = overdue.flag_unanswered(now=later(NORMAL_MINUTES + 2))
    assert (first.flagged, first.warned, second.flagged, second.warned) == (1, 0, 0, 0)
    question.refresh_from_db()
    assert question.overdue == Question.Overdue.OVERDUE and question.is_flagged_overdue
    assert actions_since(mark) == ["inbox.question.flagged_overdue"]
    assert OverdueNotice.objects.count() == 0


def test_at_the_second_threshold_the_queues_supervisors_are_warned_by_mail_and_in_the_desk(desk, ask, client):
    question = ask("Where is my order #5?")
    mark = last_entry_id()
    result = overdue.flag_unanswered(now=later(2 * NORMAL_MINUTES + 1))
    assert (result.flagged, result.warned) == (1, 1)
    assert actions_since(mark) == ["inbox.question.flagged_overdue", "inbox.question.supervisors_warned"]
    notice = OverdueNotice.objects.get()
    assert (notice.question, notice.round, notice.recipients) == (question, 1, "S100")

    assert notices.mail_pending() == 1
    assert [m.to for m in mail.outbox] == [["s100@example.com"]]
    assert f"#{question.pk}" in mail.outbox[0].body
    assert reverse("inbox:question", args=[question.pk]) in mail.outbox[0].body
    assert notices.mail_pending() == 0 and len(mail.outbox) == 1

    client.force_login(desk.supervisor)
    page = client.get(reverse("inbox:inbox")).content.decode()
    assert "1 question in your queues has waited so long that supervisors are warned." in page
    overdue_page = client.get(reverse("inbox:overdue")).content.decode()
    assert f"#{question.pk}</a>" in overdue_page and "Supervisors warned" in overdue_page
    # The supervisor of no queue is not told about queue A's questions.
    client.force_login(desk.other_supervisor)
    assert "supervisors are warned" not in client.get(reverse("inbox:overdue")).content.decode()


def test_a_queue_without_a_supervisor_warns_every_supervisor(desk, ask):
    question = ask("Do you sell gift cards?")
    overdue.flag_unanswered(now=later(2 * NORMAL_MINUTES + 1))
    notice = OverdueNotice.objects.get(question=question)
    assert notice.recipients.split() == ["S100", "S300"]


def test_the_flag_stops_counting_when_the_question_is_answered(desk, ask, client):
    question = ask("Where is my order #6?")
    overdue.flag_unanswered(now=later(2 * NORMAL_MINUTES + 1))
    held = claims.claim(question, actor=desk.employee_a)
    services.send_reply(held, actor=desk.employee_a, token=str(held.claim_token), body="It ships today.")
    question.refresh_from_db()
    assert question.status == Question.Status.ANSWERED and not question.is_flagged_overdue
    client.force_login(desk.supervisor)
    assert "supervisors are warned" not in client.get(reverse("inbox:inbox")).content.decode()
    assert f"#{question.pk}</a>" not in client.get(reverse("inbox:overdue")).content.decode()


def test_a_supervisor_closes_a_question_that_needs_no_answer(desk, ask, client):
    question = ask("Where is my order #7? spam spam")
    overdue.flag_unanswered(now=later(NORMAL_MINUTES + 1))
    claims.claim(question, actor=desk.employee_a)
    client.force_login(desk.supervisor)
    mark = last_entry_id()
    with pytest.raises(ReasonRequired):
        services.close_question(question, actor=desk.supervisor, reason="  ")
    response = client.post(reverse("inbox:close", args=[question.pk]), {"reason": "Spam"}, follow=True)
    assert "The question is closed." in response.content.decode()
    question.refresh_from_db()
    assert question.status == Question.Status.CLOSED and question.holder is None
    assert not question.is_flagged_overdue
    assert actions_since(mark) == ["inbox.question.closed"]
    with pytest.raises(QuestionClosed):
        services.close_question(question, actor=desk.supervisor, reason="again")


def test_an_employee_cannot_close_a_question(desk, ask, client):
    question = ask("Where is my order #8?")
    client.force_login(desk.employee_a)
    assert client.post(reverse("inbox:close", args=[question.pk]), {"reason": "Spam"}).status_code == 403
    question.refresh_from_db()
    assert question.status == Question.Status.OPEN


def test_a_reopened_question_is_warned_about_again_in_its_new_round_only(desk, ask, fake_x):
    question = ask("Where is my order #9?")
    overdue.flag_unanswered(now=later(2 * NORMAL_MINUTES + 1))
    held = claims.claim(question, actor=desk.employee_a)
    services.send_reply(held, actor=desk.employee_a, token=str(held.claim_token), body="It ships today.")
    follow_up = ask("It did not arrive.", customer="tanaka_k", in_reply_to=question.source_post_id)
    assert follow_up.pk == question.pk and follow_up.round == 2
    assert follow_up.overdue == Question.Overdue.ON_TIME
    overdue.flag_unanswered(now=later(2 * NORMAL_MINUTES + 2))
    overdue.flag_unanswered(now=later(2 * NORMAL_MINUTES + 3))
    assert sorted(OverdueNotice.objects.filter(question=question).values_list("round", flat=True)) == [1, 2]


@pytest.mark.django_db(transaction=True)
def test_sweeps_run_at_once_flag_and_warn_each_question_once(desk, ask_many):
    questions = ask_many(30)
    wind_back(questions, 2 * NORMAL_MINUTES + 1)
    mark = last_entry_id()
    results = at_once(range(4), lambda _n: overdue.flag_unanswered())
    assert len(results) == 4
    assert sum(r.flagged for r in results) == 30 and sum(r.warned for r in results) == 30
    actions = actions_since(mark)
    assert actions.count("inbox.question.flagged_overdue") == 30
    assert actions.count("inbox.question.supervisors_warned") == 30
    assert OverdueNotice.objects.count() == 30

    mailed = at_once(range(3), lambda _n: notices.mail_pending())
    assert sum(mailed) == 30
    listed = [line for m in mail.outbox for line in m.body.splitlines() if line.startswith("#")]
    assert sorted(listed) == sorted({line for line in listed}) and len(listed) == 30


def test_a_second_sweep_after_a_crash_between_steps_finishes_the_warnings(desk, ask):
    question = ask("Where is my order #10?")
    # The first step committed, then the worker died before the second.
    overdue._flag_batch(later(2 * NORMAL_MINUTES + 1), overdue.BATCH)
    question.refresh_from_db()
    assert question.overdue == Question.Overdue.OVERDUE and OverdueNotice.objects.count() == 0
    result = overdue.flag_unanswered(now=later(2 * NORMAL_MINUTES + 2))
    assert (result.flagged, result.warned) == (0, 1)
    assert OverdueNotice.objects.count() == 1


def test_a_mailer_that_died_mid_send_is_retried_after_a_while_never_at_once(desk, ask):
    ask("Where is my order #11?")
    overdue.flag_unanswered(now=later(2 * NORMAL_MINUTES + 1))
    # A mailer took the notice and died before marking it mailed.
    taken = notices._take_for_mailing(timezone.now())
    assert len(taken) == 1
    assert notices.mail_pending() == 0 and mail.outbox == []
    assert notices.mail_pending(now=timezone.now() + notices.MAILING_STALE + timedelta(seconds=1)) == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_the_sweep_writes_nothing_when_its_audit_entries_cannot_be_written(desk, ask):
    from django.db import DatabaseError

    question = ask("Where is my order #12?")
    with database_roles.audit_inserts_fail(), pytest.raises(DatabaseError):
        overdue.flag_unanswered(now=later(2 * NORMAL_MINUTES + 1))
    question.refresh_from_db()
    assert question.overdue == Question.Overdue.ON_TIME and OverdueNotice.objects.count() == 0


def test_an_administrator_sets_a_service_level_in_the_admin(desk, ask, client):
    question = ask("Where is my order #13?")
    client.force_login(desk.administrator)
    mark = last_entry_id()
    response = client.post(
        reverse("admin:inbox_servicelevel_add"),
        {"queue": desk.queue_a.pk, "priority": Priority.NORMAL, "answer_within_minutes": 5, "warn_after_minutes": 4},
    )
    assert "Supervisors are warned at the service level or later." in response.content.decode()
    assert ServiceLevel.objects.count() == 0 and actions_since(mark) == []
    client.post(
        reverse("admin:inbox_servicelevel_add"),
        {"queue": desk.queue_a.pk, "priority": Priority.NORMAL, "answer_within_minutes": 5, "warn_after_minutes": 15},
    )
    assert actions_since(mark) == ["inbox.servicelevel.created"]
    question.refresh_from_db()
    assert question.due_at == question.waiting_since + timedelta(minutes=5)
