"""The X channel through the real tweepy client against the fake X API on loopback (no database)."""

from datetime import UTC, datetime, timedelta

import pytest
import requests
from django.core.exceptions import ImproperlyConfigured

from channels.base import (
    Author,
    MentionPage,
    PermanentChannelError,
    PostedReply,
    RateLimited,
    TemporaryChannelError,
)
from channels.x import RedirectingAdapter, XChannel, make_x_channel, x_channel_from_settings
from demo.fake_x import FakeX
from demo.fake_x.customers import QUESTIONS, CustomerSimulator

ACCOUNT_ID = "1600000000000000001"
USERNAME = "replydesk_support"


@pytest.fixture
def fake():
    with FakeX(account_id=ACCOUNT_ID, account_username=USERNAME) as server:
        yield server


def channel_for(fake: FakeX, *, timeout: float = 2.0) -> XChannel:
    return make_x_channel(
        consumer_key="consumer-key",
        consumer_secret="consumer-secret",
        access_token="access-token",
        access_token_secret="access-token-secret",
        account_id=ACCOUNT_ID,
        account_username=USERNAME,
        api_base_url=fake.url,
        timeout=timeout,
    )


@pytest.fixture
def channel(fake) -> XChannel:
    return channel_for(fake)


def signed_get(fake: FakeX, path: str, **params) -> requests.Response:
    return requests.get(fake.url + path, params=params, headers={"Authorization": 'OAuth oauth_token="x"'}, timeout=2)


# --- mentions -----------------------------------------------------------------------------------------------


def test_mentions_come_in_pages_newest_first_chained_by_next_token(fake, channel):
    for username in ("tanaka_yuki", "emily_parker", "sato_hiroshi88"):
        fake.add_customer(username, username)
    posted = [
        fake.mention(("tanaka_yuki", "emily_parker", "sato_hiroshi88")[i % 3], f"Question {i}") for i in range(250)
    ]

    pages, token = [], None
    while True:
        page = channel.mentions(since_id=None, pagination_token=token, max_results=100)
        pages.append(page)
        token = page.next_token
        if token is None:
            break

    assert [len(p.mentions) for p in pages] == [100, 100, 50]
    ids = [m.id for p in pages for m in p.mentions]
    assert ids == sorted(posted, key=int, reverse=True)  # newest first, nothing twice, nothing missing
    assert pages[0].newest_id == posted[-1]
    assert pages[0].next_token and pages[1].next_token and pages[1].next_token != pages[0].next_token
    sent_tokens = [r.params.get("pagination_token") for r in fake.requests]
    assert sent_tokens == [None, pages[0].next_token, pages[1].next_token]


def test_since_id_returns_only_newer_mentions(fake, channel):
    older = [fake.mention("tanaka_yuki", f"古い質問 {i}") for i in range(3)]
    newer = [fake.mention("tanaka_yuki", f"新しい質問 {i}") for i in range(2)]

    page = channel.mentions(since_id=older[-1], pagination_token=None, max_results=10)

    assert [m.id for m in page.mentions] == list(reversed(newer))
    assert page.newest_id == newer[-1]
    assert page.next_token is None


def test_no_new_mention_is_an_empty_page(fake, channel):
    newest = fake.mention("tanaka_yuki", "届きません")

    assert channel.mentions(since_id=newest, pagination_token=None) == MentionPage()
    assert channel.mentions(since_id=None, pagination_token=None, max_results=5).mentions[0].id == newest


def test_a_mention_carries_its_author_conversation_and_time_to_the_millisecond(fake, channel):
    customer_id = fake.add_customer("tanaka_yuki", "田中 優希")
    question = fake.mention("tanaka_yuki", "修理の受付はどうすればいいですか？")
    answer = channel.post_reply(text="店頭または修理受付ページからお申し込みいただけます。", in_reply_to=question)
    follow_up = fake.mention("tanaka_yuki", "保証書がなくても大丈夫ですか？", in_reply_to=answer.id)

    page = channel.mentions(since_id=None, pagination_token=None, max_results=10)

    latest, first = page.mentions
    assert latest.id == follow_up
    assert latest.author == Author(id=customer_id, username="tanaka_yuki", name="田中 優希")
    assert latest.conversation_id == question
    assert latest.in_reply_to_user_id == ACCOUNT_ID
    assert latest.text == f"@{USERNAME} 保証書がなくても大丈夫ですか？"
    assert first.id == question and first.conversation_id == question and first.in_reply_to_user_id is None
    assert first.created_at == fake.tweet(question).created_at
    assert first.created_at.tzinfo is not None and first.created_at.utcoffset() == timedelta(0)
    assert first.created_at.microsecond % 1000 == 0  # X gives milliseconds: 2026-11-25T01:02:03.456Z


