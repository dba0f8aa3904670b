"""The question page: its live poll (204 while nothing changed, fragments when something did), redirect-after-post for
every form, what the old holder reads after a supervisor took the question, how a question ended, the customer's
other questions, and the wording that has logic in it."""

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from inbox import claims, outbox, services
from inbox.ingest import ingest_mentions
from inbox.models import Question, Reply
from inbox.wording import due, waited
from tests.helpers import signed_in

HTMX = {"HX-Request": "true"}


def changes(client: Client, question: Question, *, since: int, shown: int | None = None, headers=HTMX):
    shown = int(timezone.now().timestamp()) if shown is None else shown
    url = reverse("inbox:changes", args=[question.pk]) + f"?since={since}&shown={shown}"
    return client.get(url, headers=headers)


def version_of(question: Question) -> int:
    return Question.objects.values_list("version", flat=True).get(pk=question.pk)


def page_of(client: Client, question: Question) -> str:
    return client.get(reverse("inbox:question", args=[question.pk])).content.decode()


# --- the live poll -------------------------------------------------------------------------------------------


def test_an_unchanged_question_answers_204_with_no_body_from_one_read_of_the_question(desk, django_assert_num_queries):
    client = signed_in(desk.employee_a)
    version = version_of(desk.question)
    client.get(reverse("inbox:question", args=[desk.question.pk]))  # the session is warm, as on an open page
    # The session, the person, their role, and the question with its access check: nothing is rendered.
    with django_assert_num_queries(4):
        response = changes(client, desk.question, since=version)
    assert response.status_code == 204
    assert response.content == b""


def test_a_claim_by_a_colleague_comes_back_as_fragments_without_the_reply_box(desk):
    client = signed_in(desk.employee_a)
    version = version_of(desk.question)
    claims.claim(desk.question, actor=desk.colleague)
    response = changes(client, desk.question, since=version)
    assert response.status_code == 200
    fragment = response.content.decode()
    assert "E101 is answering this question" in fragment
    for part in ("holder", "conversation", "status-line", "history", "question-status"):
        assert f'id="{part}"' in fragment and "hx-swap-oob" in fragment
    assert f"since={version_of(desk.question)}" in fragment
    assert "<textarea" not in fragment and "<html" not in fragment
    assert f'action="/inbox/questions/{desk.question.pk}/claim/"' not in fragment


def test_a_follow_up_and_a_sent_reply_show_in_the_fragments(desk, fake_x, channel):
    client = signed_in(desk.colleague)
    held = claims.claim(desk.question, actor=desk.employee_a)
    version = version_of(desk.question)
    reply = services.send_reply(held, actor=desk.employee_a, token=str(held.claim_token), body="Tomorrow.")
    outbox.deliver(reply.pk, channel)
    assert Reply.objects.get(pk=reply.pk).status == Reply.Status.SENT
    fragment = changes(client, desk.question, since=version).content.decode()
    assert "Tomorrow." in fragment and 'class="badge sent"' in fragment
    assert f"https://x.com/{fake_x.account_username}/status/{Reply.objects.get(pk=reply.pk).posted_id}" in fragment

    version = version_of(desk.question)
    fake_x.mention("kato", "And the receipt, please?", in_reply_to=desk.question.source_post_id)
    ingest_mentions(channel)
    fragment = changes(client, desk.question, since=version).content.decode()
    assert "And the receipt, please?" in fragment


def test_the_history_names_the_worker_in_the_reader_s_language(desk, fake_x, channel):
    held = claims.claim(desk.question, actor=desk.employee_a)
    reply = services.send_reply(held, actor=desk.employee_a, token=str(held.claim_token), body="Tomorrow.")
    outbox.deliver(reply.pk, channel)  # recorded by the worker, as "system"
    client = signed_in(desk.colleague)
    client.cookies["django_language"] = "ja"
    history = client.get(reverse("inbox:question", args=[desk.question.pk])).content.decode()
    assert '<span class="mono">システム</span>' in history
    assert '<span class="mono">system</span>' not in history


def test_after_a_minute_an_unchanged_question_refreshes_only_its_times(desk, django_assert_num_queries):
    client = signed_in(desk.employee_a)
    client.get(reverse("inbox:question", args=[desk.question.pk]))
    a_minute_ago = int((timezone.now() - timedelta(seconds=61)).timestamp())
    version = version_of(desk.question)
    with django_assert_num_queries(4):
        response = changes(client, desk.question, since=version, shown=a_minute_ago)
    fragment = response.content.decode()
    assert response.status_code == 200
    assert 'id="status-line"' in fragment and "waited less than a minute" in fragment
    assert 'id="conversation"' not in fragment and 'id="holder"' not in fragment


def test_the_poll_of_a_question_in_another_queue_is_the_404_of_a_missing_one(desk):
    response = changes(signed_in(desk.employee_b), desk.question, since=0)
    assert response.status_code == 404
    assert changes(signed_in(desk.employee_b), desk.question, since=0, headers={}).status_code == 404


def test_the_poll_opened_as_a_page_goes_to_the_question(desk):
    response = changes(signed_in(desk.employee_a), desk.question, since=1, headers={})
    assert response.status_code == 302 and response["Location"] == reverse("inbox:question", args=[desk.question.pk])


