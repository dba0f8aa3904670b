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


class GuidelinesNotAccepted(InboxError):
    """The desk's social-media guidelines in force (guidelines.acceptance) are not accepted yet: nobody claims,
    is handed or sends a reply before they are."""

    def __init__(self, employee, number: int, *, own: bool = True):
        self.number = number
        if own:
            message = _(
                "First read and accept the desk's social-media guidelines (version %(number)d): open Guidelines in "
                "the menu. Until then you may read the inbox but not claim questions or send replies. Nothing was "
                "changed."
            )
        else:
            message = _(
                "%(employee)s has not accepted the desk's social-media guidelines in force (version %(number)d) and "
                "cannot be handed a question until they do. Nothing was changed."
            )
        super().__init__(message % {"number": number, "employee": employee})


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


class NotAllowedToApprove(InboxError):
    @classmethod
    def for_(cls, employee, *, own_words: bool) -> "NotAllowedToApprove":
        if own_words:
            return cls(
                _(
                    "%(number)s wrote or edited this reply, and nobody approves their own words. Another approver "
                    "decides."
                )
                % {"number": employee}
            )
        return cls(_("%(number)s may not approve replies in this queue.") % {"number": employee})


class ApprovalRequired(InboxError):
    """The send service found reasons the page did not cover with an approval of this exact text."""

    def __init__(self):
        super().__init__(_("This reply needs an approver's approval of this exact text before it can be sent."))


class AlreadyDecided(InboxError):
    def __init__(self, status: str = ""):
        reasons = {
            "approved": _("This reply was approved already. Nothing was changed."),
            "rejected": _("This reply was rejected already. Nothing was changed."),
            "withdrawn": _(
                "This reply was withdrawn: its author took it back, or the question was released, handed on or "
                "closed. Nothing was changed."
            ),
            "stale": _(
                "The customer wrote again, so this reply went back to its author to be written again. Nothing was "
                "changed."
            ),
            "superseded": _("An approver's edit replaced this version, and was decided on. Nothing was changed."),
        }
        super().__init__(
            reasons.get(
                status,
                _(
                    "This reply is no longer waiting for approval: someone decided on it, its author withdrew it, or "
                    "the customer wrote again. Nothing was changed."
                ),
            )
        )


class ChangedSinceShown(InboxError):
    def __init__(self):
        super().__init__(
            _("The reply or the conversation changed since this page was shown. Nothing was decided; read it again.")
        )


class EditsNotAllowed(InboxError):
    def __init__(self):
        super().__init__(
            _("Approvers may not edit replies in this queue (strict four eyes): approve it as written or reject it.")
        )


class CommentRequired(InboxError):
    def __init__(self):
        super().__init__(_("Say why you reject it: the author reads your comment."))


class AwaitingApproval(InboxError):
    def __init__(self):
        super().__init__(
            _("Your reply to this question is waiting for approval. Withdraw it first if you want to change it.")
        )


class NotAllowedToManageRules(InboxError):
    def __init__(self, number: str):
        super().__init__(
            _("%(number)s may not change the approval rules: supervisors and administrators do.") % {"number": number}
        )


class NotAllowedToEscalate(InboxError):
    def __init__(self):
        super().__init__(_("Only the employee holding this question, or a supervisor, may escalate it."))


class AlreadyEscalated(InboxError):
    def __init__(self, department):
        self.department = department
        super().__init__(_("This question is already escalated to %(department)s.") % {"department": department})


class DepartmentUnavailable(InboxError):
    def __init__(self):
        super().__init__(_("This department no longer takes escalations; choose another."))


class NotInDepartment(InboxError):
    def __init__(self, number: str):
        super().__init__(
            _("%(number)s may not act for this department: only its members and supervisors may.") % {"number": number}
        )


class EscalationSettled(InboxError):
    """Accepted, resolved or returned already (by someone else, or this form was sent twice)."""

    def __init__(self, status_label: str):
        super().__init__(
            _("This escalation was already settled (%(status)s); nothing was changed.") % {"status": status_label}
        )


class OutcomeRequired(InboxError):
    def __init__(self):
        super().__init__(_("Choose the outcome: how the department settled it."))


class NoteRequired(InboxError):
    def __init__(self):
        super().__init__(_("Write a note for the queue: why the department gives it back."))
