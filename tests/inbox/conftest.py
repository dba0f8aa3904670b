"""What the inbox's page tests share: a desk with one question from a customer, and a colleague in queue A."""

import pytest

from accounts.models import Role
from tests import cast


@pytest.fixture
def desk(people, routed_to_a, ask):
    people.question = ask("Where is my order? 注文はどこですか", customer="kato")
    people.colleague = cast.approved("E101", by=people.supervisor, role=Role.EMPLOYEE, queues=[people.queue_a])
    return people