def test_bad_poll_parameters_refresh_instead_of_failing(desk):
    client = signed_in(desk.employee_a)
    for query in ["?since=abc", "?since=-1&shown=x", "?since=99999999999999999999", ""]:
        url = reverse("inbox:changes", args=[desk.question.pk]) + query
        assert client.get(url, headers=HTMX).status_code == 200, query


# --- a partial request without a session ---------------------------------------------------------------------


def test_a_signed_out_partial_request_gets_401_and_an_event_never_the_sign_in_page(desk):
    question_url = reverse("inbox:question", args=[desk.question.pk])
    response = changes(
        Client(), desk.question, since=1, headers={**HTMX, "HX-Current-URL": f"http://testserver{question_url}"}
    )
    assert response.status_code == 401
    assert b"<html" not in response.content
    event = json.loads(response["HX-Trigger"])["replydesk:signed-out"]
    sign_in = urlsplit(event["signIn"])
    assert sign_in.path == reverse("account_login") and parse_qs(sign_in.query)["next"] == [question_url]


def test_a_suspended_employee_s_renewal_is_answered_401_too(desk):
    from accounts import services as staff

    client = signed_in(desk.employee_a)
    held = claims.claim(desk.question, actor=desk.employee_a)
    staff.suspend_employee(desk.employee_a, actor=desk.supervisor, reason="Checking an account")
    response = client.post(
        reverse("inbox:renew", args=[held.pk]),
        {"token": str(held.claim_token)},
        headers={**HTMX, "HX-Current-URL": "https://elsewhere.example/phish"},
    )
    assert response.status_code == 401
    # A page address from another site is not where the sign-in sends anyone.
    assert json.loads(response["HX-Trigger"])["replydesk:signed-out"]["signIn"] == reverse("account_login")


