"""The worker's side of listening: polling each due stream on X's recent search within its daily read budget, and
refreshing its volume from X's counts.

A poll, in this order:
1. claim the stream (a conditional UPDATE moving its next poll on): a second worker at the same moment gets nothing;
2. on a new day (TIME_ZONE), start the day's reads from 0, which lifts yesterday's stop for budget;
3. with less than one page of X's search (10 posts) left of the budget, stop for the day and say so, once;
4. page through the posts newer than the stream's cursor, asking each page for no more than the budget has left
   (network calls, outside any transaction);
5. store the hits, the day's reads and the cursor in one transaction (a post stored before is not stored again);
6. hand the hits that mention or quote the account to the inbox, where each becomes a question once. Every other
   hit stays a hit: X refuses replies through the API to posts that did not summon the account.

When the budget runs out part-way, the posts older than the last page read are skipped: reading them later would cost
as much as reading new ones, and the budget is the company's word on what listening may cost.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from audit import recorder
from channels.base import Channel, ChannelError, FoundPost, RateLimited, TemporaryChannelError
from channels.x import x_channel_from_settings
from inbox.ingest import ingest_found_posts

from .models import LARGEST_PAGE, ListeningHit, ListeningStream, StreamDay, StreamVolume, room_for_a_page
from .queries import search_query
from .topics import Topics

logger = logging.getLogger(__name__)
ERROR_LENGTH = 300
# What the counts request asks for, by the chart's bars: X counts days in UTC, so a chart by day is counted by the hour
# and added up into the desk's days (selectors.volume_chart). How far back: bars people can read, on a phone too.
VOLUME_REQUESTS = {
    "day": ("hour", timedelta(days=7)),
    "hour": ("hour", timedelta(hours=24)),
    "minute": ("minute", timedelta(hours=1)),
}


@dataclass
class PollResult:
    stream_id: int
    polled: bool = False
    pages: int = 0
    posts_read: int = 0
    new_hits: int = 0
    new_questions: int = 0
    stopped_for_budget: bool = False
    error: str = ""


def channel_or_none() -> Channel | None:
    """The X channel, or None (logged) while the account is not configured: the desk still runs without it."""
    try:
        return x_channel_from_settings()
    except ImproperlyConfigured as missing:
        logger.warning("X channel not configured, listening skipped: %s", missing)
        return None


def poll_due_streams(channel: Channel, *, now: datetime | None = None) -> list[PollResult]:
    """Poll every active stream whose interval has passed, then refresh the volume of those whose chart is due."""
    now = now or timezone.now()
    due = list(
        ListeningStream.objects.filter(is_active=True, next_poll_at__lte=now)
        .filter(Q(paused_until__isnull=True) | Q(paused_until__lte=now))
        .values_list("pk", flat=True)
    )
    results = [poll_stream(stream_id, channel, now=now) for stream_id in due]
    stale = now - timedelta(minutes=settings.LISTENING_VOLUME_REFRESH_MINUTES)
    for stream_id in (
        ListeningStream.objects.filter(is_active=True)
        .filter(Q(volume_refreshed_at__isnull=True) | Q(volume_refreshed_at__lte=stale))
        .values_list("pk", flat=True)
    ):
        refresh_volume(stream_id, channel, now=now)
    return results


def poll_stream(stream_id: int, channel: Channel, *, now: datetime | None = None) -> PollResult:
    now = now or timezone.now()
    result = PollResult(stream_id=stream_id)
    stream = _claim(stream_id, now)
    if stream is None:
        return result
    result.polled = True
    today = timezone.localdate(now)
    if stream.reads_day != today:
        stream = _start_day(stream, today)
    left = stream.daily_read_budget - stream.reads_today
    if not room_for_a_page(left):
        result.stopped_for_budget = stop_for_budget(stream, now=now)
        return result
    posts: dict[str, FoundPost] = {}
    newest: str | None = None
    token: str | None = None
    complete = True
    paused_until = None
    query = search_query(stream.query, stream.language)
    while room_for_a_page(left):
        try:
            page = channel.search_recent(
                query,
                since_id=stream.since_id or None,
                max_results=min(LARGEST_PAGE, left),
                pagination_token=token,
            )
        except ChannelError as failed:
            complete = False
            result.error = failed.reason[:ERROR_LENGTH]
            if isinstance(failed, RateLimited):
                paused_until = failed.reset_at
            elif isinstance(failed, TemporaryChannelError):
                # X may have answered, and billed the page, before it failed to arrive or to be read: what was asked
                # for counts against the budget, so that a page failing poll after poll cannot read past it.
                asked = min(LARGEST_PAGE, left)
                result.posts_read += asked
                left -= asked
            break
        result.pages += 1
        result.posts_read += len(page.posts)
        left -= len(page.posts)
        posts.update((post.id, post) for post in page.posts)
        if page.newest_id and (newest is None or _id_key(page.newest_id) > _id_key(newest)):
            newest = page.newest_id
        token = page.next_token
        if not token:
            break
    # After a failure the cursor stays: the next poll reads the same range again rather than leave a gap.
    result.new_hits = _store_poll(
        stream.pk,
        list(posts.values()),
        posts_read=result.posts_read,
        newest=newest if complete else None,
        error=result.error,
        paused_until=paused_until,
        now=now,
    )
    stream.refresh_from_db()
    if not room_for_a_page(stream.daily_read_budget - stream.reads_today):
        result.stopped_for_budget = stop_for_budget(stream, now=now)
    summoning = [post for post in posts.values() if post.summons_account]
    if summoning:
        result.new_questions = _hand_to_inbox(summoning)
    return result


def _id_key(post_id: str) -> tuple[int, str]:
    return (len(post_id), post_id)


def _claim(stream_id: int, now: datetime) -> ListeningStream | None:
    """The stream, with its next poll moved on, when it was due and no other worker took it first."""
    stream = ListeningStream.objects.filter(pk=stream_id, is_active=True, next_poll_at__lte=now).first()
    if stream is None or (stream.paused_until is not None and stream.paused_until > now):
        return None
    taken = ListeningStream.objects.filter(pk=stream_id, next_poll_at=stream.next_poll_at).update(
        next_poll_at=now + timedelta(minutes=stream.poll_interval_minutes), last_polled_at=now
    )
    if taken != 1:
        return None
    stream.refresh_from_db()
    return stream


def _start_day(stream: ListeningStream, today: date) -> ListeningStream:
    """A new day's budget: nothing read yet, and yesterday's stop lifted."""
    ListeningStream.objects.filter(pk=stream.pk).exclude(reads_day=today).update(
        reads_today=0, reads_day=today, stopped_for_budget_at=None
    )
    stream.refresh_from_db()
    return stream


@transaction.atomic(durable=True)
def stop_for_budget(stream: ListeningStream, *, now: datetime) -> bool:
    """The day's budget is spent: the stream reads nothing more until the next day (TIME_ZONE). Said once a day, in
    the audit trail and on the stream's page; True when this call stopped it."""
    stopped = ListeningStream.objects.filter(pk=stream.pk, stopped_for_budget_at__isnull=True).update(
        stopped_for_budget_at=now
    )
    if stopped != 1:
        return False
    stream.refresh_from_db()
    recorder.record(
        "listening.stream.budget_spent",
        actor=None,
        target=stream,
        after={
            "day": stream.reads_day.isoformat() if stream.reads_day else None,
            "posts_read": stream.reads_today,
            "daily_read_budget": stream.daily_read_budget,
        },
    )
    return True


