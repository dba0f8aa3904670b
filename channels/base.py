"""What the inbox needs from a social network, whatever the network: mentions in, replies out; and, for listening,
posts found by a keyword search and how many there were per hour or day.

The X adapter (x.py) is the only module that imports tweepy; services and tasks speak this protocol.
Errors are split by what the caller must do: retry later (temporary, rate-limited) or give up (permanent).
This package knows nothing of the desk: it speaks the network's terms and Python's, never the inbox's models.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from django.db import connection


@dataclass(frozen=True)
class Author:
    id: str
    username: str
    name: str


@dataclass(frozen=True)
class Mention:
    id: str
    text: str
    author: Author
    conversation_id: str
    created_at: datetime
    in_reply_to_user_id: str | None = None


@dataclass(frozen=True)
class MentionPage:
    """One page, newest first, as the network returns it."""

    mentions: list[Mention] = field(default_factory=list)
    newest_id: str | None = None
    next_token: str | None = None


@dataclass(frozen=True)
class FoundPost:
    """A post a keyword search found: anyone's, about anything the query names."""

    id: str
    text: str
    author: Author
    conversation_id: str
    created_at: datetime
    lang: str = ""
    in_reply_to_user_id: str | None = None
    mentioned_usernames: tuple[str, ...] = ()
    mentioned_user_ids: tuple[str, ...] = ()
    quoted_post_ids: tuple[str, ...] = ()
    # The authors of the quoted posts, where the network named them.
    quoted_user_ids: tuple[str, ...] = ()
    # It @mentions the account or quotes one of its posts: since 2026 X lets the account reply through the API to
    # such posts only (a post that did not summon it is refused).
    summons_account: bool = False

    def as_mention(self) -> Mention:
        """The post as the mentions timeline would have given it."""
        return Mention(
            id=self.id,
            text=self.text,
            author=self.author,
            conversation_id=self.conversation_id,
            created_at=self.created_at,
            in_reply_to_user_id=self.in_reply_to_user_id,
        )


@dataclass(frozen=True)
class SearchPage:
    """One page of a recent search, newest first, as the network returns it."""

    posts: list[FoundPost] = field(default_factory=list)
    newest_id: str | None = None
    next_token: str | None = None


@dataclass(frozen=True)
class VolumeBucket:
    """How many posts matched a query from `start` to `end` (UTC)."""

    start: datetime
    end: datetime
    count: int


@dataclass(frozen=True)
class PostedReply:
    id: str


class ChannelError(Exception):
    """Base of the channel's failures; `reason` is fit to show to an employee."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class TemporaryChannelError(ChannelError):
    """5xx, time-outs, dropped connections: try again later with back-off."""


class RateLimited(TemporaryChannelError):
    """429: nothing may be sent before `reset_at` (UTC)."""

    def __init__(self, reason: str, reset_at: datetime):
        super().__init__(reason)
        self.reset_at = reset_at


class PermanentChannelError(ChannelError):
    """Any other 4xx (duplicate text, deleted post, forbidden): retrying will not help."""


class CalledInsideTransaction(RuntimeError):
    """A network call was made inside a database transaction: it would hold the transaction's locks for as long
    as the network takes, and a rollback cannot take back a post the network made."""


def ensure_outside_transaction(doing: str) -> None:
    """Refuse a network call inside transaction.atomic. The test suite's own wrapping transaction (Django's
    TestCase marks its blocks) is not one the desk opened, so it does not count."""
    opened_by_the_desk = [block for block in connection.atomic_blocks if not getattr(block, "_from_testcase", False)]
    if opened_by_the_desk:
        raise CalledInsideTransaction(f"{doing} was called inside a database transaction")


class Channel(Protocol):
    account_id: str
    account_username: str

    def mentions(self, *, since_id: str | None, pagination_token: str | None, max_results: int = 100) -> MentionPage:
        """One page of posts that mention the account, newer than `since_id`."""
        ...

    def post_reply(self, *, text: str, in_reply_to: str) -> PostedReply:
        """Post `text` as a reply to post `in_reply_to`."""
        ...

    def find_reply(self, *, conversation_id: str, in_reply_to: str, text: str) -> str | None:
        """The id of the account's own reply with this text to `in_reply_to`, if X already has it
        (used to reconcile a send interrupted between the API call and recording its result)."""
        ...

    def search_recent(
        self, query: str, *, since_id: str | None, max_results: int, pagination_token: str | None
    ) -> SearchPage:
        """One page of the last days' posts matching `query` (the network's query language), newer than
        `since_id`, at most `max_results` of them."""
        ...

    def recent_counts(self, query: str, *, granularity: str, start_time: datetime | None = None) -> list[VolumeBucket]:
        """How many of the last days' posts (since `start_time`, if given) match `query`, per "minute", "hour" or
        "day", oldest first (one request, whatever the number of posts)."""
        ...
