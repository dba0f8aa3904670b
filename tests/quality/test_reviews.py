"""Reviews (quality/reviews.py): rated on the scorecard in force by a reviewer who neither wrote nor (by default)
approved the reply; append-only, corrected by a review that supersedes; marked seen once by the employee."""

from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from accounts import services as people_services
from audit.models import AuditEntry
from inbox.models import Notification
from quality import reviews
from quality.errors import (
    AlreadyCorrected,
    AlreadyReviewed,
    ApprovedIt,
    NotAllowedToPublish,
    NotAllowedToReview,
    NotYourReview,
    OwnReply,
    RatingsIncomplete,
    ScorecardChanged,
)
from quality.models import Review, Scorecard
from quality.scoring import DEFAULT_CATEGORIES
from tests.helpers import actions_for

GOOD = {"accuracy": 2, "policy": 1, "tone": 1, "clarity": None}
DEFAULT_SCORECARD = [category.as_data() for category in DEFAULT_CATEGORIES]


@pytest.fixture
def sampled(desk):
    """A sent reply of E100's, added to the sample by the supervisor."""
    reply = desk.send(desk.employee_a)
    return reviews.add_sample_by_hand(reply, actor=desk.supervisor)


def review(sample, actor, ratings=GOOD, comment="Clear and correct.", version=1):
    return reviews.submit_review(sample, actor=actor, scorecard_version=version, ratings=ratings, comment=comment)


def test_a_supervisor_reviews_a_sampled_reply(desk, sampled):
    done = review(sampled, desk.supervisor)

    # accuracy 100 × 40, policy 100 × 30, tone 50 × 15 (clarity N/A) → 7750 / 85
    assert done.score == Decimal("91.2") and not done.critical_failed
    assert (done.employee, done.reviewer, done.queue, done.scorecard.version) == (
        desk.employee_a,
        desk.supervisor,
        desk.queue_a,
        1,
    )
    assert done.ratings == GOOD and done.seen_at is None
    assert actions_for(done) == ["quality.review.submitted"]
    # The first review stored the built-in scorecard as version 1, published by the desk.
    assert actions_for(done.scorecard) == ["quality.scorecard.published"]
    assert AuditEntry.objects.get(action="quality.review.submitted").after["score"] == "91.2"


def test_a_critical_failure_scores_zero(desk, sampled):
    done = review(sampled, desk.supervisor, ratings=GOOD | {"policy": 0})
    assert done.score == 0 and done.critical_failed


def test_an_administrator_reviews_too(desk, sampled):
    assert review(sampled, desk.administrator).reviewer == desk.administrator


def test_a_supervisor_cannot_review_a_reply_they_wrote(desk):
    people_services.grant_queue(desk.supervisor, desk.queue_a, actor=desk.administrator)
    own = desk.send(desk.supervisor)
    sample = reviews.add_sample_by_hand(own, actor=desk.administrator)
    with pytest.raises(OwnReply):
        review(sample, desk.supervisor)
    assert not Review.objects.exists()
    reviews.publish_scorecard(actor=desk.administrator, categories=DEFAULT_SCORECARD)
    with connection.cursor() as cursor, pytest.raises(DatabaseError), transaction.atomic():
        # The database refuses it too, whatever writes the row.
        cursor.execute(
            "INSERT INTO quality_review (reply_id, employee_id, queue_id, week_start, reviewer_id, scorecard_id, "
            "ratings, score, critical_failed, comment, submitted_at) SELECT %s, %s, %s, now(), %s, s.id, '{}', 0, "
            "false, '', now() FROM quality_scorecard s LIMIT 1",
            [own.pk, desk.supervisor.pk, desk.queue_a.pk, desk.supervisor.pk],
        )


def test_the_approver_does_not_review_the_reply_they_approved_unless_allowed(desk, settings):
    approved = desk.send_approved(desk.employee_a, "返金の手続きをご案内します。", approver=desk.supervisor)
    sample = reviews.add_sample_by_hand(approved, actor=desk.supervisor)
    with pytest.raises(ApprovedIt):
        review(sample, desk.supervisor)
    settings.QUALITY_REVIEWER_MAY_BE_APPROVER = True
    assert review(sample, desk.supervisor).reviewer == desk.supervisor


def test_employees_and_compliance_officers_do_not_review(desk, sampled):
    for person in (desk.employee_b, desk.compliance):
        with pytest.raises(NotAllowedToReview):
            review(sampled, person)
    assert not Review.objects.exists()


def test_a_reply_is_reviewed_once_then_corrected(desk, sampled):
    review(sampled, desk.supervisor)
    with pytest.raises(AlreadyReviewed):
        review(sampled, desk.administrator)
    assert Review.objects.count() == 1


def test_incomplete_ratings_are_refused(desk, sampled):
    with pytest.raises(RatingsIncomplete):
        review(sampled, desk.supervisor, ratings={"accuracy": 2})
    with pytest.raises(RatingsIncomplete):
        review(sampled, desk.supervisor, ratings=GOOD | {"accuracy": None})
    assert not Review.objects.exists()


