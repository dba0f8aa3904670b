"""One employee holds at most CLAIM_HOLD_LIMIT questions at once (default 3); supervisors are exempt."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.services import grant_queue
from inbox import claims
from inbox.errors import HoldLimitReached
from inbox.models import Question
from tests.concurrency import at_once
from tests.helpers import actions_since, last_entry_id


@pytest.fixture
def questions(people, routed_to_a, ask):
    return [ask(f"Where is my order {n}?", customer=f"buyer{n}") for n in range(5)]


def test_the_default_limit_is_three(settings):
    assert settings.CLAIM_HOLD_LIMIT == 3


def test_an_employee_holding_the_limit_cannot_claim_another_and_nothing_is_written(people, questions):
    for question in questions[:3]:
        claims.claim(question, actor=people.employee_a)
    mark = last_entry_id()
    with pytest.raises(HoldLimitReached) as refused:
        claims.claim(questions[3], actor=people.employee_a)
    assert "You already hold 3 questions" in refused.value.message
    assert Question.objects.get(pk=questions[3].pk).holder_id is None
    assert actions_since(mark) == []


def test_claiming_again_a_question_one_holds_renews_it_even_at_the_limit(people, questions):
    for question in questions[:3]:
        claims.claim(question, actor=people.employee_a)
    claims.claim(questions[0], actor=people.employee_a)
    assert Question.objects.filter(holder=people.employee_a).count() == 3


def test_releasing_one_makes_room_for_the_next(people, questions):
    held = [claims.claim(question, actor=people.employee_a) for question in questions[:3]]
    claims.release(held[0], actor=people.employee_a)
    claims.claim(questions[3], actor=people.employee_a)
    assert Question.objects.filter(holder=people.employee_a).count() == 3


def test_a_supervisor_holds_as_many_as_needed(people, questions):
    grant_queue(people.supervisor, people.queue_a, actor=people.administrator)
    for question in questions:
        claims.claim(question, actor=people.supervisor)
    assert Question.objects.filter(holder=people.supervisor).count() == len(questions)


def test_the_limit_is_a_setting(people, questions, settings):
    settings.CLAIM_HOLD_LIMIT = 1
    claims.claim(questions[0], actor=people.employee_a)
    with pytest.raises(HoldLimitReached) as refused:
        claims.claim(questions[1], actor=people.employee_a)
    assert "You already hold 1 question," in refused.value.message


def test_next_question_at_the_limit_says_why_on_the_inbox(people, questions):
    for question in questions[:3]:
        claims.claim(question, actor=people.employee_a)
    client = Client()
    client.force_login(people.employee_a)
    response = client.post(reverse("inbox:next"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("inbox:inbox")
    assert "You already hold 3 questions" in response.content.decode()
    assert Question.objects.filter(holder=people.employee_a).count() == 3


@pytest.mark.django_db(transaction=True)
def test_two_claims_at_once_cannot_both_take_the_last_place(people, questions, settings):
    settings.CLAIM_HOLD_LIMIT = 1

    def claim(question) -> str:
        try:
            claims.claim(Question.objects.get(pk=question.pk), actor=people.employee_a)
        except HoldLimitReached:
            return "refused"
        return "won"

    assert sorted(at_once(questions[:4], claim)) == ["refused", "refused", "refused", "won"]
    assert Question.objects.filter(holder=people.employee_a).count() == 1
