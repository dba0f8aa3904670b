"""Nobody claims, is handed or sends a reply before accepting the guidelines in force: the rule is kept by the claim and
send services themselves (guidelines.acceptance is its one definition)."""

import pytest

from guidelines import services
from guidelines.acceptance import has_accepted_rules_in_force, version_required_of
from guidelines.errors import OutdatedVersion
from guidelines.models import GuidelinesAcknowledgement
from inbox import claims
from inbox import services as inbox_services
from inbox.errors import GuidelinesNotAccepted
from inbox.models import Question, Reply, ReplyDraft
from tests.helpers import actions_for, actions_since, last_entry_id

from .conftest import RULES_EN, publish

pytestmark = pytest.mark.django_db


def test_a_fresh_install_requires_nothing(people, question_in_a):
    assert version_required_of(people.employee_a) is None
    claims.claim(question_in_a, actor=people.employee_a)
    assert Question.objects.get(pk=question_in_a.pk).holder == people.employee_a


def test_claiming_is_refused_before_the_first_version_is_accepted(people, first_rules, question_in_a):
    mark = last_entry_id()

    with pytest.raises(GuidelinesNotAccepted) as refused:
        claims.claim(question_in_a, actor=people.employee_a)

    assert "version 1" in refused.value.message
    assert Question.objects.get(pk=question_in_a.pk).holder is None
    assert actions_since(mark) == []


def test_claiming_succeeds_once_the_version_is_accepted(people, first_rules, question_in_a):
    services.acknowledge(people.employee_a, first_rules.number)

    claims.claim(question_in_a, actor=people.employee_a)

    assert Question.objects.get(pk=question_in_a.pk).holder == people.employee_a


def test_next_question_is_refused_before_acceptance_even_when_questions_wait(people, first_rules, question_in_a):
    mark = last_entry_id()

    with pytest.raises(GuidelinesNotAccepted):
        claims.next_question_for(people.employee_a)

    assert Question.objects.get(pk=question_in_a.pk).holder is None
    assert actions_since(mark) == []
    services.acknowledge(people.employee_a, first_rules.number)
    assert claims.next_question_for(people.employee_a).pk == question_in_a.pk


def test_a_question_is_not_handed_to_someone_who_has_not_accepted(people, first_rules, question_in_a):
    services.acknowledge(people.supervisor, first_rules.number)
    mark = last_entry_id()

    with pytest.raises(GuidelinesNotAccepted) as refused:
        claims.reassign(question_in_a, actor=people.supervisor, to=people.employee_a, reason="Knows the order")

    assert "E100 has not accepted" in refused.value.message
    assert Question.objects.get(pk=question_in_a.pk).holder is None
    assert actions_since(mark) == []


def test_a_supervisor_who_has_not_accepted_may_still_hand_a_question_to_someone_who_has(
    people, first_rules, question_in_a
):
    services.acknowledge(people.employee_a, first_rules.number)

    claims.reassign(question_in_a, actor=people.supervisor, to=people.employee_a, reason="Knows the order")

    assert Question.objects.get(pk=question_in_a.pk).holder == people.employee_a


def test_a_required_new_version_stops_a_holder_from_sending_until_they_accept_it(people, first_rules, question_in_a):
    services.acknowledge(people.employee_a, first_rules.number)
    held = claims.claim(question_in_a, actor=people.employee_a)
    second = publish(people, RULES_EN + "\n- Escalate every complaint.", required=True)
    mark = last_entry_id()

    with pytest.raises(GuidelinesNotAccepted) as refused:
        inbox_services.send_reply(held, actor=people.employee_a, token=str(held.claim_token), body="It ships today.")

    assert "version 2" in refused.value.message
    assert actions_since(mark) == []
    assert not Reply.objects.filter(question=held).exists()
    # The claim itself is kept: they accept the new version and send from the same page.
    assert Question.objects.get(pk=held.pk).holder == people.employee_a
    services.acknowledge(people.employee_a, second.number)
    inbox_services.send_reply(held, actor=people.employee_a, token=str(held.claim_token), body="It ships today.")
    assert Reply.objects.filter(question=held).count() == 1


