"""What can go wrong in quality review; each error carries a message fit to show to the person."""

from django.utils.translation import gettext as _


class QualityError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAllowedToReview(QualityError):
    def __init__(self):
        super().__init__(_("Only supervisors and administrators review replies."))


class OwnReply(QualityError):
    def __init__(self):
        super().__init__(_("You wrote this reply: someone else reviews it."))


class ApprovedIt(QualityError):
    def __init__(self):
        super().__init__(_("You approved this reply: a third pair of eyes reviews it."))


class NotSent(QualityError):
    def __init__(self):
        super().__init__(_("Only replies that reached X are reviewed."))


class AlreadyReviewed(QualityError):
    def __init__(self):
        super().__init__(_("This reply has been reviewed already. To change the review, correct it."))


class AlreadyCorrected(QualityError):
    def __init__(self):
        super().__init__(_("This review has been corrected already: correct the newest version."))


class ScorecardChanged(QualityError):
    def __init__(self):
        super().__init__(
            _("A new version of the scorecard was published while you rated. Nothing was saved; rate again.")
        )


class RatingsIncomplete(QualityError):
    def __init__(self):
        super().__init__(
            _("Rate every category (N/A only where it is offered, and not every category N/A). Nothing was saved.")
        )


class AlreadySampled(QualityError):
    def __init__(self):
        super().__init__(_("This reply is already in the review sample of its week."))


class NotAllowedToPublish(QualityError):
    def __init__(self):
        super().__init__(_("Only supervisors and administrators publish scorecards."))


class InvalidScorecard(QualityError):
    def __init__(self, detail: str = ""):
        super().__init__(
            _(
                "A scorecard needs at least one category, each with a unique key, both labels, a scale and a weight "
                "from 1 to 100."
            )
        )
        self.detail = detail


class NotYourReview(QualityError):
    def __init__(self):
        super().__init__(_("Only the employee whose reply was reviewed marks the review as seen."))


class WeekNotOver(QualityError):
    def __init__(self):
        super().__init__(_("A week is sampled once it is over."))
