"""Supervisor actions check their actor in the service itself: an admin action, a command or a future API that
calls them gets the same refusal as the page, and nothing is written."""

import pytest

from accounts.models import Role
from inbox import claims, services
from inbox.errors import NotAllowedToSupervise
from inbox.models import Question
from tests import cast
from tests.helpers import actions_since, last_entry_id

ACTIONS = {
    "force_release": lambda people, question, actor: claims.force_release(question, actor=actor, reason="Training"),
    "reassign": lambda people, question, actor: claims.reassign(
        question, actor=actor, to=people.colleague, reason="E101 knows this product"
    ),
    "close": lambda people, question, actor: services.close_question(question, actor=actor, reason="Spam"),
}
NOT_SUPERVISORS = ["employee_a", "employee_b", "compliance", "administrator", "pending", "suspended"]


@pytest.fixture
def people(people):
    """The cast, with a second employee in queue A to hand questions to."""
    people.colleague = cast.approved("E101", by=people.supervisor, role=Role.EMPLOYEE, queues=[people.queue_a])
    return people


def _claim_fields(question: Question) -> tuple:
    question.refresh_from_db()
    return (question.status, question.holder_id, question.lease_ends, question.claim_token)


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("who", NOT_SUPERVISORS)
def test_only_a_supervisor_may_take_hand_on_or_close_a_question(people, question_in_a, action, who):
    held = claims.claim(question_in_a, actor=people.employee_a)
    before = _claim_fields(held)
    mark = last_entry_id()
    with pytest.raises(NotAllowedToSupervise) as refused:
        ACTIONS[action](people, held, getattr(people, who))
    assert getattr(people, who).employee_number in refused.value.message
    assert _claim_fields(held) == before
    assert actions_since(mark) == []


@pytest.mark.parametrize("action", ACTIONS)
def test_a_supervisor_calling_the_service_directly_is_obeyed(people, question_in_a, action):
    held = claims.claim(question_in_a, actor=people.employee_a)
    mark = last_entry_id()
    ACTIONS[action](people, held, people.supervisor)
    done = {
        "force_release": "inbox.question.force_released",
        "reassign": "inbox.question.reassigned",
        "close": "inbox.question.closed",
    }
    assert actions_since(mark) == [done[action]]
