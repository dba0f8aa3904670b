"""The X (Twitter) channel: API v2 through tweepy, with OAuth 1.0a user context. The only module importing tweepy.

Every request has a time-out (tweepy sets none) and the client never sleeps on a rate limit: a 429 becomes
RateLimited(reset_at) and the caller decides when to come back. tweepy hands back X's JSON as it came, and
this module reads it: an answer that is not the shape X documents (cut short by a proxy, a field missing or of
the wrong type) is a TemporaryChannelError, never half a page. With `api_base_url` (the fake X on loopback)
requests meant for X's hosts are sent there instead; tweepy itself is used unchanged.
"""

import html
import re
import unicodedata
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

import requests
import tweepy
from requests.adapters import HTTPAdapter

from .base import (
    Author,
    FoundPost,
    Mention,
    MentionPage,
    PermanentChannelError,
    PostedReply,
    RateLimited,
    SearchPage,
    TemporaryChannelError,
    VolumeBucket,
    ensure_outside_transaction,
)

X_HOSTS = ("https://api.twitter.com", "https://api.x.com")  # tweepy 4.17 calls api.twitter.com
DEFAULT_RATE_LIMIT_WAIT = timedelta(minutes=15)
TWITTER_EPOCH_MS = 1288834974657
MENTION_FIELDS = ["created_at", "conversation_id", "in_reply_to_user_id", "author_id"]
SEARCH_FIELDS = [*MENTION_FIELDS, "lang", "entities", "referenced_tweets"]
# The quoted posts come back in includes.tweets with their author: a quote of the account's post summons it.
SEARCH_EXPANSIONS = ["author_id", "referenced_tweets.id"]
GRANULARITIES = ("minute", "hour", "day")
LANG = re.compile(r"[a-z]{2,3}(?:-[A-Za-z]{2,4})?|und|qam|qct|qht|qme|qst|zxx|art")
CREDENTIALS = ["X_CONSUMER_KEY", "X_CONSUMER_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET"]
SETTINGS = [*CREDENTIALS, "X_ACCOUNT_ID", "X_ACCOUNT_USERNAME", "X_API_BASE_URL"]
LEADING_HANDLES = re.compile(r"^(?:[@＠][A-Za-z0-9_]+\s+)+")
POST_ID = re.compile(r"[0-9]{1,19}")  # X ids are decimal strings of a 64-bit number
HANDLE = re.compile(r"[A-Za-z0-9_]{1,50}")  # X allows 15; the fake X 50
NAME_LENGTH = 50  # X's limit for display names
X_LAUNCH = datetime(2006, 3, 21, tzinfo=UTC)
# PostgreSQL cannot store NUL in text, nor can UTF-8 encode a lone surrogate (valid as a JSON escape).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class TimeoutAdapter(HTTPAdapter):
    """Gives every request sent through it a time-out unless the caller set one."""

    def __init__(self, timeout: float, **kwargs):
        self.timeout = timeout
        super().__init__(**kwargs)

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        if timeout is None:
            timeout = self.timeout
        return super().send(request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies)


class RedirectingAdapter(TimeoutAdapter):
    """Sends requests addressed to X to `base_url` instead (same path and query), without any proxy."""

    def __init__(self, base_url: str, timeout: float, **kwargs):
        base = urlsplit(base_url)
        if base.scheme not in ("http", "https") or not base.netloc:
            raise ValueError(f"api_base_url must be an http(s) URL, not {base_url!r}")
        self.base = base
        super().__init__(timeout, **kwargs)

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        url = urlsplit(request.url)
        request.url = urlunsplit(
            (self.base.scheme, self.base.netloc, self.base.path.rstrip("/") + url.path, url.query, url.fragment)
        )
        return super().send(request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies={})


def make_x_channel(
    *,
    consumer_key: str,
    consumer_secret: str,
    access_token: str,
    access_token_secret: str,
    account_id: str,
    account_username: str,
    api_base_url: str | None = None,
    timeout: float = 10.0,
    bearer_token: str | None = None,
) -> "XChannel":
    """The X channel for one account. `api_base_url` (e.g. the fake X's URL) replaces X's host when given;
    `bearer_token` (the app's) is needed by the real X for recent counts only."""
    client = tweepy.Client(
        bearer_token=bearer_token or None,
        consumer_key=consumer_key,
        consumer_secret=consumer_secret,
        access_token=access_token,
        access_token_secret=access_token_secret,
        # X's JSON as it came: this module checks its shape (tweepy's models would fail on it with KeyError,
        # TypeError or AttributeError from inside the call).
        return_type=dict,
    )
    client.wait_on_rate_limit = False  # sleeping inside a worker is forbidden; RateLimited says when to retry
    for prefix in ("https://", "http://"):
        client.session.mount(prefix, TimeoutAdapter(timeout))
    if api_base_url:
        for host in X_HOSTS:
            client.session.mount(host, RedirectingAdapter(api_base_url, timeout))
    return XChannel(client, account_id=str(account_id), account_username=account_username, timeout=timeout)