def test_mention_text_is_unescaped(fake, channel):
    fake.mention("emily_parker", "Is the TV < 50 inches & wall-mountable?")

    raw = signed_get(fake, f"/2/users/{ACCOUNT_ID}/mentions").json()
    assert "&lt; 50 inches &amp; wall" in raw["data"][0]["text"]  # X escapes &, < and >
    mention = channel.mentions(since_id=None, pagination_token=None).mentions[0]
    assert mention.text == f"@{USERNAME} Is the TV < 50 inches & wall-mountable?"


def test_max_results_outside_x_limits_is_refused_like_x(fake, channel):
    with pytest.raises(PermanentChannelError, match="not between 5 and 100"):
        channel.mentions(since_id=None, pagination_token=None, max_results=3)


def test_unknown_account_is_a_permanent_error(fake):
    stranger = make_x_channel(
        consumer_key="k",
        consumer_secret="s",
        access_token="t",
        access_token_secret="ts",
        account_id="999",
        account_username="nobody",
        api_base_url=fake.url,
    )
    with pytest.raises(PermanentChannelError, match=r"Could not find user with id: \[999\]"):
        stranger.mentions(since_id=None, pagination_token=None)


# --- replies ------------------------------------------------------------------------------------------------


def test_post_reply_returns_the_new_post_id_and_x_has_the_reply(fake, channel):
    customer_id = fake.add_customer("emily_parker", "Emily Parker")
    question = fake.mention("emily_parker", "Where is my order A12-345678?")

    posted = channel.post_reply(text="It left our warehouse this morning.", in_reply_to=question)

    assert isinstance(posted, PostedReply) and posted.id.isdigit() and int(posted.id) > int(question)
    (reply,) = fake.replies_posted()
    assert reply.id == posted.id
    assert reply.body == "It left our warehouse this morning."
    assert reply.text == "@emily_parker It left our warehouse this morning."  # X adds the thread's handles
    assert reply.conversation_id == question
    assert reply.in_reply_to_tweet_id == question and reply.in_reply_to_user_id == customer_id
    posts = [r for r in fake.requests if r.method == "POST"]
    assert posts[0].json == {"text": "It left our warehouse this morning.", "reply": {"in_reply_to_tweet_id": question}}
    assert posts[0].status == 201


def test_duplicate_text_is_permanent_with_xs_message(fake, channel):
    first = fake.mention("tanaka_yuki", "届きません")
    second = fake.mention("sato_hiroshi88", "まだ届きません")
    channel.post_reply(text="ご不便をおかけして申し訳ありません。", in_reply_to=first)

    with pytest.raises(PermanentChannelError) as refused:
        channel.post_reply(text="ご不便をおかけして申し訳ありません。", in_reply_to=second)

    assert refused.value.reason == "You are not allowed to create a Tweet with duplicate content."
    assert len(fake.replies_posted()) == 1


def test_reply_to_a_post_that_does_not_mention_the_account_is_permanent(fake, channel):
    unrelated = fake.post_as("lena_fischer", "Just bought a new camera, loving it")

    with pytest.raises(PermanentChannelError, match="not been mentioned or otherwise engaged"):
        channel.post_reply(text="Glad you like it!", in_reply_to=unrelated)
    assert fake.replies_posted() == []


def test_reply_to_a_deleted_or_missing_post_is_permanent(fake, channel):
    question = fake.mention("marco_rossi_io", "Do you deliver on Sundays?")
    fake.delete_tweet(question)

    for target in (question, "1234567890123456789"):
        with pytest.raises(PermanentChannelError, match="deleted or not visible"):
            channel.post_reply(text="Yes, we do.", in_reply_to=target)


def test_find_reply_finds_the_accounts_reply_and_none_otherwise(fake, channel):
    question = fake.mention("priya_sharma", "Can I return an opened laptop?")
    other = fake.mention("priya_sharma", "And a soundbar?")
    posted = channel.post_reply(text="Yes, within 14 days & with the receipt.", in_reply_to=question)

    found = channel.find_reply(
        conversation_id=question, in_reply_to=question, text="Yes, within 14 days & with the receipt."
    )

    assert found == posted.id
    # X rewrites links to t.co, so a reply to the same post is ours even when its text differs.
    assert (
        channel.find_reply(conversation_id=question, in_reply_to=question, text="See https://example.com") == posted.id
    )
    assert (
        channel.find_reply(conversation_id=other, in_reply_to=other, text="Yes, within 14 days & with the receipt.")
        is None
    )
    search = [r for r in fake.requests if r.path == "/2/tweets/search/recent"][0]
    assert search.params["query"] == f"conversation_id:{question} from:{USERNAME}"


