"""The state changes of quality review, each one function in one durable transaction with its audit entry:
publishing a scorecard, adding a reply to the sample by hand, submitting a review, correcting one (a new review that
supersedes it), and the employee marking a review as seen. A review and a correction also tell the employee, in the
desk's notifications, in the same transaction.

Submitted reviews are never changed: the database holds that on PostgreSQL (migration 0001's triggers), and these
functions never try.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import Employee
from audit import recorder
from inbox import notifications
from inbox.models import Notification, Reply

from .access import ensure_is_reviewed_employee, ensure_may_add_samples, ensure_may_publish, ensure_may_review
from .errors import (
    AlreadyCorrected,
    AlreadyReviewed,
    AlreadySampled,
    InvalidScorecard,
    NotSent,
    RatingsIncomplete,
    ScorecardChanged,
)
from .models import Review, ReviewSample, Scorecard
from .sampling import flags_of_reply
from .scoring import DEFAULT_CATEGORIES, Category, InvalidRatings, check_categories, review_score
from .weeks import week_of


def scorecard_in_force() -> Scorecard:
    """The newest published version; before any, the built-in scorecard as version 1 (not yet stored)."""
    return Scorecard.objects.order_by("-version").first() or Scorecard(
        version=1, categories=[category.as_data() for category in DEFAULT_CATEGORIES]
    )


def _stored_scorecard_in_force(now: datetime) -> Scorecard:
    """The scorecard a review is written on, storing the built-in one first if nobody published any (published by the
    desk itself, so that the version a review names exists)."""
    newest = Scorecard.objects.order_by("-version").first()
    if newest is not None:
        return newest
    built_in, created = Scorecard.objects.get_or_create(
        version=1,
        defaults={"categories": [category.as_data() for category in DEFAULT_CATEGORIES], "published_at": now},
    )
    if created:
        recorder.record(
            "quality.scorecard.published",
            actor=None,
            target=built_in,
            after={"version": 1, "categories": built_in.categories, "built_in": True},
        )
    return built_in


@transaction.atomic(durable=True)
def publish_scorecard(*, actor: Employee, categories: Sequence[Mapping], now: datetime | None = None) -> Scorecard:
    """A new version of the scorecard, in force for every review from now on; earlier versions stay as they were."""
    ensure_may_publish(actor)
    try:
        parsed = [Category.of(data) for data in categories]
        check_categories(parsed)
    except (InvalidRatings, KeyError, ValueError, TypeError) as refused:
        raise InvalidScorecard(str(refused)) from refused
    now = now or timezone.now()
    before = Scorecard.objects.order_by("-version").first()
    version = (Scorecard.objects.aggregate(newest=Max("version"))["newest"] or 0) + 1
    scorecard = Scorecard.objects.create(
        version=version,
        categories=[category.as_data() for category in parsed],
        published_at=now,
        published_by=actor,
    )
    recorder.record(
        "quality.scorecard.published",
        actor=actor,
        target=scorecard,
        before={"version": before.version, "categories": before.categories} if before else None,
        after={"version": version, "categories": scorecard.categories},
    )
    return scorecard


@transaction.atomic(durable=True)
def add_sample_by_hand(reply: Reply, *, actor: Employee, now: datetime | None = None) -> ReviewSample:
    """Put any sent reply in front of a reviewer, in the sample of the week it was sent."""
    ensure_may_add_samples(actor)
    now = now or timezone.now()
    reply = Reply.objects.select_related("author", "approval", "question").get(pk=reply.pk)
    if reply.status != Reply.Status.SENT:
        raise NotSent()
    week_start = week_of(reply.sent_at)
    found = flags_of_reply(reply)
    try:
        with transaction.atomic():
            sample = ReviewSample.objects.create(
                week_start=week_start,
                employee=reply.author,
                reply=reply,
                queue_id=reply.question.queue_id,
                reason=ReviewSample.Reason.MANUAL,
                checks=[flag.value for flag in found],
                added_by=actor,
                created_at=now,
            )
    except IntegrityError as duplicate:
        raise AlreadySampled() from duplicate
    recorder.record(
        "quality.sample.added",
        actor=actor,
        target=sample,
        after={"reply": reply.pk, "week": week_start.isoformat(), "employee": reply.author.employee_number},
    )
    return sample


def _scored(scorecard: Scorecard, ratings: Mapping[str, int | None]):
    try:
        return review_score(scorecard.category_list, ratings)
    except InvalidRatings as refused:
        raise RatingsIncomplete() from refused


def _as_record(review: Review) -> dict:
    return {
        "reply": review.reply_id,
        "employee": review.employee.employee_number,
        "scorecard": review.scorecard.version,
        "ratings": review.ratings,
        "score": str(review.score),
        "critical_failed": review.critical_failed,
        "comment": review.comment,
    }


def _new_review(
    reply: Reply,
    *,
    actor: Employee,
    sample: ReviewSample | None,
    scorecard_version: int,
    ratings: Mapping[str, int | None],
    comment: str,
    now: datetime,
    supersedes: Review | None = None,
) -> Review:
    ensure_may_review(actor, reply)
    scorecard = _stored_scorecard_in_force(now)
    if scorecard.version != scorecard_version:
        raise ScorecardChanged()
    score = _scored(scorecard, ratings)
    return Review.objects.create(
        reply=reply,
        sample=sample,
        employee=reply.author,
        queue_id=reply.question.queue_id,
        week_start=week_of(reply.sent_at),
        reviewer=actor,
        scorecard=scorecard,
        ratings=dict(ratings),
        score=Decimal(str(score.score)),
        critical_failed=score.critical_failed,
        comment=comment.strip(),
        submitted_at=now,
        supersedes=supersedes,
    )


@transaction.atomic(durable=True)
def submit_review(
    sample: ReviewSample,
    *,
    actor: Employee,
    scorecard_version: int,
    ratings: Mapping[str, int | None],
    comment: str,
    now: datetime | None = None,
) -> Review:
    """The first review of a sampled reply, rated on the scorecard version the form showed (the one in force)."""
    now = now or timezone.now()
    reply = Reply.objects.select_related("author", "approval", "question").get(pk=sample.reply_id)
    # The unique first review per reply decides between two reviewers at once; the lock makes the loser wait and
    # then be told, instead of failing on the index.
    Reply.objects.select_for_update().filter(pk=reply.pk).first()
    if Review.objects.filter(reply=reply).exists():
        raise AlreadyReviewed()
    review = _new_review(
        reply,
        actor=actor,
        sample=sample,
        scorecard_version=scorecard_version,
        ratings=ratings,
        comment=comment,
        now=now,
    )
    recorder.record("quality.review.submitted", actor=actor, target=review, after=_as_record(review))
    notifications.tell(review.employee, Notification.Kind.REPLY_REVIEWED, reply.question, by=str(actor))
    return review


@transaction.atomic(durable=True)
def correct_review(
    review: Review,
    *,
    actor: Employee,
    scorecard_version: int,
    ratings: Mapping[str, int | None],
    comment: str,
    now: datetime | None = None,
) -> Review:
    """A correction: a new review of the same reply that supersedes `review`, which stays as it was."""
    now = now or timezone.now()
    old = Review.objects.select_for_update().select_related("scorecard", "employee").get(pk=review.pk)
    if Review.objects.filter(supersedes=old).exists():
        raise AlreadyCorrected()
    reply = Reply.objects.select_related("author", "approval", "question").get(pk=old.reply_id)
    correction = _new_review(
        reply,
        actor=actor,
        sample=old.sample,
        scorecard_version=scorecard_version,
        ratings=ratings,
        comment=comment,
        now=now,
        supersedes=old,
    )
    recorder.record(
        "quality.review.corrected",
        actor=actor,
        target=correction,
        before=_as_record(old) | {"review": old.pk},
        after=_as_record(correction) | {"supersedes": old.pk},
    )
    notifications.tell(correction.employee, Notification.Kind.REPLY_REVIEWED, reply.question, by=str(actor))
    return correction


@transaction.atomic(durable=True)
def mark_seen(review: Review, *, actor: Employee, now: datetime | None = None) -> bool:
    """The employee has read the review of their reply; False when they had already (nothing is written then)."""
    ensure_is_reviewed_employee(actor, review)
    now = now or timezone.now()
    changed = Review.objects.filter(pk=review.pk, employee=actor, seen_at__isnull=True).update(seen_at=now)
    if changed != 1:
        return False
    review.seen_at = now
    recorder.record("quality.review.seen", actor=actor, target=review, after={"seen_at": now})
    return True
