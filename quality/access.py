"""Who may review, read and publish in quality review: the one place that decides.

- Reviewers are supervisors and administrators. Nobody reviews a reply they wrote; nobody reviews one they approved
  either, unless QUALITY_REVIEWER_MAY_BE_APPROVER is on (the approver already looked: the review is a third pair of
  eyes). Supervisors see every queue in this desk, so they review in every queue.
- Supervisors, administrators and compliance officers read every review, the report and the scorecards; compliance
  officers only read.
- Everyone who answers (employees and supervisors) reads the reviews of their own replies and marks them seen; never
  anyone else's.
- A review names its question, linked where the reader may open it: the inbox's question page for those who answer
  (supervisors every queue, employees the queues they answer), else the audit timeline for those who read the trail
  (compliance officers, administrators).
"""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from accounts.access import ANSWERERS, TRAIL_READERS
from accounts.models import Employee, Role
from inbox.access import may_supervise, queue_ids_for
from inbox.models import Question, Reply

from .errors import ApprovedIt, NotAllowedToPublish, NotAllowedToReview, NotSent, NotYourReview, OwnReply, QualityError
from .models import Review, ReviewSample

REVIEWER_ROLES = (Role.SUPERVISOR, Role.ADMINISTRATOR)
READER_ROLES = (Role.SUPERVISOR, Role.ADMINISTRATOR, Role.COMPLIANCE)
PUBLISHER_ROLES = (Role.SUPERVISOR, Role.ADMINISTRATOR)
# Whose replies are reviewed, and who has "My reviews".
REVIEWED_ROLES = ANSWERERS


def why_not_reviewer(actor: Employee, reply: Reply) -> QualityError | None:
    """Why `actor` may not review `reply`, or None when they may."""
    if not actor.has_role(*REVIEWER_ROLES):
        return NotAllowedToReview()
    if reply.status != Reply.Status.SENT:
        return NotSent()
    if reply.author_id == actor.pk:
        return OwnReply()
    if not settings.QUALITY_REVIEWER_MAY_BE_APPROVER and reply.approval_id and reply.approval.approver_id == actor.pk:
        return ApprovedIt()
    return None


def ensure_may_review(actor: Employee, reply: Reply) -> None:
    refusal = why_not_reviewer(actor, reply)
    if refusal is not None:
        raise refusal


def ensure_may_add_samples(actor: Employee) -> None:
    if not actor.has_role(*REVIEWER_ROLES):
        raise NotAllowedToReview()


def ensure_may_publish(actor: Employee) -> None:
    if not actor.has_role(*PUBLISHER_ROLES):
        raise NotAllowedToPublish()


def ensure_is_reviewed_employee(actor: Employee, review: Review) -> None:
    if review.employee_id != actor.pk:
        raise NotYourReview()


def may_publish(actor: Employee) -> bool:
    return actor.has_role(*PUBLISHER_ROLES)


def may_review(actor: Employee) -> bool:
    return actor.has_role(*REVIEWER_ROLES)


def access_sample(actor: Employee, sample_id: int) -> ReviewSample:
    """A sample a reviewer opens: 403 for anyone else, 404 for one that does not exist."""
    if not actor.has_role(*REVIEWER_ROLES):
        raise PermissionDenied
    sample = (
        ReviewSample.objects.select_related("reply__question__customer", "reply__approval", "employee", "queue")
        .filter(pk=sample_id)
        .first()
    )
    if sample is None:
        raise Http404
    return sample


def access_review_to_correct(actor: Employee, review_id: int) -> Review:
    if not actor.has_role(*REVIEWER_ROLES):
        raise PermissionDenied
    review = (
        Review.objects.select_related("reply__question__customer", "reply__approval", "employee", "scorecard", "sample")
        .filter(pk=review_id)
        .first()
    )
    if review is None:
        raise Http404
    return review


def access_own_review(actor: Employee, review_id: int) -> Review:
    """A review of one of `actor`'s replies; anyone else's answers the 404 of a missing one."""
    if not actor.has_role(*REVIEWED_ROLES):
        raise PermissionDenied
    review = Review.objects.filter(pk=review_id, employee=actor).first()
    if review is None:
        raise Http404
    return review


def access_sent_reply(actor: Employee, reply_id: int) -> Reply:
    if not actor.has_role(*REVIEWER_ROLES):
        raise PermissionDenied
    reply = Reply.objects.select_related("question", "author").filter(pk=reply_id, status=Reply.Status.SENT).first()
    if reply is None:
        raise Http404
    return reply


def question_link_for(viewer: Employee) -> Callable[[Question], str | None]:
    """Where `viewer` opens the question a review is about, or None where they may open none. Employees get the link
    only for the queues they answer now (a question of a queue taken from them would answer 404); a question escalated
    to their department is left unlinked rather than asked about one by one."""
    if viewer.has_role(*ANSWERERS):
        if may_supervise(viewer):
            return lambda question: reverse("inbox:question", args=[question.pk])
        answered = set(queue_ids_for(viewer))
        return lambda question: reverse("inbox:question", args=[question.pk]) if question.queue_id in answered else None
    if viewer.has_role(*TRAIL_READERS):
        return lambda question: reverse("audit:question_timeline", args=[question.pk])
    return lambda question: None
