"""What the question page shows, decided once from the question, its replies and its history: the conversation in
order, who holds it, whether a supervisor took it from the person looking, how it ended, how long it waited.

Used by the full page and by its live fragments alike (inbox/views.py), so that the two never disagree; the
templates show what is decided here and compare no times or action codes themselves.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils.translation import gettext as _

from accounts.models import Employee
from audit.labels import action_label
from audit.models import AuditEntry
from audit.recorder import SYSTEM_ACTOR

from . import approval_selectors, escalation_selectors, selectors, wording
from .access import may_answer, may_supervise
from .entry_summaries import EntrySummaries
from .models import Escalation, Question, Reply

X_WEB = "https://x.com"
# History entries that carry a supervisor's reason, shown beside them on the page.
WITH_REASON = {"inbox.question.force_released", "inbox.question.reassigned", "inbox.question.closed"}
# History entries that carry a person's own note (quoted on the page).
WITH_NOTE = {"inbox.question.escalated", "inbox.escalation.returned", "inbox.escalation.resolved"}


def post_url(handle: str, post_id: str) -> str:
    """The post's own page on X."""
    return f"{X_WEB}/{handle}/status/{post_id}"


@dataclass(frozen=True)
class ConversationItem:
    """One entry of the conversation: a customer's post or one of the desk's replies."""

    created_at: datetime
    text: str
    from_customer: bool
    x_url: str = ""
    reply: Reply | None = None
    network_id: str = ""


@dataclass(frozen=True)
class HistoryLine:
    created_at: datetime
    actor: str
    label: str
    detail: str = ""
    # A person's own words (a supervisor's reason), shown in quotes; the desk's own summaries are not.
    quoted: bool = False


