"""The fake X's recent search and counts, over HTTP as the channel reaches them: X's query language (AND, OR,
"phrases", -exclusion, parentheses, lang:, @handle, Japanese as substrings), since_id and next_token paging, the
counts per bucket, and the tally of what listening would cost. No database."""

from datetime import UTC, datetime, timedelta

import pytest
import requests

from demo.fake_x import FakeX, Usage

SIGNED = {"Authorization": 'OAuth oauth_token="x"'}


@pytest.fixture
def fake():
    with FakeX() as server:
        yield server


def search(fake: FakeX, query: str, **params) -> requests.Response:
    return requests.get(
        fake.url + "/2/tweets/search/recent", params={"query": query, **params}, headers=SIGNED, timeout=2
    )


def found(fake: FakeX, query: str) -> list[str]:
    response = search(fake, query, max_results=100)
    assert response.status_code == 200, response.text
    return [post["id"] for post in response.json().get("data", [])]


@pytest.fixture
def talk(fake):
    """A few people talking about the company, most without @mentioning it."""
    ids = {
        "late_en": fake.post_as("emily_parker", "My delivery was late again", lang="en"),
        "border_en": fake.post_as("sam_lee", "Crossing the border today", lang="en"),
        "order_en": fake.post_as("sam_lee", "Order arrived, thanks", lang="en"),
        "late_ja": fake.post_as("tanaka_yuki", "レプリ電機の配送が遅延してる"),
        "fast_ja": fake.post_as("sato_h", "レプリ電機の配送、今回は早かった"),
        "width_ja": fake.post_as("kato_m", "ＲＥＰＬＩ電機のテレビ、最高"),
        "mention": fake.mention("kenta_w", "配送について質問です"),
    }
    return ids


def test_words_side_by_side_must_all_appear(fake, talk):
    assert found(fake, "delivery late") == [talk["late_en"]]


def test_or_joins_alternatives_and_binds_looser_than_and(fake, talk):
    # (delivery AND late) OR 早かった
    assert found(fake, "delivery late OR 早かった") == [talk["fast_ja"], talk["late_en"]]


def test_a_quoted_phrase_matches_only_those_words_in_that_order(fake, talk):
    assert found(fake, '"delivery was late"') == [talk["late_en"]]
    assert found(fake, '"late was delivery"') == []


def test_a_minus_excludes_and_a_group_can_be_excluded(fake, talk):
    assert found(fake, "配送 -遅延") == [talk["mention"], talk["fast_ja"]]
    assert found(fake, "レプリ電機 -(遅延 OR 早かった)") == []


def test_parentheses_group_alternatives_inside_an_and(fake, talk):
    assert found(fake, "レプリ電機 (遅延 OR テレビ)") == [talk["late_ja"]]


def test_an_english_word_matches_whole_words_only(fake, talk):
    assert found(fake, "order") == [talk["order_en"]]
    assert found(fake, "border") == [talk["border_en"]]


def test_japanese_matches_inside_unspaced_text_after_nfkc_and_casefold(fake, talk):
    assert found(fake, "遅延") == [talk["late_ja"]]
    # Full-width ＲＥＰＬＩ in the post, half-width lower case in the query.
    assert found(fake, "repli電機") == [talk["width_ja"]]


def test_lang_narrows_to_x_language_guess(fake, talk):
    assert found(fake, "(配送 OR delivery) lang:en") == [talk["late_en"]]
    assert found(fake, "(配送 OR delivery) lang:ja") == [talk["mention"], talk["fast_ja"], talk["late_ja"]]


def test_at_handle_finds_posts_mentioning_that_user(fake, talk):
    assert found(fake, f"@{fake.account_username}") == [talk["mention"]]


def test_retweet_and_reply_operators_are_understood(fake, talk):
    assert found(fake, "配送 -is:retweet") == [talk["mention"], talk["fast_ja"], talk["late_ja"]]
    assert found(fake, "配送 is:reply") == []


def test_quotes_are_found_with_is_quote_and_carry_the_quoted_post(fake):
    own = fake.post_as_account_directly("新しいテレビを発売しました")
    quote = fake.quote("tanaka_yuki", "これ欲しい", quoting=own)
    response = search(
        fake, "is:quote", **{"tweet.fields": "referenced_tweets,author_id", "expansions": "referenced_tweets.id"}
    )
    body = response.json()
    assert [p["id"] for p in body["data"]] == [quote]
    assert body["data"][0]["referenced_tweets"] == [{"type": "quoted", "id": own}]
    assert body["includes"]["tweets"][0]["author_id"] == fake.account_id


@pytest.mark.parametrize(
    "query",
    ["-遅延", '"late', "(late", "late)", "late OR", "OR late", "is:nonsense late"],
    ids=["only-negated", "open-quote", "open-paren", "stray-paren", "or-at-end", "or-at-start", "unknown-is"],
)
def test_a_query_x_would_refuse_is_a_400_like_xs(fake, query):
    response = search(fake, query)
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"].startswith("There were errors processing your request")


