"""Two supervisors acting on the same person at the same moment: exactly one wins, one entry is written."""

import pytest

from accounts import services
from accounts.errors import InvalidTransition
from accounts.models import Employee, Role
from tests.concurrency import at_once
from tests.helpers import actions_since, last_entry_id

pytestmark = pytest.mark.django_db(transaction=True)


def race(workers: int, action) -> list[str]:
    def attempt(index: int) -> str:
        try:
            action(index)
            return "won"
        except InvalidTransition:
            return "refused"

    return at_once(range(workers), attempt)


def test_sixteen_simultaneous_approvals_approve_once(people):
    supervisors = [people.supervisor, people.administrator]
    mark = last_entry_id()
    outcomes = race(
        16,
        lambda i: services.approve_employee(
            Employee.objects.get(pk=people.pending.pk), actor=supervisors[i % 2], role=Role.EMPLOYEE
        ),
    )
    assert sorted(outcomes) == ["refused"] * 15 + ["won"]
    assert actions_since(mark) == ["accounts.employee.approved"]


def test_simultaneous_suspensions_suspend_once_and_end_sessions_once(people):
    generation = people.employee_a.session_generation
    mark = last_entry_id()
    outcomes = race(
        8,
        lambda i: services.suspend_employee(
            Employee.objects.get(pk=people.employee_a.pk), actor=people.supervisor, reason=f"reason {i}"
        ),
    )
    assert outcomes.count("won") == 1
    assert actions_since(mark) == ["accounts.employee.suspended"]
    people.employee_a.refresh_from_db()
    assert people.employee_a.session_generation == generation + 1