@dataclass(frozen=True)
class TakenAway:
    """A supervisor took the question from the person looking at it (force-release, or reassigned to another)."""

    by: str
    reason: str
    handed_to: str = ""

    @property
    def notice(self) -> str:
        if self.handed_to:
            return _("A supervisor (%(supervisor)s) handed this question to %(holder)s: %(reason)s") % {
                "supervisor": self.by,
                "holder": self.handed_to,
                "reason": self.reason,
            }
        return _("A supervisor (%(supervisor)s) force-released your claim on this question: %(reason)s") % {
            "supervisor": self.by,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class HandedToYou:
    by: str
    reason: str

    @property
    def notice(self) -> str:
        return _("A supervisor (%(supervisor)s) handed this question to you: %(reason)s") % {
            "supervisor": self.by,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class LiveState:
    """What the page's poll carries and its status line shows: decided from the question row and the time alone,
    so that a refresh of the relative times costs no query."""

    question: Question
    now: datetime
    held_by_me: bool
    held: bool

    @property
    def is_open(self) -> bool:
        return self.question.status == Question.Status.OPEN

    @property
    def waited(self) -> str:
        return wording.waited(self.question.waiting_since, self.now) if self.is_open else ""

    @property
    def due(self) -> str:
        return wording.due(self.question.due_at, self.now) if self.is_open else ""

    @property
    def past_due(self) -> bool:
        return self.is_open and self.question.is_past_due(self.now)

    @property
    def shown_at(self) -> int:
        """When the relative times were worked out (seconds since the epoch): the poll asks again after a minute."""
        return int(self.now.timestamp())


def live_state(question: Question, viewer: Employee, now: datetime) -> LiveState:
    return LiveState(question, now, question.is_held_by(viewer, now), question.is_held(now))


@dataclass(frozen=True)
class QuestionPage:
    question: Question
    live: LiveState
    held_by_me: bool
    held_by_other: bool
    may_answer: bool
    is_supervisor: bool
    items: list[ConversationItem]
    history: list[HistoryLine]
    taken: TakenAway | None
    handed_to_me: HandedToYou | None
    closed_reason: str
    answered_by: str
    answered_at: datetime | None
    # The round in which the viewer's own reply was accepted last (0: never): a draft the browser kept for that
    # round or an earlier one was sent, and is forgotten.
    my_answered_round: int
    # Where the current round's reply stands with its approver, if it needed one.
    approval: approval_selectors.ApprovalState | None = None
    # The question's latest escalation (live or settled), whether the viewer acts for its department, and the
    # department's acknowledgement the reply box offers while that is the reply to write.
    escalation: Escalation | None = None
    may_work_escalation: bool = False
    acknowledgement_offer: str = ""
    # The round's accepted replies' purposes (Reply.Purpose values): what the customer was sent, or will be.
    accepted_purposes: frozenset[str] = frozenset()

    @property
    def is_answerable(self) -> bool:
        """Open, or escalated (the department's closing reply): a claim form is offered to those who may answer."""
        return self.question.is_answerable

    @property
    def may_escalate(self) -> bool:
        """Open, not escalated yet, and the viewer holds it or supervises."""
        return self.is_open and self.question.department_id is None and (self.held_by_me or self.is_supervisor)

    @property
    def live_escalation(self) -> Escalation | None:
        return self.escalation if self.escalation is not None and self.escalation.is_live else None

    @property
    def writes_acknowledgement(self) -> bool:
        return self.live_escalation is not None and self.question.reply_purpose() == Reply.Purpose.ACKNOWLEDGEMENT

    @property
    def writes_closing_reply(self) -> bool:
        return self.live_escalation is not None and self.question.reply_purpose() == Reply.Purpose.CLOSING

    @property
    def closing_reply_sent(self) -> bool:
        return Reply.Purpose.CLOSING in self.accepted_purposes

    @property
    def customer_told(self) -> str:
        """Where the customer stands with a live escalation: "told" (X posted the acknowledgement), "queued" (accepted
        for X), "awaiting_approval" (it waits for an approver), or "not_told"."""
        escalation = self.live_escalation
        if escalation is None or escalation.acknowledged_at is not None:
            return "told"
        if Reply.Purpose.ACKNOWLEDGEMENT in self.accepted_purposes:
            return "queued"
        if self.question.awaiting_approval:
            return "awaiting_approval"
        return "not_told"

    @property
    def awaiting_my_approval(self) -> bool:
        """The viewer's reply waits for an approver: the page shows it instead of the reply box."""
        return self.held_by_me and self.question.awaiting_approval

    @property
    def returned_to_me(self) -> approval_selectors.ApprovalState | None:
        """The viewer's reply came back (rejected, or stale since the customer wrote again), and they hold the
        question to write it again."""
        approval = self.approval
        if approval and self.held_by_me and (approval.rejected or approval.stale):
            return approval
        return None

    @property
    def is_open(self) -> bool:
        return self.question.status == Question.Status.OPEN

    @property
    def is_closed(self) -> bool:
        return self.question.status == Question.Status.CLOSED


def conversation_items(question: Question, replies: list[Reply]) -> list[ConversationItem]:
    """The customer's posts and the desk's replies, in the order they were written."""
    handle = question.customer.handle
    items = [
        ConversationItem(
            post.created_at, post.display_text, True, post_url(handle, post.network_id), network_id=post.network_id
        )
        for post in selectors.conversation(question)
    ]
    account = settings.X_ACCOUNT_USERNAME or "i/web"
    items += [
        ConversationItem(
            reply.created_at, reply.text, False, post_url(account, reply.posted_id) if reply.posted_id else "", reply
        )
        for reply in replies
    ]
    return sorted(items, key=lambda item: item.created_at)


def _history_line(entry: AuditEntry, describe: EntrySummaries) -> HistoryLine:
    after = entry.after if isinstance(entry.after, dict) else {}
    detail = describe(entry.action, after)
    quoted = entry.action == "inbox.approval.withdrawn" and bool(after.get("reason"))
    if entry.action in WITH_NOTE and after.get("note"):
        quoted = True
    if entry.action in WITH_REASON and after.get("reason"):
        quoted = True
        if entry.action == "inbox.question.reassigned" and after.get("holder"):
            detail = _("to %(holder)s: %(reason)s") % {"holder": after["holder"], "reason": after["reason"]}
        else:
            detail = str(after["reason"])
    # The worker is recorded as "system": shown in the reader's language like an absent actor.
    actor = entry.actor_number if entry.actor_number not in ("", SYSTEM_ACTOR) else _("system")
    return HistoryLine(entry.created_at, actor, str(action_label(entry.action)), detail, quoted)


def _who_took_it(number: str, entries: list[AuditEntry]) -> tuple[TakenAway | None, HandedToYou | None]:
    """Follow the claims in the trail: did a supervisor take the question from `number` (or hand it to them) since
    they last held it themselves?"""
    taken: TakenAway | None = None
    handed: HandedToYou | None = None
    for entry in entries:
        before = entry.before if isinstance(entry.before, dict) else {}
        after = entry.after if isinstance(entry.after, dict) else {}
        reason = str(after.get("reason", ""))
        if entry.action == "inbox.question.claimed" and entry.actor_number == number:
            taken = handed = None
        elif entry.action == "inbox.question.force_released" and before.get("holder") == number:
            taken, handed = TakenAway(entry.actor_number, reason), None
        elif entry.action == "inbox.question.reassigned":
            if after.get("holder") == number:
                taken, handed = None, HandedToYou(entry.actor_number, reason)
            elif before.get("holder") == number:
                taken, handed = TakenAway(entry.actor_number, reason, str(after.get("holder", ""))), None
        elif entry.action in ("inbox.question.released", "inbox.reply.queued") and entry.actor_number == number:
            taken = handed = None
    return taken, handed


def _last_reason(entries: list[AuditEntry], action: str) -> str:
    for entry in reversed(entries):
        if entry.action == action and isinstance(entry.after, dict):
            return str(entry.after.get("reason", ""))
    return ""


def build(question: Question, viewer: Employee, now: datetime) -> QuestionPage:
    """Everything the page and its live fragments show (six queries: posts, replies, history, the queue grant, the
    round's newest draft, the latest escalation; one more for its approvers while it waits, and one for the
    department's members while it is escalated)."""
    replies = list(selectors.replies_of(question))
    entries = list(selectors.question_page_history(question))
    live = live_state(question, viewer, now)
    held_by_me = live.held_by_me
    number = viewer.employee_number
    taken, handed = _who_took_it(number, entries)
    accepted = [r for r in replies if r.round == question.round and r.status != Reply.Status.FAILED]
    mine = [r.round for r in replies if r.author_id == viewer.pk and r.status != Reply.Status.FAILED]
    answered = question.status == Question.Status.ANSWERED
    escalation = escalation_selectors.latest_escalation(question)
    describe = EntrySummaries()
    return QuestionPage(
        question=question,
        live=live,
        held_by_me=held_by_me,
        held_by_other=live.held and not held_by_me,
        may_answer=may_answer(viewer, question),
        is_supervisor=may_supervise(viewer),
        items=conversation_items(question, replies),
        history=[_history_line(entry, describe) for entry in entries],
        taken=None if held_by_me else taken,
        handed_to_me=handed if held_by_me else None,
        closed_reason=_last_reason(entries, "inbox.question.closed")
        if question.status == Question.Status.CLOSED
        else "",
        # The round's first accepted reply (an escalated question's acknowledgement) is what answered_at records.
        answered_by=str(accepted[0].author) if answered and accepted else "",
        answered_at=question.answered_at if answered else None,
        my_answered_round=max(mine, default=0),
        approval=approval_selectors.approval_state(question),
        escalation=escalation,
        may_work_escalation=escalation is not None and escalation_selectors.may_act_on(viewer, escalation),
        acknowledgement_offer=escalation_selectors.acknowledgement_offer(question, escalation),
        accepted_purposes=frozenset(reply.purpose for reply in accepted),
    )
