"""The worker's polls against the fake X: within the daily budget (stopping, saying so once, and listening again the
next day), hits kept as hits unless they summon the account (then a question, once), topics tagged, the volume from
one counts request, and the figures the period report reads."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from inbox.configuration import save_setting
from inbox.ingest import ingest_mentions
from inbox.models import Post, Question, RoutingRule
from listening import polling, selectors, services
from listening.models import ListeningHit, StreamDay, StreamVolume
from tests.helpers import actions_for, actions_since, last_entry_id

from .conftest import settings_for


def talk(fake_x, n: int, text: str = "レプリ電機の配送 {i}") -> list[str]:
    return [fake_x.post_as(f"customer_{i % 7}", text.format(i=i)) for i in range(n)]


# --- the budget ------------------------------------------------------------------------------------------------


def test_a_stream_stops_at_its_budget_says_so_once_and_listens_again_the_next_day(make_stream, fake_x, poll):
    stream = make_stream(daily_read_budget=20, poll_interval_minutes=5)
    talk(fake_x, 25)

    first = poll(stream)

    assert (first.posts_read, first.new_hits, first.stopped_for_budget) == (20, 20, True)
    assert fake_x.usage.posts_read == 20  # X was never asked for more than the budget
    assert [r.params["max_results"] for r in fake_x.requests if r.path.endswith("/search/recent")] == ["20"]
    stream.refresh_from_db()
    assert stream.reads_today == 20 and stream.stopped_for_budget_at is not None
    state = selectors.state_of(stream, stream.last_polled_at)
    assert state.budget_spent and state.label == "Stopped: budget spent"

    talk(fake_x, 3, "レプリ電機 新しい {i}")
    fake_x.clear_requests()
    again = poll(stream, minutes=5)

    assert again.polled and again.posts_read == 0 and not again.stopped_for_budget
    assert not [r for r in fake_x.requests if r.path.endswith("/search/recent")]  # nothing asked of X
    assert actions_for(stream).count("listening.stream.budget_spent") == 1

    next_day = poll(stream, days=1)

    assert (next_day.posts_read, next_day.new_hits, next_day.stopped_for_budget) == (3, 3, False)
    stream.refresh_from_db()
    assert stream.reads_today == 3 and stream.stopped_for_budget_at is None
    assert stream.reads_day == timezone.localdate(stream.last_polled_at)
    assert not selectors.state_of(stream, stream.last_polled_at).budget_spent
    entry = AuditEntry.objects.get(action="listening.stream.budget_spent")
    assert entry.after["posts_read"] == 20 and entry.after["daily_read_budget"] == 20


def test_each_page_asks_for_no_more_than_the_budget_has_left(make_stream, fake_x, poll):
    stream = make_stream(daily_read_budget=130)
    talk(fake_x, 150)

    result = poll(stream)

    asked = [r.params["max_results"] for r in fake_x.requests if r.path.endswith("/search/recent")]
    assert asked == ["100", "30"]
    assert (result.pages, result.posts_read, result.stopped_for_budget) == (2, 130, True)
    assert ListeningHit.objects.filter(stream=stream).count() == 130


def test_a_page_lost_after_x_may_have_billed_it_counts_what_was_asked_against_the_budget(make_stream, fake_x, poll):
    # X may have answered (and billed the page) before the answer was lost: a page failing poll after poll must not
    # read on for free.
    stream = make_stream(daily_read_budget=60)
    talk(fake_x, 5)
    fake_x.faults.queue("lost_response", path_prefix="/2/tweets/search", count=2)

    first = poll(stream)
    second = poll(stream, minutes=stream.poll_interval_minutes)

    assert (first.posts_read, second.posts_read) == (60, 0)
    assert second.stopped_for_budget or first.stopped_for_budget
    stream.refresh_from_db()
    assert stream.reads_today == 60 and stream.since_id == ""


def test_less_than_one_page_of_budget_left_stops_the_stream_and_x_is_asked_nothing_more(make_stream, fake_x, poll):
    stream = make_stream(daily_read_budget=25)
    talk(fake_x, 18)

    first = poll(stream)  # 18 read, 7 left: less than X's smallest page of 10, which could overspend by 3

    assert (first.posts_read, first.stopped_for_budget) == (18, True)
    fake_x.clear_requests()
    talk(fake_x, 5, "レプリ電機 また {i}")
    second = poll(stream, minutes=15)
    assert second.polled and second.posts_read == 0 and fake_x.requests == []


def test_a_raised_budget_lets_a_stopped_stream_listen_again_the_same_day(people, make_stream, fake_x, poll, clock):
    stream = make_stream(daily_read_budget=10)
    talk(fake_x, 12)
    poll(stream)
    stream.refresh_from_db()
    assert stream.stopped_for_budget_at is not None
    talk(fake_x, 3, "レプリ電機 追加 {i}")

    services.change_stream(stream, settings_for(daily_read_budget=50), actor=people.administrator, now=clock.now)
    result = poll(stream, seconds=1)

    assert (result.posts_read, result.stopped_for_budget) == (3, False)
    stream.refresh_from_db()
    assert stream.reads_today == 13 and not selectors.state_of(stream, clock.now).budget_spent


def test_only_streams_whose_interval_has_passed_are_polled(make_stream, fake_x, channel, clock):
    every_five = make_stream("配送", name="Delivery", poll_interval_minutes=5)
    every_hour = make_stream("テレビ", name="TV", poll_interval_minutes=60)
    paused = make_stream("修理", name="Repair")
    services.pause_stream(paused, actor=paused.created_by)

    first = polling.poll_due_streams(channel, now=clock.later(seconds=1).now)
    second = polling.poll_due_streams(channel, now=clock.later(minutes=6).now)

    assert sorted(r.stream_id for r in first) == sorted([every_five.pk, every_hour.pk])
    assert [r.stream_id for r in second] == [every_five.pk]


def test_a_second_worker_at_the_same_moment_polls_nothing(make_stream, fake_x, channel, clock):
    stream = make_stream()
    talk(fake_x, 3)
    now = clock.later(seconds=1).now

    first = polling.poll_stream(stream.pk, channel, now=now)
    second = polling.poll_stream(stream.pk, channel, now=now)

    assert first.polled and not second.polled
    assert ListeningHit.objects.count() == 3 and fake_x.usage.posts_read == 3


def test_the_cursor_makes_the_next_poll_read_only_newer_posts(make_stream, fake_x, poll):
    stream = make_stream()
    talk(fake_x, 4)
    poll(stream)
    newer = talk(fake_x, 2, "レプリ電機 次 {i}")

    result = poll(stream, minutes=15)

    assert result.posts_read == 2
    stream.refresh_from_db()
    assert stream.since_id == newer[-1] and stream.reads_today == 6


def test_a_rate_limit_keeps_the_cursor_and_waits_for_xs_reset(make_stream, fake_x, poll, clock):
    stream = make_stream()
    talk(fake_x, 3)
    fake_x.faults.queue("rate_limit", seconds=600, path_prefix="/2/tweets/search")

    result = poll(stream)

    assert result.error.startswith("X rate limit reached") and result.posts_read == 0
    stream.refresh_from_db()
    assert stream.since_id == "" and stream.paused_until is not None
    assert selectors.state_of(stream, stream.paused_until - timedelta(seconds=1)).code == "rate_limited"
    assert "rate limit" in stream.last_error


# --- hits, never questions unless they summon the account --------------------------------------------------------


def test_a_post_that_does_not_summon_the_account_is_a_hit_never_a_question(make_stream, fake_x, channel, poll):
    post = fake_x.post_as("tanaka_yuki", "レプリ電機の配送が遅い。@emily_parker もそう言ってた")

    poll(stream := make_stream())
    ingest_mentions(channel)  # the mentions poll does not see it either
    poll(stream, days=1)

    hit = ListeningHit.objects.get()
    assert (hit.post_id, hit.author_handle, hit.summons_account) == (post, "tanaka_yuki", False)
    assert hit.x_url == f"https://x.com/tanaka_yuki/status/{post}"
    assert not Question.objects.exists() and not Post.objects.exists()


def test_a_hit_mentioning_the_account_becomes_a_question_once(make_stream, fake_x, channel, poll):
    post = fake_x.mention("kenta_w", "レプリ電機のテレビの保証について教えてください")
    stream = make_stream()
    other = make_stream("保証", name="Warranty")

    poll(stream)
    poll(other)
    ingest_mentions(channel)  # the mentions poll finds it too

    question = Question.objects.get()
    assert question.source_post_id == post and question.posts.count() == 1
    assert ListeningHit.objects.filter(post_id=post, summons_account=True).count() == 2


def test_a_quote_of_the_accounts_post_becomes_a_question_once_though_it_names_nobody(make_stream, fake_x, poll):
    own = fake_x.post_as_account_directly("レプリ電機の新しいテレビ、本日発売です")
    quote = fake_x.quote("sato_h", "レプリ電機のこれ、修理の受付はどこ？", quoting=own)
    stream = make_stream("レプリ電機 -from:replydesk_support")

    first = poll(stream)
    stream_again = make_stream("修理", name="Repair")
    poll(stream_again)

    assert first.new_questions == 1
    question = Question.objects.get()
    assert question.source_post_id == quote
    assert ListeningHit.objects.get(stream=stream).summons_account


def test_the_accounts_own_quote_of_its_post_summons_nobody(make_stream, fake_x, poll):
    own = fake_x.post_as_account_directly("レプリ電機の新しいテレビ、本日発売です")
    fake_x.quote("replydesk_support", "レプリ電機の新製品、ぜひ店頭で", quoting=own)

    result = poll(make_stream("レプリ電機"))

    assert result.new_questions == 0 and not Question.objects.exists()
    assert not ListeningHit.objects.filter(summons_account=True).exists()


def test_new_hits_are_recorded_in_the_trail_with_the_posts_read(make_stream, fake_x, poll):
    stream = make_stream()
    talk(fake_x, 3)
    mark = last_entry_id()

    poll(stream)
    poll(stream, minutes=15)  # nothing new: nothing recorded

    assert actions_since(mark) == ["listening.hits.found"]
    entry = AuditEntry.objects.get(action="listening.hits.found")
    assert entry.after["hits"] == 3 and entry.after["posts_read"] == 3


# --- topics ----------------------------------------------------------------------------------------------------


def test_each_hit_is_tagged_with_every_routing_rule_whose_keywords_it_holds(people, make_stream, fake_x, poll):
    save_setting(RoutingRule(name="Delivery", keywords="配送\ndelivery", queue=people.queue_a), actor=None)
    save_setting(RoutingRule(name="Repairs", keywords="修理\nREPAIR", queue=people.queue_b), actor=None)
    save_setting(RoutingRule(name="Old", keywords="テレビ", queue=people.queue_b, is_active=False), actor=None)
    both = fake_x.post_as("tanaka_yuki", "レプリ電機、配送も修理も遅い")
    width = fake_x.post_as("emily_parker", "レプリ電機 ＲＥＰＡＩＲ took ages")  # full-width letters
    english = fake_x.post_as("sam_lee", "レプリ電機 delivery tomorrow?")
    none = fake_x.post_as("sato_h", "レプリ電機のテレビ")

    poll(make_stream())

    topics = dict(ListeningHit.objects.values_list("post_id", "topics"))
    assert topics == {both: ["Delivery", "Repairs"], width: ["Repairs"], english: ["Delivery"], none: []}


# --- volume ----------------------------------------------------------------------------------------------------


def test_the_volume_comes_from_one_counts_request_and_is_refreshed_only_when_due(
    settings, make_stream, fake_x, channel, clock
):
    settings.LISTENING_VOLUME_REFRESH_MINUTES = 360
    settings.LISTENING_VOLUME_GRANULARITY = "day"
    stream = make_stream()
    fake_x.post_as("sato_h", "レプリ電機 昨日", at=timezone.now() - timedelta(days=1))
    talk(fake_x, 2)

    polling.poll_due_streams(channel, now=clock.later(seconds=1).now)
    polling.poll_due_streams(channel, now=clock.later(minutes=30).now)

    assert fake_x.usage.counts_requests == 1
    (counts,) = [r for r in fake_x.requests if r.path.endswith("/counts/recent")]
    assert counts.params["granularity"] == "hour"  # X's days are UTC days: the desk adds up its own
    volume = list(StreamVolume.objects.filter(stream=stream).values_list("count", flat=True))
    assert sum(volume) == 3 and 167 <= len(volume) <= 168
    chart = selectors.volume_chart(stream)
    assert chart.total == 3 and chart.image.startswith("data:image/svg+xml;base64,")
    assert "3 in all" in chart.alt
    # The desk's days, each once, the last one today with the two posts made now.
    labels = [row.label for row in chart.rows]
    assert len(labels) == len(set(labels)) and 7 <= len(labels) <= 8
    assert chart.rows[-1].count == 2 and chart.rows[-1].label == timezone.localtime().strftime("%m/%d")

    polling.poll_due_streams(channel, now=clock.later(hours=6).now)
    assert fake_x.usage.counts_requests == 2


# --- the period report -----------------------------------------------------------------------------------------


def test_the_period_summary_gives_each_streams_hits_reads_counts_and_cost(
    settings, make_stream, fake_x, channel, clock, django_assert_max_num_queries
):
    settings.LISTENING_PRICE_POST_READ_USD = 0.005
    settings.LISTENING_PRICE_COUNTS_REQUEST_USD = 0.005
    brand = make_stream()
    quiet = make_stream("誰も言わない言葉", name="Quiet")
    talk(fake_x, 12)
    polling.poll_due_streams(channel, now=clock.later(seconds=1).now)

    # The hits were posted on X now (the fake's clock), the reads counted on the poll's day.
    start = min(clock.now, timezone.now()) - timedelta(days=1)
    with django_assert_max_num_queries(3):
        summary = selectors.period_summary(start, max(clock.now, timezone.now()) + timedelta(days=1))

    by_name = {row.name: row for row in summary}
    assert [row.stream_id for row in summary] == [brand.pk, quiet.pk]
    assert (by_name["Brand"].hits, by_name["Brand"].posts_read, by_name["Brand"].counts_requests) == (12, 12, 1)
    assert by_name["Brand"].read_cost_usd == Decimal("0.060")
    assert by_name["Brand"].cost_usd == Decimal("0.065")
    assert (by_name["Quiet"].hits, by_name["Quiet"].posts_read) == (0, 0)
    # A period before anything happened.
    earlier = selectors.period_summary(start - timedelta(days=5), start - timedelta(days=4))
    assert [(row.hits, row.posts_read, row.counts_requests) for row in earlier] == [(0, 0, 0), (0, 0, 0)]
    assert StreamDay.objects.filter(stream=brand).count() == 1


@pytest.mark.parametrize("granularity", ["hour", "minute"])
def test_the_volume_chart_labels_follow_the_granularity(settings, make_stream, fake_x, channel, clock, granularity):
    settings.LISTENING_VOLUME_GRANULARITY = granularity
    stream = make_stream()
    talk(fake_x, 1)
    polling.refresh_volume(stream.pk, channel, now=clock.now)
    rows = selectors.volume_chart(stream).rows
    assert rows and sum(r.count for r in rows) == 1
    assert (":" in rows[-1].label) is True


def test_the_inbox_itself_refuses_a_found_post_that_does_not_summon_the_account(db, fake_x, channel):
    from inbox.ingest import ingest_found_posts

    fake_x.post_as("tanaka_yuki", "レプリ電機の配送が遅い")
    page = channel.search_recent("レプリ電機", since_id=None, max_results=10, pagination_token=None)
    assert page.posts and not any(post.summons_account for post in page.posts)

    assert ingest_found_posts(page.posts).new_questions == 0
    assert not Question.objects.exists()