def test_a_query_over_512_characters_is_refused(fake):
    assert search(fake, "a" * 513).status_code == 400


def test_pages_of_max_results_chained_by_next_token_and_since_id(fake):
    posts = [fake.post_as("sato_h", f"配送の件 {i}") for i in range(25)]
    first = search(fake, "配送", max_results=10).json()
    second = search(fake, "配送", max_results=10, next_token=first["meta"]["next_token"]).json()
    third = search(fake, "配送", max_results=10, next_token=second["meta"]["next_token"]).json()
    ids = [p["id"] for page in (first, second, third) for p in page["data"]]
    assert ids == list(reversed(posts))
    assert "next_token" not in third["meta"]
    newer = fake.post_as("sato_h", "配送の件 新しい")
    assert [p["id"] for p in search(fake, "配送", since_id=posts[-1]).json()["data"]] == [newer]


@pytest.mark.parametrize("max_results", ["9", "101", "ten"])
def test_max_results_outside_10_to_100_is_refused(fake, max_results):
    assert search(fake, "配送", max_results=max_results).status_code == 400


def counts(fake: FakeX, query: str, **params) -> requests.Response:
    return requests.get(
        fake.url + "/2/tweets/counts/recent",
        params={"query": query, **params},
        headers={"Authorization": "Bearer app"},
        timeout=2,
    )


def test_counts_give_buckets_oldest_first_and_the_total(fake):
    now = datetime.now(UTC)
    fake.post_as("sato_h", "配送 三日前", at=now - timedelta(days=3, hours=1))
    fake.post_as("sato_h", "配送 昨日", at=now - timedelta(days=1, hours=1))
    fake.post_as("sato_h", "配送 今")
    fake.post_as("sato_h", "配送 八日前", at=now - timedelta(days=8))
    fake.post_as("sato_h", "関係ない")

    body = counts(fake, "配送", granularity="day").json()

    buckets = body["data"]
    assert body["meta"]["total_tweet_count"] == 3
    assert sum(b["tweet_count"] for b in buckets) == 3
    assert [b["start"] for b in buckets] == sorted(b["start"] for b in buckets)
    assert 7 <= len(buckets) <= 8  # seven days, cut at their first and last hour
    assert buckets[-1]["tweet_count"] == 1
    for earlier, later in zip(buckets, buckets[1:], strict=False):
        assert earlier["end"] == later["start"]
        assert later["start"].endswith("T00:00:00.000Z")


def test_counts_by_hour_and_by_minute(fake):
    fake.post_as("sato_h", "配送")
    hourly = counts(fake, "配送").json()  # X's default granularity is the hour
    assert 168 <= len(hourly["data"]) <= 169
    assert hourly["data"][-1]["tweet_count"] == 1
    start = (datetime.now(UTC) - timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    by_minute = counts(fake, "配送", granularity="minute", start_time=start).json()
    assert 30 <= len(by_minute["data"]) <= 31
    assert by_minute["meta"]["total_tweet_count"] == 1


@pytest.mark.parametrize(
    "params",
    [{"granularity": "week"}, {"start_time": "2001-01-01T00:00:00Z"}, {"end_time": "not a time"}],
    ids=["granularity", "too-old", "bad-time"],
)
def test_counts_refuse_what_x_refuses(fake, params):
    assert counts(fake, "配送", **params).status_code == 400


def test_the_tally_counts_posts_read_by_search_and_counts_requests(fake):
    for i in range(12):
        fake.post_as("sato_h", f"配送 {i}")
    first = search(fake, "配送", max_results=10).json()
    search(fake, "配送", max_results=10, next_token=first["meta"]["next_token"])
    search(fake, "nothing_matches_this")
    counts(fake, "配送")
    counts(fake, "配送", granularity="day")

    assert fake.usage == Usage(search_requests=3, posts_read=12, counts_requests=2)
    fake.reset_usage()
    assert fake.usage == Usage()


def test_a_quote_of_the_accounts_post_may_be_replied_to_and_a_mere_mention_of_the_company_may_not(fake):
    own = fake.post_as_account_directly("新製品のお知らせ")
    quote = fake.quote("tanaka_yuki", "これいいね", quoting=own)
    talk = fake.post_as("sato_h", "レプリ電機のサポートどう？")

    replied = requests.post(
        fake.url + "/2/tweets",
        json={"text": "ありがとうございます", "reply": {"in_reply_to_tweet_id": quote}},
        headers=SIGNED,
        timeout=2,
    )
    refused = requests.post(
        fake.url + "/2/tweets",
        json={"text": "サポートです", "reply": {"in_reply_to_tweet_id": talk}},
        headers=SIGNED,
        timeout=2,
    )

    assert replied.status_code == 201
    assert refused.status_code == 403 and "not allowed" in refused.json()["detail"]