def test_find_reply_compares_after_nfc(fake, channel):
    question = fake.mention("aoi_takahashi", "ガイドはありますか")
    decomposed = "\u30ab\u3099イドをご覧ください"  # カ + combining dakuten: NFC makes it ガ
    assert decomposed != "ガイドをご覧ください"
    posted = channel.post_reply(text=decomposed, in_reply_to=question)

    assert channel.find_reply(conversation_id=question, in_reply_to=question, text="ガイドをご覧ください") == posted.id


# --- failures -----------------------------------------------------------------------------------------------


def test_429_is_rate_limited_until_the_reset_header(fake, channel):
    fake.faults.queue("rate_limit", seconds=120)

    with pytest.raises(RateLimited) as limited:
        channel.mentions(since_id=None, pagination_token=None)

    expected = datetime.now(UTC) + timedelta(seconds=120)
    assert abs((limited.value.reset_at - expected).total_seconds()) <= 2
    assert limited.value.reset_at.tzinfo is not None
    assert channel.mentions(since_id=None, pagination_token=None) == MentionPage()  # only the one request failed


def test_503_is_temporary(fake, channel):
    question = fake.mention("kenta_w", "営業時間を教えてください")
    fake.faults.queue("server_error", path_prefix="/2/tweets", method="POST")

    with pytest.raises(TemporaryChannelError) as failed:
        channel.post_reply(text="10時から20時までです。", in_reply_to=question)

    assert not isinstance(failed.value, RateLimited)
    assert "503" in failed.value.reason
    assert fake.replies_posted() == []  # a 503 did not post
    assert channel.post_reply(text="10時から20時までです。", in_reply_to=question).id


def test_slow_answer_beyond_the_timeout_is_temporary_and_the_reply_can_be_found(fake):
    channel = channel_for(fake, timeout=0.5)
    question = fake.mention("sarah_k_chen", "Is the Umeda store open today?")
    fake.faults.queue("slow", seconds=2)

    with pytest.raises(TemporaryChannelError, match="did not answer within 0.5 s"):
        channel.post_reply(text="Yes, until 9 pm.", in_reply_to=question)

    # X did post it; the reply is reconciled instead of being sent twice.
    (reply,) = fake.replies_posted()
    assert channel.find_reply(conversation_id=question, in_reply_to=question, text="Yes, until 9 pm.") == reply.id


def test_dropped_connection_is_temporary(fake, channel):
    fake.faults.queue("drop")
    with pytest.raises(TemporaryChannelError, match="Could not reach X"):
        channel.mentions(since_id=None, pagination_token=None)

    question = fake.mention("tom_oconnor", "Any news on my refund?")
    fake.faults.queue("lost_response", method="POST")
    with pytest.raises(TemporaryChannelError):
        channel.post_reply(text="It was issued today.", in_reply_to=question)
    assert [r.body for r in fake.replies_posted()] == ["It was issued today."]


def test_random_faults_hit_the_chosen_share_of_requests(fake, channel):
    fake.faults.random(rate=1.0, kinds=["server_error"], seed=1)
    with pytest.raises(TemporaryChannelError):
        channel.mentions(since_id=None, pagination_token=None)
    fake.faults.clear()
    assert channel.mentions(since_id=None, pagination_token=None) == MentionPage()


# --- the client ---------------------------------------------------------------------------------------------


def test_the_client_never_sleeps_on_rate_limits_and_always_has_a_timeout(fake):
    channel = channel_for(fake, timeout=3.5)

    assert channel.client.wait_on_rate_limit is False
    for url in ("https://api.twitter.com/2/tweets", "https://api.x.com/2/tweets"):
        adapter = channel.client.session.get_adapter(url)
        assert isinstance(adapter, RedirectingAdapter) and adapter.timeout == 3.5
    real = make_x_channel(
        consumer_key="k",
        consumer_secret="s",
        access_token="t",
        access_token_secret="ts",
        account_id="1",
        account_username="a",
    )
    adapter = real.client.session.get_adapter("https://api.twitter.com/2/tweets")
    assert not isinstance(adapter, RedirectingAdapter) and adapter.timeout == 10.0