@transaction.atomic(durable=True)
def _store_poll(
    stream_id: int,
    posts: list[FoundPost],
    *,
    posts_read: int,
    newest: str | None,
    error: str,
    paused_until: datetime | None,
    now: datetime,
) -> int:
    """The poll's hits, reads and cursor; returns how many hits are new."""
    stream = ListeningStream.objects.select_for_update().get(pk=stream_id)
    known = set(
        ListeningHit.objects.filter(stream=stream, post_id__in=[p.id for p in posts]).values_list("post_id", flat=True)
    )
    fresh = sorted((p for p in posts if p.id not in known), key=lambda p: _id_key(p.id))
    if fresh:
        topics = Topics()
        ListeningHit.objects.bulk_create(
            [
                ListeningHit(
                    stream=stream,
                    post_id=post.id,
                    text=post.text,
                    author_id=post.author.id,
                    author_handle=post.author.username,
                    posted_at=post.created_at,
                    lang=post.lang[:8],
                    topics=topics.of(post.text),
                    summons_account=post.summons_account,
                    found_at=now,
                )
                for post in fresh
            ],
            ignore_conflicts=True,
        )
    fields: dict = {"last_error": error, "paused_until": paused_until}
    if posts_read:
        fields["reads_today"] = F("reads_today") + posts_read
        day, _created = StreamDay.objects.get_or_create(stream=stream, day=stream.reads_day or timezone.localdate(now))
        StreamDay.objects.filter(pk=day.pk).update(posts_read=F("posts_read") + posts_read)
    if newest and (not stream.since_id or _id_key(newest) > _id_key(stream.since_id)):
        fields["since_id"] = newest
    ListeningStream.objects.filter(pk=stream.pk).update(**fields)
    if fresh:
        recorder.record(
            "listening.hits.found",
            actor=None,
            target=stream,
            after={
                "hits": len(fresh),
                "posts_read": posts_read,
                "newest_id": fresh[-1].id,
                "summoning": [p.id for p in fresh if p.summons_account],
            },
        )
    return len(fresh)


