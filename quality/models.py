"""Quality review of sent replies: versioned scorecards, the weekly sampling runs and their samples, and reviews.

A scorecard is never changed once a review used it, and a submitted review never changes (only its `seen_at` is set,
once, by the employee); a correction is a new review that supersedes the old one. On PostgreSQL the database refuses
anything else, whatever writes the rows (migration 0001's triggers).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from inbox.models import Queue, Reply

from .scoring import Category


class Scorecard(models.Model):
    """One published version of the categories a review rates; the newest is in force."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    # [{key, label_ja, label_en, scale: "binary"|"three", weight, critical}] (quality.scoring.Category).
    categories = models.JSONField(_("categories"))
    published_at = models.DateTimeField(_("published"))
    # None: the built-in scorecard, published by the desk when the first review needed it.
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"scorecard v{self.version}"

    @property
    def category_list(self) -> list[Category]:
        return [Category.of(data) for data in self.categories]


class SamplingRun(models.Model):
    """The weekly draw for one week (Monday to Sunday in TIME_ZONE): its seed and bounds, and what it found for each
    employee, including why nothing was picked. One per week: a second run of the same week changes nothing."""

    week_start = models.DateField(_("week"), unique=True)
    # Random picks are drawn from this seed (quality.sampling.draw): the same seed draws the same replies.
    seed = models.CharField(max_length=64)
    share_percent = models.PositiveSmallIntegerField()
    minimum = models.PositiveSmallIntegerField()
    maximum = models.PositiveSmallIntegerField()
    first_replies = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # {employee number: {"replies": n, "share": k, "random": [reply ids], "other": [reply ids], "why": ""}}
    outcome = models.JSONField(default=dict)

    class Meta:
        ordering = ["-week_start"]

    def __str__(self) -> str:
        return f"sampling of the week of {self.week_start}"


class ReviewSample(models.Model):
    """A sent reply put in front of a reviewer for the week it was sent in, and why."""

    class Reason(models.TextChoices):
        RANDOM = "random", pgettext_lazy("sample reason", "Random")
        CHECK = "check", pgettext_lazy("sample reason", "Flagged")
        NEW_EMPLOYEE = "new_employee", pgettext_lazy("sample reason", "New employee")
        NEGATIVE_FOLLOW_UP = "negative_follow_up", pgettext_lazy("sample reason", "Unhappy customer")
        MANUAL = "manual", pgettext_lazy("sample reason", "Added by hand")

    week_start = models.DateField(_("week"))
    employee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reply = models.ForeignKey(Reply, on_delete=models.PROTECT, related_name="+")
    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=24, choices=Reason.choices)
    # The automatic checks' flags on the reply when it was sampled (quality.checks.Flag values).
    checks = models.JSONField(default=list)
    run = models.ForeignKey(SamplingRun, on_delete=models.PROTECT, null=True, blank=True, related_name="samples")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["week_start", "reply"], name="one_sample_per_week_and_reply")]
        indexes = [models.Index("week_start", "employee", name="sample_week_employee")]

    def __str__(self) -> str:
        return f"sample of reply {self.reply_id} ({self.reason}, week of {self.week_start})"


class Review(models.Model):
    """A reviewer's rating of one sent reply on one scorecard version. Append-only: a correction supersedes it."""

    reply = models.ForeignKey(Reply, on_delete=models.PROTECT, related_name="+")
    sample = models.ForeignKey(ReviewSample, on_delete=models.PROTECT, null=True, blank=True, related_name="reviews")
    # The reply's author and queue and the week it was sent, kept on the review for the pages and the report.
    employee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="+")
    week_start = models.DateField(_("week"))
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    scorecard = models.ForeignKey(Scorecard, on_delete=models.PROTECT, related_name="reviews")
    # {category key: value on its scale, or null for N/A}
    ratings = models.JSONField()
    score = models.DecimalField(_("score"), max_digits=4, decimal_places=1)
    critical_failed = models.BooleanField(default=False)
    comment = models.TextField(_("comment"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"))
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    # Set once, by the employee whose reply it is.
    seen_at = models.DateTimeField(_("seen"), null=True, blank=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.CheckConstraint(condition=~models.Q(reviewer=models.F("employee")), name="review_not_by_author"),
            # With `supersedes` one-to-one, each reply's reviews form one chain: one first review, each correction
            # superseding the one before.
            models.UniqueConstraint(
                fields=["reply"], condition=models.Q(supersedes__isnull=True), name="one_first_review_per_reply"
            ),
            models.CheckConstraint(condition=models.Q(score__gte=0, score__lte=100), name="review_score_0_to_100"),
        ]
        indexes = [
            models.Index(fields=["employee", "-submitted_at"], name="review_employee"),
            models.Index("week_start", name="review_week"),
        ]

    def __str__(self) -> str:
        return f"review {self.pk} of reply {self.reply_id}"