def test_channel_from_settings_refuses_the_real_x_without_credentials(settings):
    settings.X_ACCOUNT_ID = ACCOUNT_ID
    settings.X_ACCOUNT_USERNAME = USERNAME
    settings.X_API_BASE_URL = ""
    settings.X_CONSUMER_KEY = settings.X_CONSUMER_SECRET = settings.X_ACCESS_TOKEN = settings.X_ACCESS_TOKEN_SECRET = ""

    with pytest.raises(ImproperlyConfigured, match="X_CONSUMER_KEY, X_CONSUMER_SECRET, X_ACCESS_TOKEN"):
        x_channel_from_settings()


def test_channel_from_settings(fake, settings):
    settings.X_CONSUMER_KEY = "k"
    settings.X_CONSUMER_SECRET = "s"
    settings.X_ACCESS_TOKEN = "t"
    settings.X_ACCESS_TOKEN_SECRET = "ts"
    settings.X_ACCOUNT_ID = ACCOUNT_ID
    settings.X_ACCOUNT_USERNAME = USERNAME
    settings.X_API_BASE_URL = fake.url
    settings.X_REQUEST_TIMEOUT = 1.5
    fake.mention("ryo_ito_tech", "ポイントが付いていません")

    channel = x_channel_from_settings()

    assert (channel.account_id, channel.account_username, channel.timeout) == (ACCOUNT_ID, USERNAME, 1.5)
    assert len(channel.mentions(since_id=None, pagination_token=None).mentions) == 1


# --- the fake server itself ---------------------------------------------------------------------------------


def test_a_request_without_authorization_is_401(fake):
    response = requests.get(f"{fake.url}/2/users/{ACCOUNT_ID}/mentions", timeout=2)

    assert response.status_code == 401
    assert response.json()["title"] == "Unauthorized"


def test_empty_mentions_have_no_data_key_and_ids_are_strings(fake):
    empty = signed_get(fake, f"/2/users/{ACCOUNT_ID}/mentions")
    assert empty.status_code == 200
    assert empty.json() == {"meta": {"result_count": 0}}

    question = fake.mention("mika_suzuki", "領収書は発行できますか？")
    body = signed_get(
        fake,
        f"/2/users/{ACCOUNT_ID}/mentions",
        expansions="author_id",
        **{"tweet.fields": "created_at,conversation_id,author_id", "user.fields": "username,name"},
    ).json()
    (tweet,) = body["data"]
    assert tweet["id"] == question and isinstance(tweet["author_id"], str)
    assert tweet["conversation_id"] == question and tweet["edit_history_tweet_ids"] == [question]
    assert "in_reply_to_user_id" not in tweet  # only on replies
    assert len(tweet["created_at"]) == len("2026-11-25T01:02:03.000Z") and tweet["created_at"].endswith("Z")
    assert body["includes"]["users"] == [{"id": tweet["author_id"], "name": "mika_suzuki", "username": "mika_suzuki"}]
    assert body["meta"] == {"newest_id": question, "oldest_id": question, "result_count": 1}

    bare = signed_get(fake, f"/2/users/{ACCOUNT_ID}/mentions").json()["data"][0]
    assert set(bare) == {"id", "text", "edit_history_tweet_ids"}  # only the fields asked for


def test_every_answer_carries_rate_limit_headers(fake):
    for response in (
        signed_get(fake, f"/2/users/{ACCOUNT_ID}/mentions"),
        signed_get(fake, "/2/tweets/search/recent", query="hello"),
        requests.get(f"{fake.url}/2/users/{ACCOUNT_ID}/mentions", timeout=2),
    ):
        assert {"x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset"} <= set(response.headers)
    assert signed_get(fake, f"/2/users/{ACCOUNT_ID}/mentions").headers["x-rate-limit-remaining"] == "178"


def test_customer_simulator_adds_mentions_and_follow_ups(fake, channel):
    simulator = CustomerSimulator(fake, seed=3, follow_up_rate=1.0)
    backlog = simulator.prefill(6)
    later = [simulator.step() for _ in range(6)]

    mentions = channel.mentions(since_id=None, pagination_token=None).mentions
    assert {m.id for m in mentions} == {p.tweet_id for p in backlog + later}
    assert any(p.follow_up for p in later)
    assert len(QUESTIONS) >= 40
    assert {q.lang for q in QUESTIONS} == {"ja", "en"}
