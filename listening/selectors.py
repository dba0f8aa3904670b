"""What the listening pages and the period report read: each stream's state in words, a stream's hits and volume
chart, and what listening did and cost in a period."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from replydesk import charts

from . import costs
from .models import ListeningHit, ListeningStream, StreamDay, StreamVolume, room_for_a_page

HITS_PER_PAGE = 50


@dataclass(frozen=True)
class StreamState:
    """What a stream is doing, decided once here so that the pages only show it."""

    code: str  # "listening", "paused", "budget_spent", "rate_limited"
    label: str
    detail: str
    reads_today: int
    budget: int

    @property
    def budget_spent(self) -> bool:
        return self.code == "budget_spent"

    @property
    def budget_percent(self) -> int:
        return min(100, round(100 * self.reads_today / self.budget)) if self.budget else 0


def state_of(stream: ListeningStream, now: datetime) -> StreamState:
    today = timezone.localdate(now)
    reads = stream.reads_today if stream.reads_day == today else 0
    stopped_today = stream.stopped_for_budget_at is not None and stream.reads_day == today
    if not stream.is_active:
        code, label, detail = "paused", _("Paused"), _("An administrator paused it: it asks X nothing.")
    elif stopped_today or not room_for_a_page(stream.daily_read_budget - reads):
        code, label = "budget_spent", _("Stopped: budget spent")
        detail = _("Today's read budget is spent. It listens again from 00:00 (%(zone)s).") % {
            "zone": settings.TIME_ZONE
        }
    elif stream.paused_until is not None and stream.paused_until > now:
        code, label = "rate_limited", _("Waiting for X")
        detail = _("X asked the desk to wait (rate limit) until %(time)s.") % {
            "time": date_format(timezone.localtime(stream.paused_until), "Y-m-d H:i")
        }
    else:
        code, label = "listening", pgettext("stream state", "Listening")
        detail = ngettext("Asks X every minute.", "Asks X every %(n)d minutes.", stream.poll_interval_minutes) % {
            "n": stream.poll_interval_minutes
        }
    return StreamState(code=code, label=label, detail=detail, reads_today=reads, budget=stream.daily_read_budget)


@dataclass(frozen=True)
class StreamRow:
    stream: ListeningStream
    state: StreamState
    hits_this_week: int


def stream_rows(now: datetime) -> list[StreamRow]:
    """Every stream, with its state and its hits posted in the last 7 days."""
    week_ago = now - timedelta(days=7)
    # A count per stream in a subquery: the index hit_stream_posted reads only the week's hits of each stream, where a
    # join with a filtered COUNT would read every hit ever stored.
    recent = (
        ListeningHit.objects.filter(stream=OuterRef("pk"), posted_at__gte=week_ago)
        .order_by()
        .values("stream")
        .annotate(n=Count("pk"))
        .values("n")
    )
    streams = ListeningStream.objects.annotate(
        hits_this_week=Coalesce(Subquery(recent, output_field=IntegerField()), 0)
    ).order_by("name", "pk")
    return [StreamRow(stream=s, state=state_of(s, now), hits_this_week=s.hits_this_week) for s in streams]


@dataclass(frozen=True)
class VolumeRow:
    label: str
    start: datetime
    end: datetime
    count: int


@dataclass(frozen=True)
class VolumeChart:
    rows: list[VolumeRow]
    image: str  # an <img src>, "" without rows
    alt: str
    total: int
    refreshed_at: datetime | None


def _bucket_label(moment: datetime, granularity: str) -> str:
    local = timezone.localtime(moment)
    return date_format(local, {"day": "m/d", "hour": "m/d H:00", "minute": "H:i"}[granularity])


def _volume_rows(stream: ListeningStream, granularity: str) -> list[VolumeRow]:
    """The stored buckets as bars: for a chart by day, X's hours added up into the desk's days (TIME_ZONE)."""
    rows: list[VolumeRow] = []
    for volume in StreamVolume.objects.filter(stream=stream).order_by("bucket_start"):
        label = _bucket_label(volume.bucket_start, granularity)
        if rows and rows[-1].label == label:
            last = rows[-1]
            rows[-1] = VolumeRow(label=label, start=last.start, end=volume.bucket_end, count=last.count + volume.count)
        else:
            rows.append(VolumeRow(label=label, start=volume.bucket_start, end=volume.bucket_end, count=volume.count))
    return rows


def volume_chart(stream: ListeningStream) -> VolumeChart:
    granularity = settings.LISTENING_VOLUME_GRANULARITY
    rows = _volume_rows(stream, granularity)
    total = sum(row.count for row in rows)
    if not rows:
        return VolumeChart(rows=[], image="", alt="", total=0, refreshed_at=stream.volume_refreshed_at)
    title = {
        "day": _("Posts matching “%(name)s” per day"),
        "hour": _("Posts matching “%(name)s” per hour"),
        "minute": _("Posts matching “%(name)s” per minute"),
    }[granularity] % {"name": stream.name}
    chart = charts.bar_chart(
        title, [row.label for row in rows], [(_("Posts"), [row.count for row in rows])], value_label=_("posts")
    )
    busiest = max(rows, key=lambda row: row.count)
    alt = _(
        "Bar chart: %(title)s, from %(first)s to %(last)s; %(total)d in all, most at %(busiest)s (%(most)d). "
        "The table beside it gives every figure."
    ) % {
        "title": title,
        "first": rows[0].label,
        "last": rows[-1].label,
        "total": total,
        "busiest": busiest.label,
        "most": busiest.count,
    }
    return VolumeChart(
        rows=rows, image=charts.svg_data_uri(chart), alt=alt, total=total, refreshed_at=stream.volume_refreshed_at
    )


def hits_of(stream: ListeningStream, *, before: int | None = None) -> tuple[list[ListeningHit], int | None]:
    """A page of the stream's hits, newest post first, and the id to pass as `before` for the next (older) page."""
    hits = ListeningHit.objects.filter(stream=stream).select_related("noted_by").order_by("-posted_at", "-pk")
    if before is not None:
        anchor = ListeningHit.objects.filter(stream=stream, pk=before).values_list("posted_at", flat=True).first()
        if anchor is not None:
            hits = hits.filter(Q(posted_at__lt=anchor) | Q(posted_at=anchor, pk__lt=before))
    page = list(hits[: HITS_PER_PAGE + 1])
    older = page[HITS_PER_PAGE - 1].pk if len(page) > HITS_PER_PAGE else None
    return page[:HITS_PER_PAGE], older


