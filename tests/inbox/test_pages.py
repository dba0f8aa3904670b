"""The inbox pages: who holds what, filters, paging by keyset, composing and sending."""

from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from inbox import claims
from inbox.configuration import save_setting
from inbox.models import Priority, Question, Reply, ReplyTemplate, RoutingRule
from tests.helpers import signed_in, wind_back


def test_everyone_sees_who_holds_a_question_and_until_when(desk):
    claims.claim(desk.question, actor=desk.employee_a)
    page = signed_in(desk.colleague).get(reverse("inbox:inbox")).content.decode()
    assert "E100" in page and "until" in page
    detail = signed_in(desk.colleague).get(reverse("inbox:question", args=[desk.question.pk])).content.decode()
    assert "E100 is answering this question" in detail
    assert f'action="/inbox/questions/{desk.question.pk}/claim/"' not in detail


def test_the_holder_line_refreshes_itself_with_htmx(desk):
    client = signed_in(desk.colleague)
    page = client.get(reverse("inbox:question", args=[desk.question.pk])).content.decode()
    assert "Nobody holds this question." in page
    version = Question.objects.get(pk=desk.question.pk).version
    claims.claim(desk.question, actor=desk.employee_a)
    poll = reverse("inbox:changes", args=[desk.question.pk]) + f"?since={version}"
    fragment = client.get(poll, headers={"HX-Request": "true"})
    assert "E100 is answering" in fragment.content.decode()
    assert "<html" not in fragment.content.decode()


def test_claim_compose_and_send_from_the_pages(desk):
    save_setting(ReplyTemplate(title="Call centre", body="Please call 0120-000-000."), actor=None)
    client = signed_in(desk.employee_a)
    client.post(reverse("inbox:claim", args=[desk.question.pk]))
    page = client.get(reverse("inbox:question", args=[desk.question.pk])).content.decode()
    assert "You hold this question" in page and "Please call 0120-000-000." in page
    question = Question.objects.get(pk=desk.question.pk)
    response = client.post(
        reverse("inbox:send", args=[question.pk]), {"token": str(question.claim_token), "body": "明日お届けします。"}
    )
    assert response.status_code == 302
    assert Reply.objects.get().text == "明日お届けします。\n^E100"
    page = client.get(reverse("inbox:question", args=[question.pk])).content.decode()
    assert "Queued" in page and "Answered by E100 on" in page


def test_a_stale_form_is_refused_and_keeps_the_text(desk):
    client = signed_in(desk.employee_a)
    client.post(reverse("inbox:claim", args=[desk.question.pk]))
    token = str(Question.objects.get(pk=desk.question.pk).claim_token)
    claims.force_release(desk.question, actor=desk.supervisor, reason="reassigning")
    response = client.post(
        reverse("inbox:send", args=[desk.question.pk]), {"token": token, "body": "My carefully written answer"}
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "You no longer hold this question" in page
    assert "My carefully written answer" in page
    assert not Reply.objects.exists()


def test_a_reply_too_long_is_refused_with_its_length(desk):
    client = signed_in(desk.employee_a)
    client.post(reverse("inbox:claim", args=[desk.question.pk]))
    token = str(Question.objects.get(pk=desk.question.pk).claim_token)
    response = client.post(reverse("inbox:send", args=[desk.question.pk]), {"token": token, "body": "あ" * 140})
    assert response.status_code == 302
    assert (
        "the reply is 286 characters long as X counts them; X allows 280"
        in client.get(response["Location"]).content.decode()
    )
    assert not Reply.objects.exists()


def test_inbox_filters_mine_overdue_and_queue(desk, ask):
    other = ask("Another order question", customer="ota")
    claims.claim(other, actor=desk.employee_a)
    wind_back([desk.question], minutes=settings.SERVICE_LEVEL_MINUTES[desk.question.priority] + 5)
    client = signed_in(desk.employee_a)
    mine = client.get(reverse("inbox:inbox") + "?mine=on").content.decode()
    assert f"#{other.pk}<" in mine and f"#{desk.question.pk}<" not in mine
    overdue = client.get(reverse("inbox:inbox") + "?overdue=on").content.decode()
    assert f"#{desk.question.pk}<" in overdue and f"#{other.pk}<" not in overdue
    other_queue = client.get(reverse("inbox:inbox") + f"?queue={desk.queue_b.pk}").content.decode()
    assert f"#{desk.question.pk}<" not in other_queue


def test_inbox_pages_by_keyset_without_repeats(desk, fake_x, channel, settings):
    from inbox.ingest import ingest_mentions

    settings.INBOX_PAGE_SIZE = 10
    for i in range(24):
        fake_x.mention(f"buyer{i}", f"order question {i}")
    ingest_mentions(channel)
    client = signed_in(desk.employee_a)
    seen: list[int] = []
    url = reverse("inbox:inbox")
    while url:
        response = client.get(url)
        page = response.context["page"]
        seen += [q.pk for q in page.questions]
        url = (reverse("inbox:inbox") + "?" + urlencode({"after": page.next_after})) if page.next_after else None
    assert len(seen) == 25 and len(set(seen)) == 25


def test_inbox_page_costs_the_same_queries_for_any_number_of_questions(
    desk, fake_x, channel, django_assert_max_num_queries
):
    from inbox.ingest import ingest_mentions

    for i in range(30):
        fake_x.mention(f"buyer{i}", f"order question {i}")
    ingest_mentions(channel)
    client = signed_in(desk.employee_a)
    # The eleventh: whether the person must accept the guidelines first (the banner and "Next question").
    with django_assert_max_num_queries(11):
        client.get(reverse("inbox:inbox"))


def test_bad_query_parameters_are_ignored_not_errors(desk):
    client = signed_in(desk.employee_a)
    for query in ["?queue=abc", "?after=garbage", "?after=1|notadate|x", "?status=nonsense", "?queue=99999"]:
        assert client.get(reverse("inbox:inbox") + query).status_code == 200, query


def test_supervisor_sees_the_outbox_backlog(desk):
    held = claims.claim(desk.question, actor=desk.employee_a)
    from inbox.services import send_reply

    send_reply(held, actor=desk.employee_a, token=str(held.claim_token), body="Soon!")
    page = signed_in(desk.supervisor).get(reverse("inbox:outbox")).content.decode()
    assert "posts left in the current window" in page
    assert f"#{desk.question.pk}" in page


def test_keyset_pages_follow_priority_then_age_across_priorities(desk, fake_x, channel, settings):
    from inbox.ingest import ingest_mentions
    from inbox.selectors import InboxFilters, questions_for_inbox

    settings.INBOX_PAGE_SIZE = 4
    for priority in Priority:
        save_setting(
            RoutingRule(name=f"level {priority}", keywords=f"level{priority}", queue=desk.queue_a, priority=priority),
            actor=None,
        )
    for i in range(21):
        fake_x.mention(f"buyer{i}", f"question {i}, level{i % 4}")
    ingest_mentions(channel)
    assert set(Question.objects.values_list("priority", flat=True)) == set(Priority.values)
    expected = list(
        Question.objects.filter(queue=desk.queue_a, status="open")
        .order_by("-priority", "created_at", "id")
        .values_list("id", flat=True)
    )
    seen, after = [], ""
    while True:
        page = questions_for_inbox(desk.employee_a, [desk.queue_a.pk], InboxFilters(after=after))
        seen += [q.pk for q in page.questions]
        if not page.next_after:
            break
        after = page.next_after
    assert seen == expected