def test_a_signed_out_full_page_request_still_goes_to_sign_in(desk):
    response = Client().get(reverse("inbox:question", args=[desk.question.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


# --- redirect after post ------------------------------------------------------------------------------------


def test_a_refused_send_redirects_to_the_question_with_the_reason_and_the_text_kept(desk):
    client = signed_in(desk.employee_a)
    held = claims.claim(desk.question, actor=desk.employee_a)
    response = client.post(reverse("inbox:send", args=[held.pk]), {"token": str(held.claim_token), "body": "あ" * 140})
    assert response.status_code == 302 and response["Location"] == reverse("inbox:question", args=[held.pk])
    page = page_of(client, held)
    # 140 Japanese characters weigh 280, and "\n^E100" 6 more.
    assert "With your signature the reply is 286 characters long as X counts them; X allows 280." in page
    assert ">\n" + "あ" * 140 + "</textarea>" in page
    # The server hands the text back once; from then on the browser's draft keeps it.
    assert "あ" * 140 not in page_of(client, held)
    assert not Reply.objects.exists()


def test_a_send_after_the_claim_was_lost_keeps_the_text_where_it_can_be_copied(desk):
    client = signed_in(desk.employee_a)
    held = claims.claim(desk.question, actor=desk.employee_a)
    token = str(held.claim_token)
    claims.force_release(held, actor=desk.supervisor, reason="Needs a specialist")
    response = client.post(
        reverse("inbox:send", args=[held.pk]), {"token": token, "body": "My carefully written answer"}
    )
    assert response.status_code == 302
    page = page_of(client, held)
    assert "You no longer hold this question" in page
    assert 'data-server-text="My carefully written answer"' in page
    assert not Reply.objects.exists()


@pytest.mark.parametrize("action", ["claim", "send", "release", "renew", "force_release", "reassign", "close"])
def test_an_action_s_address_opened_as_a_page_goes_to_the_question_and_changes_nothing(desk, action):
    from tests.helpers import actions_since, last_entry_id, signed_in

    client = signed_in(desk.supervisor)
    mark = last_entry_id()
    response = client.get(reverse(f"inbox:{action}", args=[desk.question.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("inbox:question", args=[desk.question.pk])
    assert actions_since(mark) == []


def test_a_claim_of_a_held_question_redirects_with_who_holds_it(desk):
    claims.claim(desk.question, actor=desk.colleague)
    client = signed_in(desk.employee_a)
    response = client.post(reverse("inbox:claim", args=[desk.question.pk]))
    assert response.status_code == 302
    assert "E101 is answering this question." in page_of(client, desk.question)


def test_the_language_switch_on_the_question_page_comes_back_to_it(desk):
    page = page_of(signed_in(desk.employee_a), desk.question)
    assert f'name="next" type="hidden" value="/inbox/questions/{desk.question.pk}/"' in page


# --- after a supervisor took it -----------------------------------------------------------------------------


def test_the_old_holder_reads_who_took_the_question_and_why(desk):
    client = signed_in(desk.employee_a)
    held = claims.claim(desk.question, actor=desk.employee_a)
    version = version_of(held)
    claims.force_release(held, actor=desk.supervisor, reason="The customer asked for a manager")
    fragment = changes(client, held, since=version).content.decode()
    notice = "A supervisor (S100) force-released your claim on this question: The customer asked for a manager"
    assert notice in fragment
    assert 'data-held-by-me="false"' in fragment
    page = page_of(client, held)
    assert notice in page
    # The history says why too.
    assert "force-released: <q>The customer asked for a manager</q>" in page
    # Somebody else (who never held it) reads no such notice.
    assert "force-released your claim" not in page_of(signed_in(desk.colleague), held)


def test_a_reassignment_tells_the_old_holder_to_whom_and_the_new_one_why(desk):
    held = claims.claim(desk.question, actor=desk.employee_a)
    claims.reassign(held, actor=desk.supervisor, to=desk.colleague, reason="E101 handles returns")
    old = page_of(signed_in(desk.employee_a), held)
    assert "A supervisor (S100) handed this question to E101: E101 handles returns" in old
    new = page_of(signed_in(desk.colleague), held)
    assert "A supervisor (S100) handed this question to you: E101 handles returns" in new
    assert 'id="reply-body"' in new
    assert "reassigned: <q>to E101: E101 handles returns</q>" in new


def test_claiming_again_clears_the_notice(desk):
    held = claims.claim(desk.question, actor=desk.employee_a)
    claims.force_release(held, actor=desk.supervisor, reason="Checking")
    claims.claim(held, actor=desk.employee_a)
    assert "force-released your claim" not in page_of(signed_in(desk.employee_a), held)


# --- how it ended -------------------------------------------------------------------------------------------


def test_a_closed_question_says_closed_without_an_answer_and_why(desk):
    services.close_question(desk.question, actor=desk.supervisor, reason="Spam")
    page = page_of(signed_in(desk.employee_a), desk.question)
    assert "This question was closed without an answer: Spam" in page
    assert "This question is answered" not in page and "Answered by" not in page
    assert "closed without answer: <q>Spam</q>" in page


def test_an_answered_question_says_by_whom(desk):
    held = claims.claim(desk.question, actor=desk.employee_a)
    services.send_reply(held, actor=desk.employee_a, token=str(held.claim_token), body="Tomorrow.")
    page = page_of(signed_in(desk.colleague), held)
    assert "Answered by E100 on" in page


# --- the customer ---------------------------------------------------------------------------------------------


def test_the_customer_s_other_questions_newest_first_with_the_desk_s_answer(desk, ask, fake_x):
    first = ask("An older order question", customer="kato")
    held = claims.claim(first, actor=desk.employee_a)
    services.send_reply(held, actor=desk.employee_a, token=str(held.claim_token), body="It left today.")
    newer = ask("One more order question", customer="kato")
    ask("Someone else's order", customer="ota")
    page = page_of(signed_in(desk.employee_a), desk.question)
    assert page.index(f"#{newer.pk}<") < page.index(f"#{first.pk}<")
    assert "It left today." in page and "Someone else" not in page
    assert f'href="https://x.com/kato/status/{desk.question.source_post_id}"' in page


def test_the_customer_s_questions_in_queues_one_may_not_answer_stay_hidden(desk, ask):
    from inbox.configuration import save_setting
    from inbox.models import RoutingRule

    save_setting(RoutingRule(name="to B", keywords="repair", queue=desk.queue_b), actor=None)
    repair = ask("My repair is late", customer="kato")
    assert f"#{repair.pk}<" not in page_of(signed_in(desk.employee_a), desk.question)
    assert f"#{repair.pk}<" in page_of(signed_in(desk.supervisor), desk.question)


# --- wording --------------------------------------------------------------------------------------------------


def test_the_supervisor_s_three_reasons_are_labelled_for_what_they_do(desk):
    claims.claim(desk.question, actor=desk.employee_a)
    page = page_of(signed_in(desk.supervisor), desk.question)
    for label in ("Reason for the force release", "Reason to hand it on", "Reason to close it"):
        assert f">{label}:</label>" in page
    for field_id in ("release_reason", "reassign_reason", "close_reason"):
        assert page.count(f'id="{field_id}"') == 1


NOW = timezone.now()


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (0, "waited less than a minute"),
        (59, "waited less than a minute"),
        (60, "waited 1 minute"),
        (125, "waited 2 minutes"),
        (3600, "waited 1 hour"),
        (3 * 3600, "waited 3 hours"),
        (3 * 86400, "waited 3 days"),
    ],
)
def test_waiting_time_in_words(seconds, said):
    assert waited(NOW - timedelta(seconds=seconds), NOW) == said


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (30, "due in less than a minute"),
        (4 * 60 + 10, "due in 4 min"),
        (3 * 3600, "due in 3 hours"),
        (-20, "just overdue"),
        (-4 * 60, "4 min overdue"),
        (-3 * 3600, "3 hours overdue"),
    ],
)
def test_time_left_to_the_service_level_in_words(seconds, said):
    assert due(NOW + timedelta(seconds=seconds), NOW) == said


def test_the_page_shows_the_wait_and_the_time_left(desk):
    page = page_of(signed_in(desk.employee_a), desk.question)
    assert "waited less than a minute" in page and "due in " in page
    assert "0 minutes" not in page
