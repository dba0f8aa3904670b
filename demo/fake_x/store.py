"""The fake X's data: users and posts, with the rules X applies when the account posts a reply.

Texts are stored as X stores them: a reply starts with the @handles X adds for the people in the
thread ("@alice Thanks!" when the account posted "Thanks!" in reply to alice); `body` keeps the text
as sent. Every method is thread-safe (one re-entrant lock around the store).

Recent search understands X's query language (query.py) and counts recent posts by minute, hour or day; the store
keeps a tally of what search and counts would cost on X's pay-per-use plan (posts read, counts requests).
"""

import re
import threading
import time
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from .query import QuerySyntaxError, keyword_matcher, parse

TWITTER_EPOCH_MS = 1288834974657
MENTION = re.compile(r"(?<![A-Za-z0-9_!#$%&*@＠])[@＠]([A-Za-z0-9_]{1,50})")  # twitter-text's rule
URL = re.compile(r"https?://\S+")
DUPLICATE_WINDOW = timedelta(hours=24)
SEARCH_WINDOW = timedelta(days=7)
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")

DUPLICATE_CONTENT = "You are not allowed to create a Tweet with duplicate content."
REPLY_TO_MISSING = "You attempted to reply to a Tweet that is deleted or not visible to you."
REPLY_NOT_ALLOWED = (
    "Reply to this conversation is not allowed because you have not been mentioned or otherwise engaged "
    "by the author of the post you are replying to."
)
TOO_LONG = "Your Tweet text is too long."


def created_at_of(snowflake: int | str) -> datetime:
    """The time encoded in an X id (milliseconds since X's epoch, shifted by 22 bits)."""
    ms = (int(snowflake) >> 22) + TWITTER_EPOCH_MS
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def weighted_length(text: str) -> int:
    """X's character count: most CJK characters and emoji count 2, any URL counts 23 (twitter-text v3)."""
    total = 23 * 100 * len(URL.findall(text))
    for char in URL.sub("", unicodedata.normalize("NFC", text)):
        code = ord(char)
        light = code <= 0x10FF or 0x2000 <= code <= 0x200D or 0x2010 <= code <= 0x201F or 0x2032 <= code <= 0x2037
        total += 100 if light else 200
    return total // 100


class XProblem(Exception):
    """An error answer, with X's status and body."""

    def __init__(self, status: int, body: dict, headers: dict[str, str] | None = None):
        super().__init__(f"{status} {body}")
        self.status = status
        self.body = body
        self.headers = headers or {}

    @classmethod
    def problem(cls, status: int, title: str, detail: str, type_: str = "about:blank") -> "XProblem":
        return cls(status, {"detail": detail, "type": type_, "title": title, "status": status})

    @classmethod
    def forbidden(cls, detail: str) -> "XProblem":
        return cls.problem(403, "Forbidden", detail)

    @classmethod
    def invalid(cls, message: str, parameter: str | None = None, value: str | None = None) -> "XProblem":
        error: dict = {"message": message}
        if parameter is not None:
            error = {"parameters": {parameter: [value if value is not None else ""]}, "message": message}
        return cls(
            400,
            {
                "errors": [error],
                "title": "Invalid Request",
                "detail": "One or more parameters to your request was invalid.",
                "type": "https://api.twitter.com/2/problems/invalid-request",
            },
        )

    @classmethod
    def not_found(cls, resource_type: str, parameter: str, value: str, detail: str) -> "XProblem":
        kind = "https://api.twitter.com/2/problems/resource-not-found"
        return cls(
            404,
            {
                "errors": [
                    {
                        "value": value,
                        "detail": detail,
                        "title": "Not Found Error",
                        "resource_type": resource_type,
                        "parameter": parameter,
                        "resource_id": value,
                        "type": kind,
                    }
                ],
                "title": "Not Found Error",
                "detail": detail,
                "type": kind,
                "status": 404,
            },
        )


@dataclass(frozen=True)
class FakeUser:
    id: str
    username: str
    name: str
    created_at: datetime


@dataclass(frozen=True)
class FakeTweet:
    id: str
    text: str  # as X returns it: reply @handles included, not HTML-escaped
    body: str  # as sent by its author
    author_id: str
    conversation_id: str
    created_at: datetime
    in_reply_to_user_id: str | None = None
    in_reply_to_tweet_id: str | None = None
    mentioned_user_ids: tuple[str, ...] = ()
    display_start: int = 0  # where the text shown to people starts, after the reply @handles
    deleted: bool = False
    quoted_tweet_id: str | None = None
    # X's guess at the language; None: the fake guesses from the text (Japanese script or not).
    language: str | None = None

    @property
    def lang(self) -> str:
        if self.language:
            return self.language
        return "ja" if JAPANESE.search(self.text) else "en"


