"""access.may_answer (one question in memory) and access.answerable_by (the same rule as a condition on rows, which
the claim's conditional UPDATE states) say the same of every person and every kind of question."""

import itertools

import pytest

from accounts import services as staff
from accounts.models import Role
from inbox.access import answerable_by, may_answer
from inbox.configuration import save_setting
from inbox.models import Department, Question
from tests import cast


@pytest.fixture
def everyone_and_every_kind(people, routed_to_a, ask):
    refunds = save_setting(
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
    member = cast.approved("D100", by=people.supervisor, role=Role.EMPLOYEE)
    staff.join_department(member, refunds, actor=people.supervisor)
    member_in_a = cast.approved("D200", by=people.supervisor, role=Role.EMPLOYEE, queues=[people.queue_a])
    staff.join_department(member_in_a, refunds, actor=people.supervisor)
    supervisor_in_a = cast.approved("S200", by=people.administrator, role=Role.SUPERVISOR, queues=[people.queue_a])
    persons = [
        people.employee_a,
        people.employee_b,
        people.supervisor,
        supervisor_in_a,
        people.compliance,
        people.administrator,
        people.pending,
        people.suspended,
        member,
        member_in_a,
    ]
    questions = []
    # Every queue, with and without a department, in every status (the rule reads the row, not the status alone).
    for n, (queue, department, status) in enumerate(
        itertools.product([people.queue_a, people.queue_b], [None, refunds], list(Question.Status))
    ):
        question = ask(f"Where is my order {n}?", customer=f"buyer{n}")
        Question.objects.filter(pk=question.pk).update(queue=queue, department=department, status=status)
        questions.append(Question.objects.select_related("department").get(pk=question.pk))
    return persons, questions


def test_the_row_condition_and_the_check_in_memory_agree(everyone_and_every_kind):
    persons, questions = everyone_and_every_kind
    agreed = 0
    for person in persons:
        allowed = set(Question.objects.filter(answerable_by(person)).values_list("pk", flat=True))
        for question in questions:
            assert (question.pk in allowed) == may_answer(person, question), (str(person), question.pk)
            agreed += 1
    assert agreed == len(persons) * len(questions)
    # Neither says yes or no to everything: the matrix has both answers for several people.
    answers = {(str(p), may_answer(p, q)) for p in persons for q in questions}
    both = {(number, answer) for number in ("E100", "D100", "S100") for answer in (True, False)}
    assert both <= answers
