"""The listening pages, person by person: the streams and their state, the stream form that shows the cost before it
saves, a stream's volume chart with its figures and its hits (open on X, note for the company, never reply)."""

import re

import pytest
from django.urls import reverse

from listening import polling, selectors
from listening.models import ListeningStream
from tests.helpers import signed_in

FORM = {
    "name": "Brand",
    "query": "レプリ電機",
    "language": "",
    "daily_read_budget": "500",
    "poll_interval_minutes": "15",
}


@pytest.fixture
def polled(make_stream, fake_x, channel, clock):
    """A stream that found two posts, one of them quoting the account, with its volume counted."""
    stream = make_stream("レプリ電機 -from:replydesk_support")
    own = fake_x.post_as_account_directly("レプリ電機の新製品です")
    fake_x.post_as("tanaka_yuki", "レプリ電機のテレビ、画面が暗い")
    fake_x.quote("sato_h", "レプリ電機のこれ、どこで買える？", quoting=own)
    polling.poll_due_streams(channel, now=clock.later(seconds=1).now)
    return stream


@pytest.mark.parametrize("who", ["supervisor", "administrator", "compliance"])
def test_readers_see_each_stream_with_its_state_and_budget(people, polled, who):
    page = signed_in(getattr(people, who)).get(reverse("listening:streams")).content.decode()
    assert "Brand" in page and "レプリ電機" in page
    assert "Read today: 2 of 100 posts" in page
    assert ("New stream" in page) is (who == "administrator")


def test_a_stream_stopped_for_its_budget_says_so_on_the_list_and_its_page(people, make_stream, fake_x, channel, clock):
    stream = make_stream(daily_read_budget=10)
    for i in range(12):
        fake_x.post_as("tanaka_yuki", f"レプリ電機 {i}")
    polling.poll_stream(stream.pk, channel, now=clock.later(seconds=1).now)
    client = signed_in(people.supervisor)

    listing = client.get(reverse("listening:streams")).content.decode()
    page = client.get(reverse("listening:stream", args=[stream.pk])).content.decode()

    for html in (listing, page):
        assert "Stopped: budget spent" in html
        assert "It listens again from 00:00" in html


def test_the_form_shows_the_cost_before_it_saves(people):
    client = signed_in(people.administrator)
    blank = client.get(reverse("listening:new_stream")).content.decode()
    assert "Preview the cost" in blank and 'name="save"' not in blank

    preview = client.post(reverse("listening:new_stream"), FORM | {"preview": "1"})

    page = preview.content.decode()
    assert preview.status_code == 200 and not ListeningStream.objects.exists()
    assert 'name="save"' in page and 'name="previewed_budget" value="500"' in page
    assert "$2.50" in page and "$75.00" in page  # 500 posts a day at $0.005 (research §4.2)
    assert "$0.02" in page  # four counts requests a day

    saved = client.post(reverse("listening:new_stream"), FORM | {"save": "1", "previewed_budget": "500"})

    stream = ListeningStream.objects.get()
    assert saved.status_code == 302 and saved["Location"] == reverse("listening:stream", args=[stream.pk])
    assert (stream.query, stream.daily_read_budget, stream.created_by) == ("レプリ電機", 500, people.administrator)


def test_a_budget_changed_after_the_preview_is_previewed_again_not_saved(people):
    client = signed_in(people.administrator)
    response = client.post(
        reverse("listening:new_stream"), FORM | {"daily_read_budget": "5000", "save": "1", "previewed_budget": "500"}
    )
    assert response.status_code == 200 and not ListeningStream.objects.exists()
    assert "$25.00" in response.content.decode()


def test_a_query_x_would_refuse_is_shown_on_the_form(people):
    response = signed_in(people.administrator).post(reverse("listening:new_stream"), FORM | {"query": "(配送"})
    assert response.status_code == 400 and "A parenthesis is not closed." in response.content.decode()


def test_an_administrator_changes_a_stream_through_the_same_preview(people, make_stream):
    stream = make_stream()
    client = signed_in(people.administrator)
    form = client.get(reverse("listening:edit_stream", args=[stream.pk])).content.decode()
    assert "レプリ電機" in form

    client.post(
        reverse("listening:edit_stream", args=[stream.pk]),
        FORM | {"query": "レプリ電機 -求人", "daily_read_budget": "100", "save": "1", "previewed_budget": "100"},
    )

    stream.refresh_from_db()
    assert stream.query == "レプリ電機 -求人"