def x_channel_from_settings() -> "XChannel":
    """The X channel configured by the X_* settings (X_API_BASE_URL empty means the real X).

    Raises ImproperlyConfigured when the account is not named, or when the real X is used without the four
    credentials: a configuration mistake must stop the worker loudly, not turn every reply into a "permanent"
    401 failure. (The fake X accepts any signature, so it needs no credentials.)"""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    values = {name: str(getattr(settings, name, "") or "") for name in SETTINGS}
    api_base_url = values["X_API_BASE_URL"] or None
    required = ["X_ACCOUNT_ID", "X_ACCOUNT_USERNAME"] + ([] if api_base_url else CREDENTIALS)
    missing = [name for name in required if not values[name]]
    if missing:
        raise ImproperlyConfigured(f"The X channel needs these settings: {', '.join(missing)}")
    return make_x_channel(
        consumer_key=values["X_CONSUMER_KEY"],
        consumer_secret=values["X_CONSUMER_SECRET"],
        access_token=values["X_ACCESS_TOKEN"],
        access_token_secret=values["X_ACCESS_TOKEN_SECRET"],
        account_id=values["X_ACCOUNT_ID"],
        account_username=values["X_ACCOUNT_USERNAME"].lstrip("@"),
        api_base_url=api_base_url,
        timeout=float(getattr(settings, "X_REQUEST_TIMEOUT", 10.0) or 10.0),
        bearer_token=str(getattr(settings, "X_BEARER_TOKEN", "") or "") or None,
    )


def _same_text(a: str, b: str) -> bool:
    return unicodedata.normalize("NFC", a).strip() == unicodedata.normalize("NFC", b).strip()


class Unreadable(Exception):
    """X's answer is not the shape its API documents; the message says where."""


def _object(value, what: str) -> dict:
    if not isinstance(value, dict):
        raise Unreadable(f"{what} is not an object")
    return value


