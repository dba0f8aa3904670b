"""The X (Twitter) channel: API v2 through tweepy, with OAuth 1.0a user context. The only module importing tweepy.

Every request has a time-out (tweepy sets none) and the client never sleeps on a rate limit: a 429 becomes
RateLimited(reset_at) and the caller decides when to come back. With `api_base_url` (the fake X on loopback)
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
    Mention,
    MentionPage,
    PermanentChannelError,
    PostedReply,
    RateLimited,
    TemporaryChannelError,
)

X_HOSTS = ("https://api.twitter.com", "https://api.x.com")  # tweepy 4.17 calls api.twitter.com
DEFAULT_RATE_LIMIT_WAIT = timedelta(minutes=15)
TWITTER_EPOCH_MS = 1288834974657
MENTION_FIELDS = ["created_at", "conversation_id", "in_reply_to_user_id", "author_id"]
CREDENTIALS = ["X_CONSUMER_KEY", "X_CONSUMER_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET"]
SETTINGS = [*CREDENTIALS, "X_ACCOUNT_ID", "X_ACCOUNT_USERNAME", "X_API_BASE_URL"]
LEADING_HANDLES = re.compile(r"^(?:[@＠][A-Za-z0-9_]+\s+)+")


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
) -> "XChannel":
    """The X channel for one account. `api_base_url` (e.g. the fake X's URL) replaces X's host when given."""
    client = tweepy.Client(
        consumer_key=consumer_key,
        consumer_secret=consumer_secret,
        access_token=access_token,
        access_token_secret=access_token_secret,
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
    )


def _same_text(a: str, b: str) -> bool:
    return unicodedata.normalize("NFC", a).strip() == unicodedata.normalize("NFC", b).strip()


def _created_at(data: dict, tweet_id: str) -> datetime:
    created_at = data.get("created_at")
    if created_at:
        return datetime.strptime(created_at, "%Y-%m-%dT%H:%M:%S.%f%z").astimezone(UTC)
    # Not asked for or not given: an X id carries its creation time.
    return datetime.fromtimestamp(((int(tweet_id) >> 22) + TWITTER_EPOCH_MS) / 1000, tz=UTC)


class XChannel:
    """The Channel protocol (base.py) for one X account."""

    def __init__(self, client: tweepy.Client, *, account_id: str, account_username: str, timeout: float = 10.0):
        self.client = client
        self.account_id = account_id
        self.account_username = account_username
        self.timeout = timeout

    def mentions(self, *, since_id: str | None, pagination_token: str | None, max_results: int = 100) -> MentionPage:
        response = self._call(
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
        meta = response.meta or {}
        if response.data is None and response.errors and "result_count" not in meta:
            raise PermanentChannelError(_errors_text(response.errors) or "X returned no mentions and an error")
        users = {str(u.data["id"]): u.data for u in (response.includes or {}).get("users", [])}
        mentions = []
        for tweet in response.data or []:
            data = tweet.data
            author_id = str(data.get("author_id", ""))
            user = users.get(author_id, {})
            in_reply_to_user_id = data.get("in_reply_to_user_id")
            mentions.append(
                Mention(
                    id=str(data["id"]),
                    text=html.unescape(data.get("text", "")),
                    author=Author(id=author_id, username=user.get("username", ""), name=user.get("name", "")),
                    conversation_id=str(data.get("conversation_id") or data["id"]),
                    created_at=_created_at(data, str(data["id"])),
                    in_reply_to_user_id=str(in_reply_to_user_id) if in_reply_to_user_id is not None else None,
                )
            )
        return MentionPage(mentions=mentions, newest_id=meta.get("newest_id"), next_token=meta.get("next_token"))

    def post_reply(self, *, text: str, in_reply_to: str) -> PostedReply:
        response = self._call(
            "posting a reply",
            self.client.create_tweet,
            text=text,
            in_reply_to_tweet_id=str(in_reply_to),
            user_auth=True,
        )
        data = response.data or {}
        if not data.get("id"):
            raise TemporaryChannelError("X accepted the reply but did not return its id")
        return PostedReply(id=str(data["id"]))

    def find_reply(self, *, conversation_id: str, in_reply_to: str, text: str) -> str | None:
        """The account's reply to `in_reply_to`, preferring one with this text.

        The desk accepts one reply per customer post, so any reply of the account to `in_reply_to` is ours; the
        text only breaks a tie, because X rewrites links to t.co, prepends the thread's @handles and escapes
        &, < and > (the last two are undone before comparing, after NFC normalisation)."""
        response = self._call(
            "searching the conversation",
            self.client.search_recent_tweets,
            query=f"conversation_id:{conversation_id} from:{self.account_username}",
            tweet_fields=["in_reply_to_user_id", "referenced_tweets", "conversation_id"],
            max_results=100,
            user_auth=True,
        )
        replies = []
        for tweet in response.data or []:
            data = tweet.data
            references = data.get("referenced_tweets") or []
            replied_to = {str(r.get("id")) for r in references if r.get("type") == "replied_to"}
            if str(in_reply_to) in replied_to:
                replies.append(data)
        for data in replies:
            posted = html.unescape(data.get("text", ""))
            if _same_text(posted, text) or _same_text(LEADING_HANDLES.sub("", posted, count=1), text):
                return str(data["id"])
        return str(replies[-1]["id"]) if replies else None

    def _call(self, doing: str, method, **kwargs):
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


def _status(e: tweepy.HTTPException) -> str:
    response = e.response
    return f"{getattr(response, 'status_code', '?')} {getattr(response, 'reason', '') or ''}".strip()


def _errors_text(errors) -> str:
    parts = []
    for error in errors or []:
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