def test_a_reply_is_not_sent_for_approval_either_before_acceptance(people, question_in_a):
    """The approval path (a queue whose replies all need an approver) goes through the same send service."""
    from inbox.configuration import save_setting

    queue = people.queue_a
    queue.requires_approval = True
    save_setting(queue, actor=people.administrator)
    held = claims.claim(question_in_a, actor=people.employee_a)
    publish(people)

    with pytest.raises(GuidelinesNotAccepted):
        inbox_services.send_reply(held, actor=people.employee_a, token=str(held.claim_token), body="It ships today.")

    assert not ReplyDraft.objects.filter(question=held).exists()


def test_a_new_version_that_requires_no_acceptance_does_not_block_anyone_who_accepted_before(
    people, first_rules, question_in_a
):
    services.acknowledge(people.employee_a, first_rules.number)
    publish(people, RULES_EN + "\n- Links to our own pages only.", required=False)

    assert has_accepted_rules_in_force(people.employee_a)
    claims.claim(question_in_a, actor=people.employee_a)
    assert Question.objects.get(pk=question_in_a.pk).holder == people.employee_a


def test_accepting_a_later_version_covers_an_earlier_one_that_required_it(people, first_rules):
    second = publish(people, RULES_EN + "\n- A typo fixed.", required=False)
    assert version_required_of(people.employee_b) == first_rules

    services.acknowledge(people.employee_b, second.number)

    assert has_accepted_rules_in_force(people.employee_b)


def test_whether_the_rules_were_accepted_is_one_query(people, first_rules, django_assert_num_queries):
    services.acknowledge(people.employee_a, first_rules.number)
    with django_assert_num_queries(1):
        assert version_required_of(people.employee_a) is None
    with django_assert_num_queries(1):
        assert version_required_of(people.employee_b) == first_rules


def test_accepting_is_recorded_once_with_the_text_hash(people, first_rules):
    first = services.acknowledge(people.employee_a, first_rules.number)
    again = services.acknowledge(people.employee_a, first_rules.number)

    assert first.pk == again.pk
    assert actions_for(first_rules) == ["guidelines.version.published", "guidelines.version.acknowledged"]
    from audit.models import AuditEntry

    entry = AuditEntry.objects.get(action="guidelines.version.acknowledged")
    assert entry.actor_number == "E100"
    assert entry.after == {"number": 1, "text_sha256": first_rules.text_sha256}


def test_accepting_a_version_that_is_no_longer_the_newest_is_refused(people, first_rules):
    publish(people, RULES_EN + "\n- Escalate every complaint.")
    mark = last_entry_id()

    with pytest.raises(OutdatedVersion) as refused:
        services.acknowledge(people.employee_a, first_rules.number)

    assert "Version 2" in refused.value.message
    assert actions_since(mark) == []
    assert not GuidelinesAcknowledgement.objects.filter(employee=people.employee_a).exists()


def test_an_approver_who_has_not_accepted_may_approve_but_not_rewrite_a_reply(people, question_in_a):
    """An approver's edit is their own words on X: the guidelines apply to them; approving unchanged does not."""
    from inbox import approvals
    from inbox.configuration import save_setting

    queue = people.queue_a
    queue.requires_approval = True
    queue.approvers_may_edit = True
    save_setting(queue, actor=people.administrator)
    version = publish(people)
    services.acknowledge(people.employee_a, version.number)
    held = claims.claim(question_in_a, actor=people.employee_a)
    draft = inbox_services.send_reply(
        held, actor=people.employee_a, token=str(held.claim_token), body="It ships today."
    )

    with pytest.raises(GuidelinesNotAccepted):
        approvals.approve(draft, actor=people.supervisor, seen_sha256=draft.text_sha256, edited_body="It ships soon.")
    assert not Reply.objects.filter(question=held).exists()

    decision = approvals.approve(draft, actor=people.supervisor, seen_sha256=draft.text_sha256)
    assert decision.reply.text.startswith("It ships today.")