def _list(value, what: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise Unreadable(f"{what} is not a list")
    return value


def _post_id(value, what: str) -> str:
    if not isinstance(value, str) or not POST_ID.fullmatch(value):
        raise Unreadable(f"{what} is not an X id")
    return value


def _text(value, what: str) -> str:
    if not isinstance(value, str):
        raise Unreadable(f"{what} is not text")
    return UNSTORABLE.sub("\ufffd", value)


def post_time(post_id: str) -> datetime | None:
    """When X created a post, from its id (X's ids carry their creation time in milliseconds); None for an id that
    does not."""
    try:
        return datetime.fromtimestamp(((int(post_id) >> 22) + TWITTER_EPOCH_MS) / 1000, tz=UTC)
    except (ValueError, OverflowError, OSError):
        return None


def _created_at(data: dict, tweet_id: str) -> datetime:
    created_at = data.get("created_at")
    if created_at is None:
        # Not asked for or not given: an X id carries its creation time.
        moment = post_time(tweet_id)
        if moment is None:
            raise Unreadable(f"mention {tweet_id} has no time")
    else:
        try:
            moment = datetime.strptime(_text(created_at, "created_at"), "%Y-%m-%dT%H:%M:%S.%f%z").astimezone(UTC)
        except (ValueError, OverflowError):
            raise Unreadable(f"the time of mention {tweet_id} is not a time") from None
    # A date X cannot have written would also break the service level counted from it.
    if not X_LAUNCH <= moment <= datetime.now(UTC) + timedelta(days=1):
        raise Unreadable(f"mention {tweet_id} is dated {moment:%Y-%m-%d}")
    return moment


def _mention(item, users: dict[str, dict]) -> Mention:
    data = _object(item, "a mention")
    tweet_id = _post_id(data.get("id"), "a mention's id")
    author_id = _post_id(data.get("author_id"), f"the author of mention {tweet_id}")
    # X leaves out the user of a suspended or protected author; the mention still counts.
    user = _object(users.get(author_id, {}), f"the author of mention {tweet_id}")
    username = _text(user.get("username", ""), f"the username of {author_id}")
    if username and not HANDLE.fullmatch(username):
        raise Unreadable(f"the username of {author_id} is not an X handle")
    conversation_id = data.get("conversation_id")
    in_reply_to_user_id = data.get("in_reply_to_user_id")
    return Mention(
        id=tweet_id,
        # Character references for NUL or a surrogate unescape to U+FFFD, so the text stays storable.
        text=html.unescape(_text(data.get("text"), f"the text of mention {tweet_id}")),
        author=Author(
            id=author_id,
            username=username,
            name=_text(user.get("name", ""), f"the name of {author_id}")[:NAME_LENGTH],
        ),
        conversation_id=tweet_id if conversation_id is None else _post_id(conversation_id, "a conversation id"),
        created_at=_created_at(data, tweet_id),
        in_reply_to_user_id=None if in_reply_to_user_id is None else _post_id(in_reply_to_user_id, "a user id"),
    )


def _users(body: dict) -> dict[str, dict]:
    includes = _object(body.get("includes", {}), "includes")
    users = {}
    for entry in _list(includes.get("users"), "includes.users"):
        user = _object(entry, "a user")
        users[_post_id(user.get("id"), "a user's id")] = user
    return users


def _found_post(item, users: dict[str, dict], quoted_authors: dict[str, str], account: tuple[str, str]) -> FoundPost:
    """A search hit: read as a mention is, plus its language, whom it @mentions and which posts it quotes."""
    mention = _mention(item, users)
    data = item
    lang = data.get("lang", "")
    if lang is None or lang == "":
        lang = ""
    elif not (isinstance(lang, str) and LANG.fullmatch(lang)):
        raise Unreadable(f"the language of post {mention.id} is not a language code")
    entities = _object(data.get("entities") or {}, f"the entities of post {mention.id}")
    usernames, user_ids = [], []
    for entry in _list(entities.get("mentions"), f"the mentions of post {mention.id}"):
        entry = _object(entry, "a mention entity")
        username = _text(entry.get("username"), f"a handle mentioned by post {mention.id}")
        if not HANDLE.fullmatch(username):
            raise Unreadable(f"a handle mentioned by post {mention.id} is not an X handle")
        usernames.append(username)
        if entry.get("id") is not None:
            user_ids.append(_post_id(entry.get("id"), f"the id of a user mentioned by post {mention.id}"))
    quoted = []
    for reference in _list(data.get("referenced_tweets"), f"the references of post {mention.id}"):
        reference = _object(reference, "a referenced post")
        if reference.get("type") == "quoted":
            quoted.append(_post_id(reference.get("id"), f"the post quoted by {mention.id}"))
    quoted_user_ids = tuple(quoted_authors[q] for q in quoted if q in quoted_authors)
    account_id, account_username = account
    # The account's own posts (quoting or mentioning itself) summon nobody: they are not a customer's question.
    summons = mention.author.id != account_id and (
        account_id in user_ids
        or account_username.casefold() in (u.casefold() for u in usernames)
        or account_id in quoted_user_ids
    )
    return FoundPost(
        id=mention.id,
        text=mention.text,
        author=mention.author,
        conversation_id=mention.conversation_id,
        created_at=mention.created_at,
        lang=lang,
        in_reply_to_user_id=mention.in_reply_to_user_id,
        mentioned_usernames=tuple(usernames),
        mentioned_user_ids=tuple(user_ids),
        quoted_post_ids=tuple(quoted),
        quoted_user_ids=quoted_user_ids,
        summons_account=summons,
    )


def _search_page(answer, account: tuple[str, str]) -> SearchPage:
    body = _object(answer, "the answer")
    meta = _object(body.get("meta", {}), "meta")
    if body.get("data") is None and body.get("errors") and "result_count" not in meta:
        raise PermanentChannelError(_errors_text(body["errors"]) or "X returned no posts and an error")
    users = _users(body)
    includes = _object(body.get("includes", {}), "includes")
    quoted_authors = {}
    for entry in _list(includes.get("tweets"), "includes.tweets"):
        referenced = _object(entry, "a referenced post")
        if referenced.get("author_id") is not None:
            quoted_authors[_post_id(referenced.get("id"), "a referenced post's id")] = _post_id(
                referenced.get("author_id"), "the author of a referenced post"
            )
    posts = [
        _found_post(_object(item, "a post"), users, quoted_authors, account) for item in _list(body.get("data"), "data")
    ]
    next_token = meta.get("next_token")
    if next_token is not None and not (isinstance(next_token, str) and next_token):
        raise Unreadable("next_token is not a token")
    newest = max((p.id for p in posts), key=lambda i: (len(i), i), default=None)
    return SearchPage(posts=posts, newest_id=newest, next_token=next_token)


def _x_moment(value, what: str) -> datetime:
    try:
        return datetime.strptime(_text(value, what), "%Y-%m-%dT%H:%M:%S.%f%z").astimezone(UTC)
    except ValueError:
        raise Unreadable(f"{what} is not a time") from None


def _volume(answer) -> list[VolumeBucket]:
    body = _object(answer, "the answer")
    if body.get("data") is None and body.get("errors"):
        raise PermanentChannelError(_errors_text(body["errors"]) or "X returned no counts and an error")
    buckets = []
    for item in _list(body.get("data"), "data"):
        data = _object(item, "a count")
        count = data.get("tweet_count")
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise Unreadable("a tweet_count is not a count")
        start, end = _x_moment(data.get("start"), "a count's start"), _x_moment(data.get("end"), "a count's end")
        if end < start:
            raise Unreadable("a count ends before it starts")
        buckets.append(VolumeBucket(start=start, end=end, count=count))
    return sorted(buckets, key=lambda b: b.start)


def _mention_page(answer) -> MentionPage:
    body = _object(answer, "the answer")
    meta = _object(body.get("meta", {}), "meta")
    if body.get("data") is None and body.get("errors") and "result_count" not in meta:
        raise PermanentChannelError(_errors_text(body["errors"]) or "X returned no mentions and an error")
    includes = _object(body.get("includes", {}), "includes")
    users = {}
    for entry in _list(includes.get("users"), "includes.users"):
        user = _object(entry, "a user")
        users[_post_id(user.get("id"), "a user's id")] = user
    mentions = [_mention(item, users) for item in _list(body.get("data"), "data")]
    next_token = meta.get("next_token")
    if next_token is not None and not (isinstance(next_token, str) and next_token):
        raise Unreadable("next_token is not a token")
    # The newest id the page carries, not meta's word for it: the cursor must never pass a mention not stored.
    newest = max((m.id for m in mentions), key=lambda i: (len(i), i), default=None)
    return MentionPage(mentions=mentions, newest_id=newest, next_token=next_token)


class XChannel:
    """The Channel protocol (base.py) for one X account."""

    def __init__(self, client: tweepy.Client, *, account_id: str, account_username: str, timeout: float = 10.0):
        self.client = client
        self.account_id = account_id
        self.account_username = account_username
        self.timeout = timeout

    def mentions(self, *, since_id: str | None, pagination_token: str | None, max_results: int = 100) -> MentionPage:
        answer = self._call(
            "reading mentions",
            self.client.get_users_mentions,
            id=self.account_id,
            since_id=since_id,
            pagination_token=pagination_token,
            max_results=max_results,
            expansions=["author_id"],
            tweet_fields=MENTION_FIELDS,
            user_fields=["username", "name"],
            user_auth=True,
        )
        try:
            return _mention_page(answer)
        except Unreadable as unreadable:
            raise TemporaryChannelError(f"X sent mentions the desk cannot read ({unreadable}); will retry") from None

    def post_reply(self, *, text: str, in_reply_to: str) -> PostedReply:
        answer = self._call(
            "posting a reply",
            self.client.create_tweet,
            text=text,
            in_reply_to_tweet_id=str(in_reply_to),
            user_auth=True,
        )
        data = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(data, dict) or not isinstance(data.get("id"), str) or not POST_ID.fullmatch(data["id"]):
            # Posted or not, nobody can tell from this answer: the outbox looks for it before any retry.
            raise TemporaryChannelError("X accepted the reply but did not return its id")
        return PostedReply(id=data["id"])

    def find_reply(self, *, conversation_id: str, in_reply_to: str, text: str) -> str | None:
        """The account's reply to `in_reply_to`, preferring one with this text.

        The desk accepts one reply per customer post, so any reply of the account to `in_reply_to` is ours; the
        text only breaks a tie, because X rewrites links to t.co, prepends the thread's @handles and escapes
        &, < and > (the last two are undone before comparing, after NFC normalisation)."""
        answer = self._call(
            "searching the conversation",
            self.client.search_recent_tweets,
            query=f"conversation_id:{conversation_id} from:{self.account_username}",
            tweet_fields=["in_reply_to_user_id", "referenced_tweets", "conversation_id"],
            max_results=100,
            user_auth=True,
        )
        try:
            replies = _replies_to(answer, str(in_reply_to))
        except Unreadable as unreadable:
            raise TemporaryChannelError(
                f"X sent search results the desk cannot read ({unreadable}); will retry"
            ) from None
        for reply_id, posted in replies:
            if _same_text(posted, text) or _same_text(LEADING_HANDLES.sub("", posted, count=1), text):
                return reply_id
        return replies[-1][0] if replies else None

    def search_recent(
        self, query: str, *, since_id: str | None, max_results: int, pagination_token: str | None
    ) -> SearchPage:
        answer = self._call(
            "searching recent posts",
            self.client.search_recent_tweets,
            query=query,
            since_id=since_id,
            next_token=pagination_token,
            max_results=max_results,
            expansions=SEARCH_EXPANSIONS,
            tweet_fields=SEARCH_FIELDS,
            user_fields=["username", "name"],
            user_auth=True,
        )
        try:
            return _search_page(answer, (self.account_id, self.account_username))
        except Unreadable as unreadable:
            raise TemporaryChannelError(
                f"X sent search results the desk cannot read ({unreadable}); will retry"
            ) from None

    def recent_counts(self, query: str, *, granularity: str, start_time: datetime | None = None) -> list[VolumeBucket]:
        if granularity not in GRANULARITIES:
            raise ValueError(f"granularity must be one of {', '.join(GRANULARITIES)}, not {granularity!r}")
        # X serves counts to an app-only (bearer) token only; tweepy sends the client's bearer token.
        answer = self._call(
            "counting recent posts",
            self.client.get_recent_tweets_count,
            query=query,
            granularity=granularity,
            start_time=start_time,
        )
        try:
            return _volume(answer)
        except Unreadable as unreadable:
            raise TemporaryChannelError(f"X sent counts the desk cannot read ({unreadable}); will retry") from None

    def _call(self, doing: str, method, **kwargs):
        ensure_outside_transaction(doing)
        try:
            return method(**kwargs)
        except tweepy.TooManyRequests as e:
            reset_at = (
                datetime.fromtimestamp(e.reset_time, tz=UTC)
                if e.reset_time is not None
                else datetime.now(UTC) + DEFAULT_RATE_LIMIT_WAIT
            )
            raise RateLimited(
                f"X rate limit reached while {doing}; retry after {reset_at:%Y-%m-%d %H:%M:%S} UTC", reset_at
            ) from e
        except tweepy.TwitterServerError as e:
            raise TemporaryChannelError(f"X is unavailable ({_status(e)}) while {doing}; will retry") from e
        except tweepy.HTTPException as e:
            raise _permanent(e) from e
        except requests.Timeout as e:
            raise TemporaryChannelError(f"X did not answer within {self.timeout:g} s while {doing}; will retry") from e
        except requests.ConnectionError as e:
            raise TemporaryChannelError(f"Could not reach X (connection failed) while {doing}; will retry") from e
        except requests.RequestException as e:
            raise TemporaryChannelError(f"Unexpected answer from X while {doing} ({type(e).__name__})") from e


def _replies_to(answer, in_reply_to: str) -> list[tuple[str, str]]:
    """(id, unescaped text) of the posts in a search answer that reply to `in_reply_to`."""
    replies = []
    for item in _list(_object(answer, "the answer").get("data"), "data"):
        data = _object(item, "a post")
        references = _list(data.get("referenced_tweets"), "referenced_tweets")
        replied_to = {r.get("id") for r in references if isinstance(r, dict) and r.get("type") == "replied_to"}
        if in_reply_to in replied_to:
            replies.append(
                (_post_id(data.get("id"), "a post's id"), html.unescape(_text(data.get("text", ""), "text")))
            )
    return replies


def _status(e: tweepy.HTTPException) -> str:
    response = e.response
    return f"{getattr(response, 'status_code', '?')} {getattr(response, 'reason', '') or ''}".strip()


def _errors_text(errors) -> str:
    parts = []
    for error in errors if isinstance(errors, list) else []:
        if isinstance(error, str):
            parts.append(error)
        elif isinstance(error, dict):
            message = error.get("message") or error.get("detail") or error.get("title")
            if message:
                parts.append(str(message))
    return "; ".join(dict.fromkeys(parts))


def _permanent(e: tweepy.HTTPException) -> PermanentChannelError:
    """X's own words (e.g. "You are not allowed to create a Tweet with duplicate content.")."""
    message = "; ".join(dict.fromkeys(str(m) for m in e.api_messages if m)) or _errors_text(e.api_errors)
    error = PermanentChannelError(message or f"X refused the request ({_status(e)})")
    error.status_code = getattr(e.response, "status_code", None)
    return error
