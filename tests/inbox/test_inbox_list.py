"""The inbox list: rows that show what the customer wrote and how long they waited, counts per queue and status,
three sorts each paged by keyset, filters in the address, and new arrivals announced by a cheap poll."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from inbox import claims, selectors
from inbox.configuration import save_setting
from inbox.ingest import ingest_mentions
from inbox.models import Priority, Question, RoutingRule
from inbox.services import close_question
from tests.helpers import wind_back


def signed_in(employee) -> Client:
    client = Client()
    client.force_login(employee)
    return client


def inbox_page(client, query: str = "") -> str:
    return client.get(reverse("inbox:inbox") + query).content.decode()


def row_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<li class="qrow [a-z]+" id="q-(\d+)"', html)]


@pytest.fixture
def many(people, routed_to_a, fake_x, channel):
    """Questions in queue A at every priority (routing by level), asked one after another, and two in queue B."""
    for priority in Priority:
        save_setting(
            RoutingRule(name=f"level {priority}", keywords=f"level{priority}", queue=people.queue_a, priority=priority),
            actor=None,
        )
    save_setting(RoutingRule(name="to B", keywords="queue-b", queue=people.queue_b), actor=None)
    for i in range(13):
        fake_x.mention(f"buyer{i}", f"order question {i}, level{i % 4}")
    fake_x.mention("elsewhere1", "queue-b question")
    fake_x.mention("elsewhere2", "queue-b question")
    ingest_mentions(channel)
    return list(Question.objects.filter(queue=people.queue_a).order_by("pk"))


def all_pages(employee, queue_ids, **filters) -> list[int]:
    seen, after = [], ""
    while True:
        page = selectors.questions_for_inbox(employee, queue_ids, selectors.InboxFilters(after=after, **filters))
        seen += [q.pk for q in page.questions]
        if not page.next_after:
            return seen
        after = page.next_after


@pytest.mark.parametrize(
    "sort, ordering",
    [
        (selectors.WAITING, ("-priority", "waiting_since", "id")),
        (selectors.NEWEST, ("-waiting_since", "-id")),
        (selectors.DUE, ("due_at", "id")),
    ],
)
def test_every_sort_pages_by_keyset_in_its_order_without_repeats_or_gaps(people, many, settings, sort, ordering):
    settings.INBOX_PAGE_SIZE = 3
    # Two questions asked at the same moment: the keyset's tie-break (the id) must keep both.
    Question.objects.filter(pk=many[5].pk).update(
        waiting_since=many[4].waiting_since, due_at=many[4].due_at, priority=many[4].priority
    )
    expected = list(
        Question.objects.filter(queue=people.queue_a, status="open").order_by(*ordering).values_list("id", flat=True)
    )
    assert all_pages(people.employee_a, [people.queue_a.pk], sort=sort) == expected


def test_waiting_longest_counts_from_the_round_a_follow_up_began(people, routed_to_a, ask, fake_x):
    first = ask("order one", customer="early")
    second = ask("order two", customer="later")
    wind_back([first], minutes=30)
    wind_back([second], minutes=20)
    # The first question was answered, then the customer wrote again: it waits since now, so it comes last.
    held = claims.claim(first, actor=people.employee_a)
    from inbox.services import send_reply

    send_reply(held, actor=people.employee_a, token=str(held.claim_token), body="Done")
    ask("one more thing", customer="early", in_reply_to=first.source_post_id)
    page = selectors.questions_for_inbox(people.employee_a, [people.queue_a.pk], selectors.InboxFilters())
    assert [q.pk for q in page.questions] == [second.pk, first.pk]


def test_answered_and_closed_questions_list_newest_first_whatever_the_sort(people, many):
    for question in many[:3]:
        close_question(question, actor=people.supervisor, reason="Spam")
    for sort in selectors.SORTS:
        page = selectors.questions_for_inbox(
            people.employee_a, [people.queue_a.pk], selectors.InboxFilters(status="closed", sort=sort)
        )
        assert [q.pk for q in page.questions] == [q.pk for q in reversed(many[:3])]


def test_a_position_of_another_sort_or_a_made_up_one_starts_at_the_first_page(people, many, settings):
    settings.INBOX_PAGE_SIZE = 3
    waiting = selectors.questions_for_inbox(people.employee_a, [people.queue_a.pk], selectors.InboxFilters())
    first_newest = selectors.questions_for_inbox(
        people.employee_a, [people.queue_a.pk], selectors.InboxFilters(sort=selectors.NEWEST)
    )
    mixed = selectors.questions_for_inbox(
        people.employee_a, [people.queue_a.pk], selectors.InboxFilters(sort=selectors.NEWEST, after=waiting.next_after)
    )
    assert [q.pk for q in mixed.questions] == [q.pk for q in first_newest.questions]
    client = signed_in(people.employee_a)
    for query in ["?sort=due&after=1|2|3", "?sort=newest&after=9999-99-99|1", "?sort=bogus", "?q=" + "x" * 300]:
        assert client.get(reverse("inbox:inbox") + query).status_code == 200, query


def test_counts_per_queue_and_status(people, many):
    people.queue_a.refresh_from_db()
    claims.claim(many[0], actor=people.employee_a)
    wind_back(many[1:3], minutes=settings.SERVICE_LEVEL_MINUTES[Priority.URGENT] * 50)
    close_question(many[3], actor=people.supervisor, reason="Duplicate")
    counts = selectors.inbox_counts(people.employee_a, [people.queue_a.pk], now=timezone.now())
    assert counts.open == 12 and counts.open_by_queue == {people.queue_a.pk: 12}
    assert counts.held_by_me == 1
    assert counts.overdue == 2
    supervisor_counts = selectors.inbox_counts(
        people.supervisor, [people.queue_a.pk, people.queue_b.pk], now=timezone.now()
    )
    assert supervisor_counts.open_by_queue == {people.queue_a.pk: 12, people.queue_b.pk: 2}
    assert supervisor_counts.held_by_me == 0


def test_the_page_shows_the_counts_as_links_that_keep_the_other_filters(people, many):
    page = inbox_page(signed_in(people.employee_a), "?sort=newest&q=order")
    assert re.search(r'href="\?q=order&amp;sort=newest"[^>]*>Open <span class="count" id="count-open">13</span>', page)
    assert 'href="?q=order&amp;sort=newest&amp;mine=on"' in page
    assert 'href="?q=order&amp;sort=newest&amp;overdue=on"' in page
    assert 'href="?q=order&amp;status=closed&amp;sort=newest"' in page


def test_a_row_shows_the_post_the_wait_and_the_time_left(people, routed_to_a, ask):
    question = ask("Where is my order? 注文はどこですか", customer="kato")
    page = inbox_page(signed_in(people.employee_a))
    assert "Where is my order? 注文はどこですか" in page
    assert "@kato" in page
    assert "waited less than a minute" in page and "0 minutes" not in page
    assert "due in 119 min" in page  # a normal question's service level: 120 minutes
    wind_back([question], minutes=121)
    page = inbox_page(signed_in(people.employee_a))
    assert "waited 2 hours" in page
    assert "1 min overdue" in page and 'class="due late"' in page


def test_a_long_post_is_cut_with_the_whole_text_one_click_away(people, routed_to_a, ask):
    text = "order: " + "長い質問です。" * 20
    ask(text, customer="long")
    page = inbox_page(signed_in(people.employee_a))
    assert '<details class="qrow-text">' in page and text in page and "Show all" in page


def test_closed_and_answered_rows_say_so_not_free(people, routed_to_a, ask):
    question = ask("order gone", customer="gone")
    close_question(question, actor=people.supervisor, reason="Spam")
    page = inbox_page(signed_in(people.employee_a), "?status=closed")
    assert f"#{question.pk}<" in page
    assert '<span class="badge closed">Closed</span>' in page
    assert ">free<" not in page
    open_page = inbox_page(signed_in(people.employee_a), "?q=nothing-like-this")
    assert "No question here contains" in open_page


def test_the_holder_of_a_row_is_named_and_the_viewer_is_you(people, routed_to_a, ask):
    question = ask("order held", customer="held")
    claims.claim(question, actor=people.employee_a)
    assert "you hold it until" in inbox_page(signed_in(people.employee_a))
    from accounts.models import Role
    from tests import cast

    colleague = cast.approved("E101", by=people.supervisor, role=Role.EMPLOYEE, queues=[people.queue_a])
    page = inbox_page(signed_in(colleague))
    assert '<span class="mono">E100</span> until' in page


# --- new arrivals -----------------------------------------------------------------------------------------------


def poll(client, page_html: str, **extra) -> tuple[int, str]:
    """What the page's poll would ask: the URL on #arrivals and the rows' hidden inputs."""
    url = re.search(r'id="arrivals"[^>]*hx-get="([^"]+)"', page_html).group(1).replace("&amp;", "&")
    query = parse_qs(urlsplit(url).query)
    query.update({name: [str(value)] for name, value in extra.items()})
    query["row"] = re.findall(r'name="row" value="([^"]+)"', page_html)
    response = client.get(urlsplit(url).path, query, headers={"HX-Request": "true"})
    return response.status_code, response.content.decode()


def test_new_arrivals_are_counted_past_the_newest_the_page_knew_even_beyond_a_page(
    people, routed_to_a, ask, fake_x, channel, settings
):
    settings.INBOX_PAGE_SIZE = 2
    for i in range(3):
        ask(f"order {i}", customer=f"early{i}")
    client = signed_in(people.employee_a)
    page = inbox_page(client)
    assert poll(client, page)[0] == 204
    fake_x.mention("late1", "order late")
    ingest_mentions(channel)
    status, body = poll(client, page)
    assert status == 200 and "1 new question — show" in body
    fake_x.mention("late2", "order later")
    fake_x.mention("elsewhere", "nothing routed here")  # the default queue: not E100's
    ingest_mentions(channel)
    status, body = poll(client, page)
    assert "2 new questions — show" in body
    # The answer carries the count it announced: asked again, nothing new to say.
    assert poll(client, body)[0] == 204
    show = re.search(r'class="arrivals-show" href="([^"]+)"', body).group(1).replace("&amp;", "&")
    shown = inbox_page(client, show[show.index("?") :])
    assert "order later" in shown and "order late" in shown


def test_arrivals_count_only_the_queue_the_page_shows(people, many, fake_x, channel):
    from accounts.models import Role
    from tests import cast

    both = cast.approved("E300", by=people.supervisor, role=Role.EMPLOYEE, queues=[people.queue_a, people.queue_b])
    client = signed_in(both)
    queue_b_page, all_queues_page = inbox_page(client, f"?queue={people.queue_b.pk}"), inbox_page(client)
    fake_x.mention("another", "order new in A")
    ingest_mentions(channel)
    assert poll(client, queue_b_page)[0] == 204
    assert "1 new question —" in poll(client, all_queues_page)[1]


def test_arrivals_are_capped(people, routed_to_a, fake_x, channel):
    for i in range(selectors.ARRIVALS_CAP + 2):
        fake_x.mention(f"crowd{i}", f"order {i}")
    ingest_mentions(channel)
    assert selectors.arrivals_since([people.queue_a.pk], 0) == selectors.ARRIVALS_CAP + 1
    status, body = poll(signed_in(people.employee_a), inbox_page(signed_in(people.employee_a)), since=0)
    assert "More than 99 new questions" in body


def test_a_shown_row_that_changed_is_sent_again_out_of_band(people, routed_to_a, ask):
    question = ask("order to be claimed", customer="kato")
    client = signed_in(people.employee_a)
    page = inbox_page(client)
    assert poll(client, page)[0] == 204
    from accounts.models import Role
    from tests import cast

    colleague = cast.approved("E101", by=people.supervisor, role=Role.EMPLOYEE, queues=[people.queue_a])
    claims.claim(question, actor=colleague)
    status, body = poll(client, page)
    assert status == 200
    assert f'id="qmeta-{question.pk}" hx-swap-oob="true"' in body and "E101" in body
    assert poll(client, body + page.split('id="arrivals"')[0])[0] in (200, 204)


def test_the_rows_and_counts_are_drawn_again_after_a_minute(people, routed_to_a, ask):
    question = ask("order waiting", customer="kato")
    client = signed_in(people.employee_a)
    page = inbox_page(client)
    status, body = poll(client, page, drawn=0)
    assert status == 200
    assert f'id="qmeta-{question.pk}" hx-swap-oob="true"' in body
    assert 'id="count-open" hx-swap-oob="true">1<' in body


def test_the_poll_never_shows_rows_of_a_queue_the_person_may_not_answer(people, routed_to_a, ask, fake_x, channel):
    save_setting(RoutingRule(name="to B", keywords="queue-b", queue=people.queue_b), actor=None)
    theirs = ask("queue-b secret", customer="other")
    client = signed_in(people.employee_a)
    status, body = poll(client, inbox_page(client), row=f"{theirs.pk}:0", drawn=0)
    assert "secret" not in body and f"qmeta-{theirs.pk}" not in body


@pytest.mark.parametrize("count, words", [(1, "1 new question —"), (2, "2 new questions —"), (5, "5 new questions —")])
def test_the_announcement_says_its_number_in_the_plural_it_takes(people, routed_to_a, fake_x, channel, count, words):
    client = signed_in(people.employee_a)
    page = inbox_page(client)
    for i in range(count):
        fake_x.mention(f"new{i}", f"order {i}")
    ingest_mentions(channel)
    assert words in poll(client, page)[1]


def test_the_poll_costs_a_few_queries(people, many, django_assert_max_num_queries):
    client = signed_in(people.employee_a)
    page = inbox_page(client)
    with django_assert_max_num_queries(7):
        assert poll(client, page)[0] == 204


def test_the_shortcuts_dialog_is_served_for_pages_without_it(people):
    body = signed_in(people.employee_a).get(reverse("inbox:shortcuts")).content.decode()
    assert 'id="shortcuts-dialog"' in body and "<html" not in body


def test_a_signed_out_poll_is_told_so_not_sent_a_sign_in_page(people, routed_to_a, ask):
    client = signed_in(people.employee_a)
    page = inbox_page(client)
    client.logout()
    url = re.search(r'id="arrivals"[^>]*hx-get="([^"]+)"', page).group(1).replace("&amp;", "&")
    response = client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 401 and "replydesk:signed-out" in response["HX-Trigger"]


def test_waiting_words_use_plural_forms_and_never_say_zero(people, routed_to_a, ask):
    question = ask("order timing", customer="kato")
    now = question.waiting_since
    cases = {
        timedelta(seconds=30): "waited less than a minute",
        timedelta(minutes=1): "waited 1 minute",
        timedelta(minutes=2): "waited 2 minutes",
        timedelta(hours=1): "waited 1 hour",
    }
    for later, words in cases.items():
        [row] = selectors.inbox_rows([Question.objects.get(pk=question.pk)], now + later, people.employee_a)
        assert row.waited_words == words