def test_a_correction_supersedes_the_review_which_is_kept(desk, sampled):
    first = review(sampled, desk.supervisor)
    correction = reviews.correct_review(
        first, actor=desk.administrator, scorecard_version=1, ratings=GOOD | {"policy": 0}, comment="Promised a refund."
    )

    assert correction.supersedes == first and correction.score == 0 and correction.reviewer == desk.administrator
    first.refresh_from_db()
    assert first.score == Decimal("91.2") and first.comment == "Clear and correct."
    assert list(Review.objects.filter(superseded_by__isnull=True)) == [correction]
    assert actions_for(correction) == ["quality.review.corrected"]
    entry = AuditEntry.objects.get(action="quality.review.corrected")
    assert entry.before["score"] == "91.2" and entry.after["supersedes"] == first.pk
    with pytest.raises(AlreadyCorrected):
        reviews.correct_review(first, actor=desk.supervisor, scorecard_version=1, ratings=GOOD, comment="Again")
    again = reviews.correct_review(correction, actor=desk.supervisor, scorecard_version=1, ratings=GOOD, comment="OK")
    assert again.supersedes == correction


def test_a_submitted_review_is_never_changed_in_the_database(desk, sampled):
    done = review(sampled, desk.supervisor)
    for statement in (
        "UPDATE quality_review SET score = 100 WHERE id = %s",
        "UPDATE quality_review SET comment = 'changed' WHERE id = %s",
        "DELETE FROM quality_review WHERE id = %s",
        "UPDATE quality_scorecard SET categories = '[]' WHERE id = (SELECT scorecard_id FROM quality_review "
        "WHERE id = %s)",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [done.pk])
    done.refresh_from_db()
    assert done.score == Decimal("91.2") and done.comment == "Clear and correct."


def test_the_employee_marks_a_review_seen_once(desk, sampled):
    done = review(sampled, desk.supervisor)
    assert reviews.mark_seen(done, actor=desk.employee_a) is True
    seen_at = Review.objects.get(pk=done.pk).seen_at
    assert seen_at is not None
    assert reviews.mark_seen(done, actor=desk.employee_a) is False
    assert Review.objects.get(pk=done.pk).seen_at == seen_at
    assert actions_for(done) == ["quality.review.submitted", "quality.review.seen"]
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE quality_review SET seen_at = NULL WHERE id = %s", [done.pk])


def test_only_the_employee_marks_their_review_seen(desk, sampled):
    done = review(sampled, desk.supervisor)
    for person in (desk.employee_b, desk.supervisor):
        with pytest.raises(NotYourReview):
            reviews.mark_seen(done, actor=person)
    assert Review.objects.get(pk=done.pk).seen_at is None


def test_a_new_scorecard_version_applies_from_then_on_and_the_old_one_stays(desk, sampled):
    first = review(sampled, desk.supervisor)
    shorter = [c for c in DEFAULT_SCORECARD if c["key"] != "clarity"]
    published = reviews.publish_scorecard(actor=desk.supervisor, categories=shorter)

    assert published.version == 2 and actions_for(published) == ["quality.scorecard.published"]
    assert Scorecard.objects.get(version=1).categories == DEFAULT_SCORECARD
    # A form showing version 1 is refused now; one showing version 2 is rated on its categories.
    ratings = {"accuracy": 2, "policy": 1, "tone": 2}
    with pytest.raises(ScorecardChanged):
        reviews.correct_review(first, actor=desk.administrator, scorecard_version=1, ratings=ratings, comment="x")
    corrected = reviews.correct_review(
        first, actor=desk.administrator, scorecard_version=2, ratings=ratings, comment="x"
    )
    assert corrected.scorecard == published and corrected.score == 100


def test_only_supervisors_and_administrators_publish_scorecards(desk):
    for person in (desk.employee_a, desk.compliance):
        with pytest.raises(NotAllowedToPublish):
            reviews.publish_scorecard(actor=person, categories=DEFAULT_SCORECARD)
    assert not Scorecard.objects.exists()


def test_a_review_and_its_correction_tell_the_employee_in_the_desk(desk, sampled):
    first = review(sampled, desk.supervisor)
    reviews.correct_review(first, actor=desk.administrator, scorecard_version=1, ratings=GOOD, comment="Fine.")

    told = Notification.objects.filter(recipient=desk.employee_a).order_by("pk")
    assert [(n.kind, n.question_id, n.by) for n in told] == [
        (Notification.Kind.REPLY_REVIEWED, first.reply.question_id, desk.supervisor.employee_number),
        (Notification.Kind.REPLY_REVIEWED, first.reply.question_id, desk.administrator.employee_number),
    ]
    assert not Notification.objects.exclude(recipient=desk.employee_a).exists()


def test_a_refused_review_tells_nobody(desk, sampled):
    with pytest.raises(RatingsIncomplete):
        review(sampled, desk.supervisor, ratings={"accuracy": 2})
    assert not Notification.objects.exists()
