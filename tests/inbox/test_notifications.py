"""A person is told, in the desk, what happened to their own work: a question handed to them or taken from them,
a reply of theirs that X refused; the count stays in the navigation until they mark them seen."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts import services as people_services
from accounts.models import Role
from inbox import claims, outbox, services
from inbox.errors import InboxError
from inbox.models import Notification
from tests import cast


def signed_in(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def told(person) -> list[tuple[str, int, str, str]]:
    return [
        (n.kind, n.question_id, n.by, n.reason) for n in Notification.objects.filter(recipient=person).order_by("id")
    ]


@pytest.fixture
def colleague(people):
    return cast.approved("E101", by=people.supervisor, role=Role.EMPLOYEE, queues=[people.queue_a])


def test_a_force_release_tells_the_holder_who_took_it_and_why(people, question_in_a):
    claims.claim(question_in_a, actor=people.employee_a)
    claims.force_release(question_in_a, actor=people.supervisor, reason="The customer called the shop")
    assert told(people.employee_a) == [("taken_from_you", question_in_a.pk, "S100", "The customer called the shop")]
    assert told(people.supervisor) == []


def test_a_reassignment_tells_both_the_old_and_the_new_holder(people, question_in_a, colleague):
    claims.claim(question_in_a, actor=people.employee_a)
    claims.reassign(question_in_a, actor=people.supervisor, to=colleague, reason="E101 knows the model")
    assert told(people.employee_a) == [("taken_from_you", question_in_a.pk, "S100", "E101 knows the model")]
    assert told(colleague) == [("reassigned_to_you", question_in_a.pk, "S100", "E101 knows the model")]


def test_a_refused_change_tells_nobody(people, question_in_a):
    with pytest.raises(InboxError):
        claims.force_release(question_in_a, actor=people.supervisor, reason="Nobody holds it")
    assert Notification.objects.count() == 0


def test_a_reply_refused_by_x_tells_its_author(people, question_in_a, fake_x, channel):
    held = claims.claim(question_in_a, actor=people.employee_a)
    reply = services.send_reply(held, actor=people.employee_a, token=str(held.claim_token), body="It ships today.")
    fake_x.delete_tweet(reply.in_reply_to)
    assert outbox.deliver(reply.pk, channel).outcome == "failed"
    ((kind, question_id, by, reason),) = told(people.employee_a)
    assert (kind, question_id, by) == ("reply_failed", question_in_a.pk, "")
    assert reason and reason == outbox.Reply.objects.get(pk=reply.pk).failure_reason


def test_a_suspension_that_frees_claims_tells_the_holder(people, question_in_a):
    claims.claim(question_in_a, actor=people.employee_a)
    people_services.suspend_employee(people.employee_a, actor=people.supervisor, reason="Left the team")
    assert [kind for kind, *_rest in told(people.employee_a)] == ["taken_from_you"]


def test_the_navigation_counts_unseen_notifications_and_the_page_lists_them(people, question_in_a):
    claims.claim(question_in_a, actor=people.employee_a)
    claims.force_release(question_in_a, actor=people.supervisor, reason="Urgent: handled by phone")
    client = signed_in(people.employee_a)
    inbox = client.get(reverse("inbox:inbox")).content.decode()
    assert 'id="notifications-badge"><span class="count"' in inbox and ">1</span>" in inbox
    page = client.get(reverse("inbox:notifications")).content.decode()
    assert "A question was taken from you" in page and "Urgent: handled by phone" in page and "S100" in page
    # Reading the page changes nothing: seeing is a choice (a POST).
    assert Notification.objects.filter(seen_at__isnull=True).count() == 1


def test_marking_seen_clears_the_count_but_not_what_came_after_the_page(people, question_in_a, colleague, ask):
    claims.claim(question_in_a, actor=people.employee_a)
    claims.force_release(question_in_a, actor=people.supervisor, reason="First")
    client = signed_in(people.employee_a)
    shown = Notification.objects.get().pk
    later = ask("Another order question", customer="ota")
    claims.reassign(later, actor=people.supervisor, to=people.employee_a, reason="Second")
    response = client.post(reverse("inbox:notifications_seen"), {"up_to": shown})
    assert response.status_code == 302
    assert list(Notification.objects.filter(seen_at__isnull=True).values_list("reason", flat=True)) == ["Second"]


def test_nobody_sees_anothers_notifications(people, question_in_a, colleague):
    claims.claim(question_in_a, actor=people.employee_a)
    claims.force_release(question_in_a, actor=people.supervisor, reason="Private reason")
    page = signed_in(colleague).get(reverse("inbox:notifications")).content.decode()
    assert "Private reason" not in page
    signed_in(colleague).post(reverse("inbox:notifications_seen"))
    assert Notification.objects.get().seen_at is None


def test_the_badges_poll_answers_the_navigation_counts_out_of_band(people, question_in_a):
    claims.claim(question_in_a, actor=people.employee_a)
    claims.force_release(question_in_a, actor=people.supervisor, reason="x")
    fragment = signed_in(people.employee_a).get(reverse("inbox:badges"), HTTP_HX_REQUEST="true").content.decode()
    assert 'id="notifications-badge" hx-swap-oob="true"' in fragment and ">1</span>" in fragment
    assert 'id="overdue-banner" hx-swap-oob="true"' in fragment