def test_the_stream_page_has_the_chart_its_figures_and_each_hit_to_open_on_x(people, polled):
    page = signed_in(people.compliance).get(reverse("listening:stream", args=[polled.pk])).content.decode()

    image = re.search(r'<img class="chart" src="data:image/svg\+xml;base64,[^"]+" alt="([^"]+)"', page)
    assert image and "Posts matching “Brand” per day" in image.group(1) and "2 in all" in image.group(1)
    assert '<tr class="total"><th scope="row">In all</th><td>2</td></tr>' in page
    for hit in polled.hits.all():
        assert f'href="https://x.com/{hit.author_handle}/status/{hit.post_id}"' in page
    assert page.count("Open on X") == 2
    assert "It mentions or quotes the account: the inbox has it as a question." in page
    assert "X does not allow replies through its API to posts that did not mention the account" in page


@pytest.mark.parametrize("who", ["supervisor", "administrator", "compliance"])
def test_no_one_is_offered_a_reply_to_a_hit(people, polled, who):
    page = signed_in(getattr(people, who)).get(reverse("listening:stream", args=[polled.pk])).content.decode()
    hits = page[page.index('<section class="hits"') :]
    assert not re.search(r"(?i)>\s*reply\s*<", hits)
    note_urls = {reverse("listening:note_hit", args=[hit.pk]) for hit in polled.hits.all()}
    assert set(re.findall(r'<form[^>]*action="([^"]+)"', hits)) <= note_urls


def test_supervisors_write_a_note_for_the_company_and_compliance_officers_only_read_it(people, polled):
    hit = polled.hits.filter(summons_account=False).get()
    supervisor = signed_in(people.supervisor)
    assert 'name="note"' in supervisor.get(reverse("listening:stream", args=[polled.pk])).content.decode()

    response = supervisor.post(reverse("listening:note_hit", args=[hit.pk]), {"note": "商品企画に共有"})

    assert response["Location"] == reverse("listening:stream", args=[polled.pk]) + f"#hit-{hit.pk}"
    page = signed_in(people.compliance).get(reverse("listening:stream", args=[polled.pk])).content.decode()
    assert "商品企画に共有" in page and "Note for the company, by S100" in page
    assert 'name="note"' not in page
    assert (
        signed_in(people.compliance).post(reverse("listening:note_hit", args=[hit.pk]), {"note": "x"}).status_code
        == 403
    )


def test_pause_and_resume_from_the_stream_page(people, make_stream):
    stream = make_stream()
    client = signed_in(people.administrator)
    client.post(reverse("listening:pause_stream", args=[stream.pk]))
    assert "Paused" in client.get(reverse("listening:stream", args=[stream.pk])).content.decode()
    again = client.post(reverse("listening:pause_stream", args=[stream.pk]), follow=True)
    assert "The stream is already paused." in again.content.decode()
    client.post(reverse("listening:resume_stream", args=[stream.pk]))
    stream.refresh_from_db()
    assert stream.is_active


@pytest.mark.parametrize("who", ["employee_a", "employee_b"])
def test_employees_do_not_reach_listening(people, polled, who):
    client = signed_in(getattr(people, who))
    assert client.get(reverse("listening:streams")).status_code == 403
    assert client.get(reverse("listening:stream", args=[polled.pk])).status_code == 403


def test_an_unknown_stream_is_404(people):
    assert signed_in(people.supervisor).get(reverse("listening:stream", args=[999999])).status_code == 404


@pytest.mark.parametrize("who", ["supervisor", "administrator"])
def test_the_pages_render_in_japanese(people, polled, who):
    client = signed_in(getattr(people, who))
    client.cookies["django_language"] = "ja"
    for url in (reverse("listening:streams"), reverse("listening:stream", args=[polled.pk])):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="ja")
        assert response.status_code == 200 and '<html lang="ja">' in response.content.decode()


def test_older_hits_are_a_page_away(people, make_stream, fake_x, channel, clock):
    stream = make_stream(daily_read_budget=100)
    for i in range(selectors.HITS_PER_PAGE + 5):
        fake_x.post_as("tanaka_yuki", f"レプリ電機 {i}")
    polling.poll_stream(stream.pk, channel, now=clock.later(seconds=1).now)
    client = signed_in(people.supervisor)

    first = client.get(reverse("listening:stream", args=[stream.pk])).content.decode()
    older = re.search(r'href="\?before=(\d+)"', first)
    second = client.get(reverse("listening:stream", args=[stream.pk]), {"before": older.group(1)}).content.decode()

    assert first.count("Open on X") == selectors.HITS_PER_PAGE
    assert second.count("Open on X") == 5
