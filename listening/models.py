"""Listening: keyword streams polled on X's recent search within a daily read budget, the posts they found (hits),
X's counts of matching posts per bucket (the volume chart), and what each day cost.

A hit is never a question to answer: since 2026 X refuses API replies to posts that did not mention or quote the
account. A hit that did (`summons_account`) is also handed to the inbox, where it becomes a question once.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# X's recent search returns 10 to 100 posts a page: a budget under one smallest page could not be kept.
SMALLEST_PAGE = 10
LARGEST_PAGE = 100
QUERY_MAX_LENGTH = 512  # X's limit for a recent search query, the language clause included


class Language(models.TextChoices):
    ANY = "", pgettext_lazy("stream language", "Any language")
    JAPANESE = "ja", pgettext_lazy("stream language", "Japanese")
    ENGLISH = "en", pgettext_lazy("stream language", "English")


def room_for_a_page(left: int) -> bool:
    """X's search pages hold at least SMALLEST_PAGE posts: with less of the day's budget left, nothing more is read."""
    return left >= SMALLEST_PAGE


class ListeningStream(models.Model):
    """A keyword stream: a query in X's syntax, polled every `poll_interval_minutes` while active, reading at most
    `daily_read_budget` posts per day (the desk's TIME_ZONE). When the day's budget is spent the stream stops until
    the next day and says so."""

    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(
        _("query"),
        max_length=QUERY_MAX_LENGTH,
        help_text=_('X\'s search syntax: words (all must appear), OR, "exact phrases", -excluded, (groups).'),
    )
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, blank=True, default="")
    is_active = models.BooleanField(_("active"), default=True)
    daily_read_budget = models.PositiveIntegerField(
        _("daily read budget"),
        validators=[MinValueValidator(SMALLEST_PAGE), MaxValueValidator(100_000)],
        help_text=_("Posts read per day at most; X bills each post read."),
    )
    poll_interval_minutes = models.PositiveIntegerField(
        _("poll interval (minutes)"), default=15, validators=[MinValueValidator(1), MaxValueValidator(1440)]
    )
    # The newest post read so far: the next poll asks only for newer ones.
    since_id = models.CharField(max_length=32, blank=True, default="")
    # Posts read on `reads_day` (in TIME_ZONE); a poll on a later day starts again from 0.
    reads_today = models.PositiveIntegerField(default=0)
    reads_day = models.DateField(null=True, blank=True)
    # Set when the day's budget ran out (once a day, with its audit entry); cleared by the next day's first poll.
    stopped_for_budget_at = models.DateTimeField(null=True, blank=True)
    next_poll_at = models.DateTimeField()
    last_polled_at = models.DateTimeField(null=True, blank=True)
    # X said 429: no poll before then.
    paused_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True, default="")
    volume_refreshed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("listening stream")
        verbose_name_plural = _("listening streams")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(daily_read_budget__gte=SMALLEST_PAGE), name="stream_budget_at_least_one_page"
            ),
            models.CheckConstraint(condition=models.Q(poll_interval_minutes__gte=1), name="stream_interval_positive"),
        ]
        indexes = [
            models.Index(fields=["next_poll_at"], condition=models.Q(is_active=True), name="stream_due"),
        ]

    def __str__(self) -> str:
        return self.name


class ListeningHit(models.Model):
    """A post a stream found on X. Read-only for the desk: it can be opened on X and noted for the company."""

    stream = models.ForeignKey(ListeningStream, on_delete=models.CASCADE, related_name="hits")
    post_id = models.CharField(max_length=32)
    text = models.TextField()
    author_id = models.CharField(max_length=32)
    author_handle = models.CharField(max_length=50, blank=True)
    posted_at = models.DateTimeField(_("posted on X"))
    lang = models.CharField(max_length=8, blank=True, default="")
    # The names of the routing rules whose keywords the text holds (inbox.routing.folded), at the time it was found.
    topics = models.JSONField(default=list)
    # It mentioned or quoted the account, so the inbox has it as a question too.
    summons_account = models.BooleanField(default=False)
    found_at = models.DateTimeField()
    note = models.TextField(_("note for the company"), blank=True, default="")
    noted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    noted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("listening hit")
        verbose_name_plural = _("listening hits")
        constraints = [models.UniqueConstraint(fields=["stream", "post_id"], name="one_hit_per_stream_and_post")]
        indexes = [
            models.Index(fields=["stream", "-posted_at"], name="hit_stream_posted"),
            models.Index(fields=["posted_at"], name="hit_posted"),
        ]

    def __str__(self) -> str:
        return f"post {self.post_id} ({self.stream_id})"

    @property
    def x_url(self) -> str:
        """The post on X ("Open on X"); X redirects i/web to the author when the handle is not known."""
        return f"https://x.com/{self.author_handle or 'i/web'}/status/{self.post_id}"


class StreamVolume(models.Model):
    """X's count of posts matching a stream's query in one bucket, replaced at each refresh (one counts request)."""

    stream = models.ForeignKey(ListeningStream, on_delete=models.CASCADE, related_name="volume")
    bucket_start = models.DateTimeField()
    bucket_end = models.DateTimeField()
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["stream", "bucket_start"], name="one_volume_per_bucket")]
        ordering = ["stream", "bucket_start"]

    def __str__(self) -> str:
        return f"{self.count} posts from {self.bucket_start:%Y-%m-%d %H:%M}"


class StreamDay(models.Model):
    """What a stream cost on one day (TIME_ZONE): posts read and counts requests, for the period report."""

    stream = models.ForeignKey(ListeningStream, on_delete=models.CASCADE, related_name="days")
    day = models.DateField()
    posts_read = models.PositiveIntegerField(default=0)
    counts_requests = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["stream", "day"], name="one_usage_row_per_stream_day")]
        indexes = [models.Index(fields=["day"], name="stream_day")]

    def __str__(self) -> str:
        return f"{self.stream_id} on {self.day}"