@dataclass(frozen=True)
class Usage:
    """What X would bill for listening: every post a recent search returned (X de-duplicates per UTC day; the tally
    does not, so it is an upper bound) and every counts request."""

    search_requests: int = 0
    posts_read: int = 0
    counts_requests: int = 0


class Store:
    def __init__(self, *, account_id: str, account_username: str, account_name: str, search_delay: float = 0.0):
        self.lock = threading.RLock()
        self.account_id = account_id
        self.search_delay = search_delay
        self._last_id = 0
        self._users: dict[str, FakeUser] = {}
        self._tweets: dict[str, FakeTweet] = {}
        self._usage = Usage()
        self.add_user(account_username, account_name, user_id=account_id)

    # --- ids -------------------------------------------------------------------------------------------

    def next_id(self) -> str:
        """Increasing snowflake-like ids: milliseconds since X's epoch << 22, bumped when two fall in one ms."""
        with self.lock:
            candidate = (int(time.time() * 1000) - TWITTER_EPOCH_MS) << 22
            self._last_id = max(candidate, self._last_id + 1)
            return str(self._last_id)

    def id_at(self, moment: datetime) -> str:
        """An unused id that encodes `moment` (a post made in the past, for the counts): its low bits count up."""
        with self.lock:
            base = (int(moment.timestamp() * 1000) - TWITTER_EPOCH_MS) << 22
            candidate = base
            while str(candidate) in self._tweets or str(candidate) in self._users:
                candidate += 1
            return str(candidate)

    # --- usage -----------------------------------------------------------------------------------------

    @property
    def usage(self) -> Usage:
        with self.lock:
            return self._usage

    def count_usage(self, *, search_requests: int = 0, posts_read: int = 0, counts_requests: int = 0) -> None:
        with self.lock:
            self._usage = Usage(
                search_requests=self._usage.search_requests + search_requests,
                posts_read=self._usage.posts_read + posts_read,
                counts_requests=self._usage.counts_requests + counts_requests,
            )

    def reset_usage(self) -> None:
        with self.lock:
            self._usage = Usage()

    # --- users -----------------------------------------------------------------------------------------

    def add_user(self, username: str, name: str, *, user_id: str | None = None) -> FakeUser:
        """The user with this handle; created when new (the same handle always gives the same user)."""
        if not re.fullmatch(r"[A-Za-z0-9_]{1,50}", username):
            raise ValueError(f"{username!r} is not a valid handle (ASCII letters, digits, _; X allows 15, the fake 50)")
        with self.lock:
            existing = self.user_by_username(username)
            if existing is not None:
                return existing
            user_id = user_id or self.next_id()
            self._last_id = max(self._last_id, int(user_id))
            user = FakeUser(id=user_id, username=username, name=name, created_at=datetime.now(UTC))
            self._users[user_id] = user
            return user

    def user(self, user_id: str) -> FakeUser | None:
        with self.lock:
            return self._users.get(str(user_id))

    def user_by_username(self, username: str) -> FakeUser | None:
        wanted = username.lstrip("@").lower()
        with self.lock:
            return next((u for u in self._users.values() if u.username.lower() == wanted), None)

    def users(self) -> list[FakeUser]:
        with self.lock:
            return list(self._users.values())

    # --- posts -----------------------------------------------------------------------------------------

    def tweet(self, tweet_id: str) -> FakeTweet | None:
        with self.lock:
            return self._tweets.get(str(tweet_id))

    def tweets(self, *, include_deleted: bool = False) -> list[FakeTweet]:
        """All posts, oldest first."""
        with self.lock:
            found = [t for t in self._tweets.values() if include_deleted or not t.deleted]
        return sorted(found, key=lambda t: int(t.id))

    def create(
        self,
        author_id: str,
        body: str,
        *,
        in_reply_to: str | None = None,
        exclude_reply_user_ids: tuple[str, ...] = (),
        mention_account: bool = False,
        quoting: str | None = None,
        lang: str | None = None,
        at: datetime | None = None,
    ) -> FakeTweet:
        """Store a post as X would, without X's posting rules (see `post_as_account` for those). `quoting`: the id
        of the post it quotes; `lang`: X's language guess (else the fake's); `at`: when it was posted (else now)."""
        with self.lock:
            author = self._users[str(author_id)]
            parent = self._tweets.get(str(in_reply_to)) if in_reply_to is not None else None
            if in_reply_to is not None and (parent is None or parent.deleted):
                raise KeyError(f"no post {in_reply_to}")
            if quoting is not None and str(quoting) not in self._tweets:
                raise KeyError(f"no post {quoting}")
            already = {m.lower() for m in MENTION.findall(body)}
            handles: list[str] = []
            if parent is not None:
                for user_id in (parent.author_id, *parent.mentioned_user_ids):
                    user = self._users.get(user_id)
                    if user is None or user.id == author.id or user.id in exclude_reply_user_ids:
                        continue
                    if user.username.lower() not in already and user.username not in handles:
                        handles.append(user.username)
            account = self._users[self.account_id]
            wanted = mention_account and author.id != account.id and account.username.lower() not in already
            if wanted and account.username not in handles:
                handles.insert(0, account.username)
            prefix = "".join(f"@{h} " for h in handles)
            text = prefix + body
            mentioned = []
            for handle in MENTION.findall(text):
                user = self.user_by_username(handle)
                if user is not None and user.id != author.id and user.id not in mentioned:
                    mentioned.append(user.id)
            tweet_id = self.next_id() if at is None else self.id_at(at)
            tweet = FakeTweet(
                id=tweet_id,
                text=text,
                body=body,
                author_id=author.id,
                conversation_id=parent.conversation_id if parent else tweet_id,
                created_at=created_at_of(tweet_id),
                in_reply_to_user_id=parent.author_id if parent else None,
                in_reply_to_tweet_id=parent.id if parent else None,
                mentioned_user_ids=tuple(mentioned),
                display_start=len(prefix) if parent else 0,
                quoted_tweet_id=str(quoting) if quoting is not None else None,
                language=lang,
            )
            self._tweets[tweet_id] = tweet
            return tweet

    def post_as_account(
        self, body: str, *, in_reply_to: str | None = None, exclude_reply_user_ids: tuple[str, ...] = ()
    ) -> FakeTweet:
        """POST /2/tweets by the account, with X's rules: length, duplicates, who may be replied to."""
        if not body.strip():
            raise XProblem.invalid("Tweet text is empty.", "text", body)
        if weighted_length(body) > 280:
            raise XProblem.forbidden(TOO_LONG)
        with self.lock:
            now = datetime.now(UTC)
            normalized = unicodedata.normalize("NFC", body)
            for tweet in self._tweets.values():
                if (
                    tweet.author_id == self.account_id
                    and not tweet.deleted
                    and now - tweet.created_at < DUPLICATE_WINDOW
                    and unicodedata.normalize("NFC", tweet.body) == normalized
                ):
                    raise XProblem.forbidden(DUPLICATE_CONTENT)
            if in_reply_to is not None:
                parent = self._tweets.get(str(in_reply_to))
                if parent is None or parent.deleted:
                    raise XProblem.forbidden(REPLY_TO_MISSING)
                if not self._engaged(parent):
                    raise XProblem.forbidden(REPLY_NOT_ALLOWED)
            return self.create(
                self.account_id, body, in_reply_to=in_reply_to, exclude_reply_user_ids=exclude_reply_user_ids
            )

    def _engaged(self, parent: FakeTweet) -> bool:
        """X lets an API client reply only where the author of the post mentioned or engaged the account (a quote
        of one of the account's posts summons it too)."""
        if parent.author_id == self.account_id or self.account_id in parent.mentioned_user_ids:
            return True
        quoted = self._tweets.get(parent.quoted_tweet_id) if parent.quoted_tweet_id else None
        if quoted is not None and quoted.author_id == self.account_id:
            return True
        return any(
            t.conversation_id == parent.conversation_id
            and t.author_id == parent.author_id
            and self.account_id in t.mentioned_user_ids
            and not t.deleted
            for t in self._tweets.values()
        )

    def delete(self, tweet_id: str) -> bool:
        with self.lock:
            tweet = self._tweets.get(str(tweet_id))
            if tweet is None or tweet.deleted:
                return False
            self._tweets[tweet.id] = replace(tweet, deleted=True)
            return True

    # --- queries ---------------------------------------------------------------------------------------

    def mentions_of(self, user_id: str) -> list[FakeTweet]:
        """Posts by others that mention the user, newest first."""
        with self.lock:
            found = [
                t
                for t in self._tweets.values()
                if not t.deleted and user_id in t.mentioned_user_ids and t.author_id != user_id
            ]
        return sorted(found, key=lambda t: int(t.id), reverse=True)

    def search(self, query: str, *, now: datetime | None = None) -> list[FakeTweet]:
        """Recent search (last 7 days), newest first, with X's query language (query.py): keywords, "phrases",
        OR, parentheses, "-" for exclusion, and the operators conversation_id:, from:, to:, @user,
        in_reply_to_tweet_id:, lang:, is:reply, is:quote, is:retweet (the fake has no retweets, and X's keyword
        search returns none since 2026-05) and is:verified (nobody is, in the fake)."""
        try:
            predicate = parse(query, self._predicate)
        except QuerySyntaxError as error:
            raise XProblem.invalid(f"There were errors processing your request: {error}", "query", query) from None
        now = now or datetime.now(UTC)
        newest_allowed = now - timedelta(seconds=self.search_delay)
        with self.lock:
            found = [
                t
                for t in self._tweets.values()
                if not t.deleted
                and now - t.created_at <= SEARCH_WINDOW
                and t.created_at <= newest_allowed
                and predicate(t)
            ]
        return sorted(found, key=lambda t: int(t.id), reverse=True)

    def _predicate(self, term: str):
        operator, _, value = term.partition(":")
        operator = operator.lower()
        if term.startswith('"'):
            matches = keyword_matcher(term.strip('"'))

            def test(t: FakeTweet) -> bool:
                return matches(t.text)
        elif operator == "conversation_id" and value:

            def test(t: FakeTweet) -> bool:
                return t.conversation_id == value
        elif operator == "in_reply_to_tweet_id" and value:

            def test(t: FakeTweet) -> bool:
                return t.in_reply_to_tweet_id == value
        elif operator in ("from", "to") and value:
            user = self.user_by_username(value) if not value.isdigit() else self.user(value)
            user_id = user.id if user else None
            if operator == "from":

                def test(t: FakeTweet) -> bool:
                    return t.author_id == user_id
            else:

                def test(t: FakeTweet) -> bool:
                    return t.in_reply_to_user_id == user_id
        elif operator == "lang" and value:
            wanted = value.lower()

            def test(t: FakeTweet) -> bool:
                return t.lang == wanted
        elif operator == "is" and value.lower() == "reply":

            def test(t: FakeTweet) -> bool:
                return t.in_reply_to_tweet_id is not None
        elif operator == "is" and value.lower() == "quote":

            def test(t: FakeTweet) -> bool:
                return t.quoted_tweet_id is not None
        elif operator == "is" and value.lower() in ("retweet", "verified"):

            def test(t: FakeTweet) -> bool:
                return False
        elif operator == "is":
            raise QuerySyntaxError(f"Reference to invalid operator 'is:{value}'")
        elif term.startswith(("@", "＠")) and len(term) > 1:
            user = self.user_by_username(term[1:])
            user_id = user.id if user else None

            def test(t: FakeTweet) -> bool:
                return user_id in t.mentioned_user_ids
        else:
            matches = keyword_matcher(term)

            def test(t: FakeTweet) -> bool:
                return matches(t.text)

        return test

    def counts(
        self, query: str, *, granularity: str, start: datetime, end: datetime
    ) -> list[tuple[datetime, datetime, int]]:
        """Recent counts: (start, end, posts matching `query`) for each minute, hour or day (UTC) from `start` to
        `end`, oldest first; the first and last buckets are cut at `start` and `end`, as X cuts them."""
        step = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}[granularity]
        matching = sorted(t.created_at for t in self.search(query, now=end) if t.created_at >= start)
        epoch = datetime(2000, 1, 1, tzinfo=UTC)
        buckets = []
        bucket_start = start
        while bucket_start < end:
            boundary = epoch + ((bucket_start - epoch) // step + 1) * step
            bucket_end = min(boundary, end)
            # The last bucket holds a post made at `end` itself.
            upper = bisect_right(matching, bucket_end) if bucket_end == end else bisect_left(matching, bucket_end)
            count = upper - bisect_left(matching, bucket_start)
            buckets.append((bucket_start, bucket_end, count))
            bucket_start = bucket_end
        return buckets