@dataclass(frozen=True)
class StreamPeriod:
    """What one stream did and cost from `start` to `end` (reads and counts by the days of TIME_ZONE it covers)."""

    stream_id: int
    name: str
    hits: int
    posts_read: int
    counts_requests: int
    read_cost_usd: Decimal
    counts_cost_usd: Decimal

    @property
    def cost_usd(self) -> Decimal:
        return self.read_cost_usd + self.counts_cost_usd


def period_days(start: datetime, end: datetime) -> tuple[date, date]:
    """The first and last day (TIME_ZONE) of the period [start, end)."""
    return timezone.localdate(start), timezone.localdate(end - timedelta(microseconds=1))


def period_summary(start: datetime, end: datetime) -> list[StreamPeriod]:
    """Per stream: the hits posted on X in [start, end), the posts read and counts requests of the days the period
    covers, and their estimated cost. Three queries on indexes (hits by time, usage by day), whatever the number of
    hits stored."""
    first, last = period_days(start, end)
    usage = {
        row["stream"]: row
        for row in StreamDay.objects.filter(day__gte=first, day__lte=last)
        .values("stream")
        .annotate(posts_read=Sum("posts_read"), counts_requests=Sum("counts_requests"))
    }
    hits = dict(
        ListeningHit.objects.filter(posted_at__gte=start, posted_at__lt=end)
        .values("stream")
        .annotate(n=Count("pk"))
        .values_list("stream", "n")
    )
    read_price, counts_price = costs.post_read_price(), costs.counts_request_price()
    summary = []
    for stream_id, name in ListeningStream.objects.order_by("name", "pk").values_list("pk", "name"):
        used = usage.get(stream_id, {})
        posts_read = used.get("posts_read") or 0
        counts_requests = used.get("counts_requests") or 0
        summary.append(
            StreamPeriod(
                stream_id=stream_id,
                name=name,
                hits=hits.get(stream_id, 0),
                posts_read=posts_read,
                counts_requests=counts_requests,
                read_cost_usd=posts_read * read_price,
                counts_cost_usd=counts_requests * counts_price,
            )
        )
    return summary


def form_initial(stream: ListeningStream) -> dict:
    return {
        "name": stream.name,
        "query": stream.query,
        "language": stream.language,
        "daily_read_budget": stream.daily_read_budget,
        "poll_interval_minutes": stream.poll_interval_minutes,
    }