def _hand_to_inbox(posts: list[FoundPost]) -> int:
    try:
        return ingest_found_posts(posts).new_questions
    except IntegrityError:
        # The mentions poll stored the same post at the same moment: once more, and it is a repeat.
        return ingest_found_posts(posts).new_questions


def refresh_volume(stream_id: int, channel: Channel, *, now: datetime | None = None) -> bool:
    """The stream's volume chart from X's counts: one request, billed once, whatever it counts. True when stored."""
    now = now or timezone.now()
    stale = now - timedelta(minutes=settings.LISTENING_VOLUME_REFRESH_MINUTES)
    stream = ListeningStream.objects.filter(pk=stream_id, is_active=True).first()
    if stream is None:
        return False
    taken = (
        ListeningStream.objects.filter(pk=stream_id, is_active=True)
        .filter(Q(volume_refreshed_at__isnull=True) | Q(volume_refreshed_at__lte=stale))
        .update(volume_refreshed_at=now)
    )
    if taken != 1:
        return False
    granularity, window = VOLUME_REQUESTS[settings.LISTENING_VOLUME_GRANULARITY]
    step = timedelta(hours=1) if granularity == "hour" else timedelta(minutes=1)
    # X's clock, not the poll's `now` (a start X finds beyond its 7 days is refused), moved on to a whole bucket so
    # that the first bar is not a sliver.
    earliest = timezone.now() - window
    start = earliest + (datetime.min.replace(tzinfo=earliest.tzinfo) - earliest) % step
    try:
        buckets = channel.recent_counts(
            search_query(stream.query, stream.language), granularity=granularity, start_time=start
        )
    except ChannelError as failed:
        ListeningStream.objects.filter(pk=stream_id).update(last_error=failed.reason[:ERROR_LENGTH])
        return False
    _store_volume(stream_id, [(b.start, b.end, b.count) for b in buckets], now=now)
    return True


@transaction.atomic(durable=True)
def _store_volume(stream_id: int, buckets: list[tuple[datetime, datetime, int]], *, now: datetime) -> None:
    stream = ListeningStream.objects.select_for_update().get(pk=stream_id)
    StreamVolume.objects.filter(stream=stream).delete()
    StreamVolume.objects.bulk_create(
        [StreamVolume(stream=stream, bucket_start=start, bucket_end=end, count=count) for start, end, count in buckets]
    )
    day, _created = StreamDay.objects.get_or_create(stream=stream, day=timezone.localdate(now))
    StreamDay.objects.filter(pk=day.pk).update(counts_requests=F("counts_requests") + 1)
