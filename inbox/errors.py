"""What can go wrong in the inbox; each error carries a message fit to show to the employee."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class InboxError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class AlreadyClaimed(InboxError):
    def __init__(self, holder, lease_ends):
        self.holder = holder
        self.lease_ends = lease_ends
        super().__init__(_("%(number)s is answering this question.") % {"number": holder})


class HoldLimitReached(InboxError):
    def __init__(self, limit: int):
        self.limit = limit
        super().__init__(
            ngettext(
                "You already hold %(limit)d question, the most one person may hold at once. Answer or release it "
                "first.",
                "You already hold %(limit)d questions, the most one person may hold at once. Answer or release "
                "one of them first.",
                limit,
            )
            % {"limit": limit}
        )


class ClaimLost(InboxError):
    """The claim expired, was released or was taken over, or the form was sent twice."""

    def __init__(self):
        super().__init__(
            _(
                "You no longer hold this question: your claim expired, was released or was taken over, "
                "or this form was already sent. Nothing was sent; claim it again to answer."
            )
        )


class NotClaimed(InboxError):
    def __init__(self):
        super().__init__(_("Nobody holds this question."))


class QuestionClosed(InboxError):
    def __init__(self):
        super().__init__(_("This question is already answered or closed."))


class NotAllowedToAnswer(InboxError):
    def __init__(self, number: str):
        super().__init__(_("%(number)s may not answer questions in this queue.") % {"number": number})


class NotAllowedToSupervise(InboxError):
    def __init__(self, number: str):
        super().__init__(
            _("%(number)s may not do this: only supervisors take, hand on or close questions.") % {"number": number}
        )


class InvalidReply(InboxError):
    pass


class ReasonRequired(InboxError):
    def __init__(self):
        super().__init__(_("Give a reason."))
