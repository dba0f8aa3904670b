"""Listening through the X channel: recent search and recent counts through the real tweepy client against the fake
X on loopback (no database), with the same error mapping as mentions and replies."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction

from channels.base import (
    Author,
    CalledInsideTransaction,
    PermanentChannelError,
    RateLimited,
    SearchPage,
    TemporaryChannelError,
    VolumeBucket,
)
from channels.x import XChannel, x_channel_from_settings
from demo.fake_x import FakeX

from .test_x import ACCOUNT_ID, USERNAME, channel_for


@pytest.fixture
def fake():
    with FakeX(account_id=ACCOUNT_ID, account_username=USERNAME) as server:
        yield server


@pytest.fixture
def channel(fake) -> XChannel:
    return channel_for(fake)


def test_a_search_page_carries_each_posts_author_language_time_and_mentions(fake, channel):
    author_id = fake.add_customer("tanaka_yuki", "田中 優希")
    post = fake.post_as("tanaka_yuki", "@emily_parker レプリ電機の配送が遅い", lang="ja")
    fake.add_customer("emily_parker")

    page = channel.search_recent("配送", since_id=None, max_results=10, pagination_token=None)

    (found,) = page.posts
    assert found.id == post and page.newest_id == post and page.next_token is None
    assert found.text == "@emily_parker レプリ電機の配送が遅い"
    assert found.author == Author(id=author_id, username="tanaka_yuki", name="田中 優希")
    assert found.lang == "ja"
    assert found.created_at == fake.tweet(post).created_at and found.created_at.tzinfo is not None
    assert found.mentioned_usernames == ("emily_parker",)
    assert found.quoted_post_ids == ()
    assert found.summons_account is False


def test_a_post_mentioning_the_account_summons_it(fake, channel):
    post = fake.mention("kenta_w", "配送について教えてください")

    (found,) = channel.search_recent("配送", since_id=None, max_results=10, pagination_token=None).posts

    assert found.id == post
    assert found.mentioned_user_ids == (ACCOUNT_ID,)
    assert found.summons_account is True
    mention = found.as_mention()
    assert (mention.id, mention.conversation_id, mention.author.username) == (post, post, "kenta_w")


def test_a_quote_of_the_accounts_post_summons_it_and_a_quote_of_someone_elses_does_not(fake, channel):
    own = fake.post_as_account_directly("新しいテレビを発売しました")
    other = fake.post_as("sato_h", "テレビ買った")
    ours = fake.quote("tanaka_yuki", "このテレビ欲しい", quoting=own)
    theirs = fake.quote("kato_m", "いいテレビだね", quoting=other)

    page = channel.search_recent("is:quote", since_id=None, max_results=10, pagination_token=None)

    by_id = {p.id: p for p in page.posts}
    assert by_id[ours].quoted_post_ids == (own,) and by_id[ours].quoted_user_ids == (ACCOUNT_ID,)
    assert by_id[ours].summons_account is True
    assert by_id[theirs].quoted_post_ids == (other,) and by_id[theirs].summons_account is False


def test_search_pages_chain_by_next_token_and_since_id_limits_to_newer_posts(fake, channel):
    posts = [fake.post_as("sato_h", f"配送 {i}") for i in range(15)]

    first = channel.search_recent("配送", since_id=None, max_results=10, pagination_token=None)
    second = channel.search_recent("配送", since_id=None, max_results=10, pagination_token=first.next_token)

    assert [p.id for p in first.posts + second.posts] == list(reversed(posts))
    assert first.newest_id == posts[-1] and second.next_token is None
    sent = [r.params.get("next_token") for r in fake.requests if r.path == "/2/tweets/search/recent"]
    assert sent == [None, first.next_token]
    newer = fake.post_as("sato_h", "配送 新")
    assert [
        p.id for p in channel.search_recent("配送", since_id=posts[-1], max_results=10, pagination_token=None).posts
    ] == [newer]


def test_nothing_found_is_an_empty_page(fake, channel):
    assert channel.search_recent("配送", since_id=None, max_results=10, pagination_token=None) == SearchPage()


def test_a_query_x_refuses_is_permanent_with_xs_words(fake, channel):
    with pytest.raises(PermanentChannelError, match="non-negation term"):
        channel.search_recent("-配送", since_id=None, max_results=10, pagination_token=None)


def test_recent_counts_come_per_bucket_in_one_request(fake, channel):
    now = datetime.now(UTC)
    fake.post_as("sato_h", "配送 昨日", at=now - timedelta(days=1))
    for _ in range(3):
        fake.post_as("sato_h", "配送 今日")
    fake.clear_requests()

    buckets = channel.recent_counts("配送", granularity="day")

    assert [r.path for r in fake.requests] == ["/2/tweets/counts/recent"]
    assert fake.requests[0].params["granularity"] == "day"
    assert sum(b.count for b in buckets) == 4
    assert buckets[-1].count == 3
    assert all(isinstance(b, VolumeBucket) and b.start < b.end for b in buckets)
    assert buckets == sorted(buckets, key=lambda b: b.start)
    assert fake.usage.counts_requests == 1 and fake.usage.posts_read == 0


def test_counts_refuse_a_granularity_x_does_not_have(channel):
    with pytest.raises(ValueError, match="granularity"):
        channel.recent_counts("配送", granularity="week")


def test_429_on_search_is_rate_limited_and_503_on_counts_is_temporary(fake, channel):
    fake.faults.queue("rate_limit", seconds=90, path_prefix="/2/tweets/search")
    with pytest.raises(RateLimited) as limited:
        channel.search_recent("配送", since_id=None, max_results=10, pagination_token=None)
    assert limited.value.reset_at > datetime.now(UTC)

    fake.faults.queue("server_error", path_prefix="/2/tweets/counts")
    with pytest.raises(TemporaryChannelError, match="503"):
        channel.recent_counts("配送", granularity="hour")


@pytest.mark.parametrize(
    "payload",
    [
        b'{"data": [{"id": "12", "text": "x", "author_id": "3", "lang": 5}], "meta": {"result_count": 1}}',
        b'{"data": [{"id": "12", "text": "x", "author_id": "3", "entities": {"mentions": [{"username": "a b"}]}}]}',
        b'{"data": "nope"}',
    ],
    ids=["lang-not-text", "bad-handle", "data-not-a-list"],
)
def test_a_search_answer_of_the_wrong_shape_is_temporary(fake, channel, payload):
    fake.faults.queue("malformed", payload=payload, path_prefix="/2/tweets/search")
    with pytest.raises(TemporaryChannelError, match="cannot read"):
        channel.search_recent("配送", since_id=None, max_results=10, pagination_token=None)


def test_a_counts_answer_of_the_wrong_shape_is_temporary(fake, channel):
    payload = b'{"data": [{"start": "2026-01-01T00:00:00.000Z", "end": "2026-01-01T01:00:00.000Z", "tweet_count": -1}]}'
    fake.faults.queue("malformed", payload=payload, path_prefix="/2/tweets/counts")
    with pytest.raises(TemporaryChannelError, match="cannot read"):
        channel.recent_counts("配送", granularity="hour")


def test_counts_go_with_the_apps_bearer_token_from_the_settings(fake, settings):
    settings.X_API_BASE_URL = fake.url
    settings.X_ACCOUNT_ID = ACCOUNT_ID
    settings.X_ACCOUNT_USERNAME = USERNAME
    settings.X_BEARER_TOKEN = "app-token"

    assert x_channel_from_settings().client.bearer_token == "app-token"


@pytest.mark.parametrize(
    "call",
    [
        lambda channel: channel.search_recent("配送", since_id=None, max_results=10, pagination_token=None),
        lambda channel: channel.recent_counts("配送", granularity="day"),
    ],
    ids=["search", "counts"],
)
def test_listening_inside_a_transaction_is_refused(db, fake, channel, call):
    fake.clear_requests()
    with pytest.raises(CalledInsideTransaction), transaction.atomic():
        call(channel)
    assert fake.requests == []


def test_counts_since_a_start_time_are_asked_from_then(fake, channel):
    start = (datetime.now(UTC) - timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    fake.post_as("sato_h", "配送")

    buckets = channel.recent_counts("配送", granularity="hour", start_time=start)

    assert fake.requests[-1].params["start_time"] == start.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert buckets[0].start == start and len(buckets) == 3 and buckets[-1].count == 1
