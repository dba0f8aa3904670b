"""The desk's records: queues, customers, questions and their posts, replies, and the worker's bookkeeping.

Who may answer a queue is an object permission on it (inbox/access.py reads and grants it). The rules a person
might look for, "is this question held", "is it past its service level", are defined once, on Question and its
QuerySet, and everything else (claims, the sweep, the selectors, the pages) asks them.
"""

import re
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import get_language, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from .composer import MAX_WEIGHTED_LENGTH, reply_text, weighted_length

# The object permissions "may answer this queue" and "may approve replies in this queue"; inbox/access.py is the
# only module that reads or grants them.
ANSWER_QUEUE = "answer_queue"
APPROVE_QUEUE = "approve_queue"
# The object permission "works this department's escalations" (inbox/access.py reads and grants it).
HANDLE_DEPARTMENT = "handle_department"


class Queue(models.Model):
    name = models.CharField(_("name"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    # Four eyes (inbox/approvals.py): besides the risk rules, a queue may require approval of every reply.
    # Database defaults as well, for the rows a migration adds these columns to, and for raw inserts.
    requires_approval = models.BooleanField(
        _("every reply needs approval"),
        default=False,
        db_default=False,
        help_text=_("Replies in this queue wait for an approver before they reach X, whatever their words."),
    )
    approvers_may_edit = models.BooleanField(
        _("approvers may edit"),
        default=True,
        db_default=True,
        help_text=_(
            "Off for strict four eyes: approvers approve or reject the author's words as written, since an edit "
            "made while approving is reviewed by nobody else."
        ),
    )
    approval_within_minutes = models.PositiveIntegerField(
        _("approve within (minutes)"),
        default=15,
        db_default=15,
        validators=[MinValueValidator(1)],
        help_text=_("After this long, the queue's approvers are warned about a reply still waiting."),
    )
    approval_fallback_after_minutes = models.PositiveIntegerField(
        _("fallback approvers after (minutes)"),
        default=30,
        db_default=30,
        validators=[MinValueValidator(1)],
        help_text=_(
            "After this long, every supervisor and administrator may approve it too (the fallback approvers). "
            "At least the time above."
        ),
    )

    class Meta:
        verbose_name = _("queue")
        verbose_name_plural = _("queues")
        ordering = ["name"]
        permissions = [
            (ANSWER_QUEUE, _("Answer questions in this queue")),
            (APPROVE_QUEUE, _("Approve replies in this queue")),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # Unrouted questions go to the queue named INBOX_DEFAULT_QUEUE; renaming it would send them to a new,
        # empty queue that nobody may answer.
        if self.pk:
            previous = Queue.objects.filter(pk=self.pk).values_list("name", flat=True).first()
            if previous == settings.INBOX_DEFAULT_QUEUE and self.name != previous:
                raise ValidationError(
                    {"name": _("This is the default queue (INBOX_DEFAULT_QUEUE); change that setting first.")}
                )
        if (
            self.approval_within_minutes
            and self.approval_fallback_after_minutes
            and self.approval_fallback_after_minutes < self.approval_within_minutes
        ):
            raise ValidationError(
                {
                    "approval_fallback_after_minutes": _(
                        "The fallback approvers are asked when the approvers are warned, or later."
                    )
                }
            )


# Direct foreign-key permission tables: indexed joins instead of guardian's generic object_pk text column.
class QueueUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Queue, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        pass


class QueueGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Queue, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        pass


_LEADING_HANDLES = re.compile(r"^(?:@\w{1,50}\s+)+")


def display_text(text: str) -> str:
    """A post's text without the @handles X puts in front of a reply (as X's apps hide them)."""
    return _LEADING_HANDLES.sub("", text)


class Customer(models.Model):
    """A person on the network who asked something; known by the network's id, shown by handle."""

    network_id = models.CharField(_("network id"), max_length=32, unique=True)
    handle = models.CharField(_("handle"), max_length=64)
    name = models.CharField(_("name"), max_length=100, blank=True)
    first_seen_at = models.DateTimeField(_("first seen"), auto_now_add=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return f"@{self.handle}"


class Priority(models.IntegerChoices):
    LOW = 0, _("Low")
    NORMAL = 1, _("Normal")
    HIGH = 2, _("High")
    URGENT = 3, _("Urgent")


class RoutingRule(models.Model):
    """Keywords that send a question to a queue with a priority; the first matching rule by position wins."""

    name = models.CharField(_("name"), max_length=80)
    keywords = models.TextField(_("keywords"), help_text=_("One per line; a question containing any of them matches."))
    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, verbose_name=_("queue"))
    priority = models.IntegerField(_("priority"), choices=Priority.choices, default=Priority.NORMAL)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name

    def keyword_list(self) -> list[str]:
        return [line.strip() for line in self.keywords.splitlines() if line.strip()]


class ReplyTemplate(models.Model):
    """Ready text for common answers; a template without a queue is offered everywhere."""

    title = models.CharField(_("title"), max_length=80)
    body = models.TextField(_("text"))
    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("queue"))
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")
        ordering = ["position", "title"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        """Refuse a template no reply could be sent with: counted as the composer counts, with the longest signature
        an employee can have (the prefix and a 12-character number, the most EMPLOYEE_NUMBER_PATTERN allows)."""
        longest = reply_text(self.body, f"{settings.REPLY_SIGNATURE_PREFIX}{'W' * LONGEST_EMPLOYEE_NUMBER}")
        length = weighted_length(longest)
        if length > MAX_WEIGHTED_LENGTH:
            message = ngettext(
                "With the signature of the longest employee number the template is %(length)d character long as X "
                "counts them; a post holds %(limit)d, so no reply could use it. Shorten it by %(over)d.",
                "With the signature of the longest employee number the template is %(length)d characters long as X "
                "counts them; a post holds %(limit)d, so no reply could use it. Shorten it by %(over)d.",
                length,
            ) % {"length": length, "limit": MAX_WEIGHTED_LENGTH, "over": length - MAX_WEIGHTED_LENGTH}
            raise ValidationError({"body": ValidationError(message, code="too_long")})


# The most characters an employee number has (settings.EMPLOYEE_NUMBER_PATTERN, [A-Z0-9]{2,12}): each weighs 1.
LONGEST_EMPLOYEE_NUMBER = 12


# What a question's claim fields hold once nobody holds it: a release, a send, a close, an expired lease.
RELEASED_CLAIM = {
    "holder": None,
    "claimed_at": None,
    "lease_ends": None,
    "claim_token": None,
    "awaiting_approval": False,
}
# Every UPDATE of a question that changes what its page shows includes this (Question.version).
CHANGED = {"version": models.F("version") + 1}


def held_condition(now: datetime) -> models.Q:
    """A claim is held while its lease has not ended, or while its reply awaits approval (the lease is paused)."""
    return models.Q(holder__isnull=False) & (models.Q(lease_ends__gte=now) | models.Q(awaiting_approval=True))


def free_condition(now: datetime) -> models.Q:
    """Nobody holds it: never claimed, released, or the lease ended with no reply awaiting approval."""
    return models.Q(holder__isnull=True) | models.Q(lease_ends__lt=now, awaiting_approval=False)


def past_due_condition(now: datetime) -> models.Q:
    """A question is past due once its service level has run out."""
    return models.Q(due_at__lte=now)


# The statuses in which a question may be claimed and answered (QuestionQuerySet.answerable).
ANSWERABLE = ("open", "escalated")


class QuestionQuerySet(models.QuerySet):
    """The inbox's rules, each named once and built on the conditions above; Question.is_held and
    Question.is_past_due say the same of one row (tests/inbox/test_rules.py holds the two together)."""

    def open(self) -> "QuestionQuerySet":
        return self.filter(status=Question.Status.OPEN)

    def answerable(self) -> "QuestionQuerySet":
        """What a claim and a reply may act on: open questions, and escalated ones (the department's closing reply)."""
        return self.filter(status__in=ANSWERABLE)

    def held(self, now: datetime) -> "QuestionQuerySet":
        return self.filter(held_condition(now))

    def free(self, now: datetime) -> "QuestionQuerySet":
        return self.filter(free_condition(now))

    def held_by(self, employee, now: datetime) -> "QuestionQuerySet":
        return self.held(now).filter(holder=employee)

    def free_or_held_by(self, employee, now: datetime) -> "QuestionQuerySet":
        """What `employee` may claim (a holder claiming again renews)."""
        return self.filter(free_condition(now) | models.Q(holder=employee))

    def lease_ended(self, now: datetime) -> "QuestionQuerySet":
        """Claimed, but the lease ran out: the worker frees these."""
        return self.filter(holder__isnull=False).free(now)

    def past_due(self, now: datetime) -> "QuestionQuerySet":
        return self.filter(past_due_condition(now))

    def to_flag(self, now: datetime) -> "QuestionQuerySet":
        """Open, past due, not flagged yet: the sweep's first step (index question_to_flag)."""
        return self.open().past_due(now).filter(overdue=Question.Overdue.ON_TIME)

    def to_warn(self, now: datetime) -> "QuestionQuerySet":
        """Open, past the second threshold, supervisors not warned yet: the sweep's second step (question_to_warn)."""
        return self.open().filter(overdue__lt=Question.Overdue.SUPERVISORS_WARNED, warn_at__lte=now)

    def warned(self) -> "QuestionQuerySet":
        """Open questions whose supervisors were warned (the banner's count; index question_warned)."""
        return self.open().filter(overdue=Question.Overdue.SUPERVISORS_WARNED)

    def flagged(self) -> "QuestionQuerySet":
        """Open questions the sweep flagged, overdue or warned (the Overdue page)."""
        return self.open().filter(overdue__gt=Question.Overdue.ON_TIME)


class Question(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("question status", "Open")
        ANSWERED = "answered", _("Answered")
        # Taken out of the desk by a supervisor without an answer (spam, a duplicate, nothing to answer).
        CLOSED = "closed", pgettext_lazy("question status", "Closed")
        # Handed to a department and acknowledged to the customer: the department's to settle (inbox/escalations.py).
        ESCALATED = "escalated", pgettext_lazy("question status", "Escalated")

    class Overdue(models.IntegerChoices):
        """How far past its service level the current round went, as flagged by the worker's sweep."""

        ON_TIME = 0, _("On time")
        OVERDUE = 1, _("Overdue")
        SUPERVISORS_WARNED = 2, _("Supervisors warned")

    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="questions", verbose_name=_("queue"))
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="questions")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    priority = models.IntegerField(_("priority"), choices=Priority.choices, default=Priority.NORMAL)
    # The routing rule that chose the queue: the question's topic in the reports (None: the default queue).
    routing_rule = models.ForeignKey(
        RoutingRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("topic")
    )
    # The first post of the question; a repeat delivery of it is a no-op (unique).
    source_post_id = models.CharField(max_length=32, unique=True)
    conversation_id = models.CharField(max_length=32)
    # The customer's latest post: what a reply answers.
    last_post_id = models.CharField(max_length=32)
    # Raised when a follow-up reopens an answered question; one accepted reply per round.
    round = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("asked"))
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    # When the customer's current round began (the first post, or the follow-up that reopened the question):
    # the service levels count from here.
    waiting_since = models.DateTimeField(_("waiting since"))
    due_at = models.DateTimeField(_("due"))
    # The second threshold: past it, the queue's supervisors are warned.
    warn_at = models.DateTimeField(_("warn supervisors at"))
    overdue = models.PositiveSmallIntegerField(_("overdue"), choices=Overdue.choices, default=Overdue.ON_TIME)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("held by"),
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    lease_ends = models.DateTimeField(_("held until"), null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    # The department the question is escalated to while its escalation is live (inbox/escalations.py): its members
    # may see and answer it, and the customer's new posts go to them.
    department = models.ForeignKey(
        "Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("escalated to"),
    )
    # The holder's reply waits for an approver (inbox/approvals.py): the lease is paused, nobody else may claim it.
    awaiting_approval = models.BooleanField(_("awaiting approval"), default=False, db_default=False)
    # The customer's first post as the inbox shows it (display text), kept on the question so that the inbox reads
    # one table.
    asked_text = models.TextField(_("question"), blank=True)
    # Raised by every change an open page shows (a claim, a post, a reply's status, a flag): a page asks "changed
    # since version V?" with one indexed read.
    version = models.PositiveIntegerField(default=1)
    # What a search reads (inbox/search.py): the handle and every post of the customer's, normalised at ingestion.
    # On PostgreSQL a GIN index of its character bigrams finds a word in it (migration 0005: SQL function and
    # index, made there because they exist on PostgreSQL only).
    search_text = models.TextField(blank=True, default="")

    objects = QuestionQuerySet.as_manager()

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        indexes = [
            # The inbox walks open questions by priority then age, filtering queues as it goes (brief: 0.3 ms
            # at 1,000,000 questions, against 51 ms for a per-queue index that must sort).
            models.Index(
                models.F("priority").desc(),
                "created_at",
                "id",
                name="question_open_by_priority",
                condition=models.Q(status="open"),
            ),
            models.Index("conversation_id", "customer", name="question_conversation"),
            models.Index("holder", "lease_ends", name="question_holder", condition=models.Q(holder__isnull=False)),
            models.Index("due_at", name="question_open_due", condition=models.Q(status="open")),
            # The sweep's two steps each read only the rows they are about to flag (brief: 2.6 ms for 1,000
            # overdue among 1,000,000 open), however many were flagged before.
            models.Index("due_at", name="question_to_flag", condition=models.Q(status="open", overdue=0)),
            models.Index("warn_at", name="question_to_warn", condition=models.Q(status="open", overdue__lt=2)),
            models.Index("queue", "created_at", name="question_open_by_age", condition=models.Q(status="open")),
            models.Index("queue", name="question_warned", condition=models.Q(status="open", overdue=2)),
            # The inbox's sorts, each walked in its order while the person's queues are filtered (inbox/selectors.py):
            # waiting longest (by priority, then the customer's current wait), newest first (scanned backwards, for
            # every status), due soonest (question_open_due); and the per-queue counts of open and overdue questions,
            # read from the index alone.
            models.Index(
                models.F("priority").desc(),
                "waiting_since",
                "id",
                name="question_open_waiting",
                condition=models.Q(status="open"),
            ),
            models.Index("status", "waiting_since", "id", name="question_by_status_newest"),
            models.Index("queue", "due_at", name="question_open_queue_due", condition=models.Q(status="open")),
            # The desk's standing per queue (status page, reports' Today) from the index alone: open, past due, warned
            # and the oldest wait of each queue (brief: 36 ms at 120,000 open, against 200 ms visiting the rows).
            models.Index(
                "queue",
                include=["due_at", "overdue", "waiting_since", "id"],
                name="question_open_standing",
                condition=models.Q(status="open"),
            ),
            # The reports' rollups read the questions asked on a day, whatever their status (reports/rollups.py).
            models.Index("created_at", name="question_asked"),
            # The inbox's "Escalated" filter, newest first: every question a department has.
            models.Index(
                "waiting_since", "id", name="question_escalated", condition=models.Q(department__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.customer}"

    def is_held(self, now: datetime) -> bool:
        """QuestionQuerySet.held for this row."""
        return self.holder_id is not None and (
            self.awaiting_approval or (self.lease_ends is not None and self.lease_ends >= now)
        )

    def is_held_by(self, employee, now: datetime) -> bool:
        return self.is_held(now) and self.holder_id == employee.pk

    def is_past_due(self, now: datetime) -> bool:
        """QuestionQuerySet.past_due for this row (open or not: the caller asks about open questions)."""
        return self.due_at <= now

    @property
    def is_answerable(self) -> bool:
        return self.status in ANSWERABLE

    def reply_purpose(self) -> str:
        """What a reply accepted now is to the customer: the desk's answer; or, while escalated, the public
        acknowledgement first (the question still open), then the department's closing reply."""
        if self.department_id is None:
            return Reply.Purpose.ANSWER
        if self.status == self.Status.OPEN:
            return Reply.Purpose.ACKNOWLEDGEMENT
        return Reply.Purpose.CLOSING

    def answered_fields(self, now: datetime) -> dict:
        """What a question becomes once a reply is accepted: answered; or, while escalated, the department's (its
        first response counted from the acknowledgement, which a closing reply does not move)."""
        if self.department_id is None:
            return {"status": self.Status.ANSWERED, "answered_at": now}
        if self.status == self.Status.OPEN:
            return {"status": self.Status.ESCALATED, "answered_at": now}
        return {}

    @property
    def is_flagged_overdue(self) -> bool:
        # The flag of a round that was answered or closed is history, not a warning.
        return self.status == self.Status.OPEN and self.overdue > self.Overdue.ON_TIME


class Post(models.Model):
    """One post of a question's conversation on the network: the customer's, or the account's reply."""

    class Author(models.TextChoices):
        CUSTOMER = "customer", _("Customer")
        ACCOUNT = "account", _("Our account")

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="posts")
    network_id = models.CharField(max_length=32, unique=True)
    author = models.CharField(max_length=16, choices=Author.choices)
    text = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]
        # The reports count a day's customer posts read from X (its cost estimate).
        indexes = [models.Index("created_at", name="post_customer", condition=models.Q(author="customer"))]

    def __str__(self) -> str:
        return f"post {self.network_id}"

    @property
    def display_text(self) -> str:
        return display_text(self.text)


class Reply(models.Model):
    """A reply in the outbox. queued → sending → sent, or failed; never posted twice."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    class Purpose(models.TextChoices):
        """What the reply is to the customer's round: the desk's answer, or, for an escalated question, the public
        acknowledgement that a department has it, then the department's closing reply."""

        ANSWER = "answer", pgettext_lazy("reply purpose", "Answer")
        ACKNOWLEDGEMENT = "acknowledgement", pgettext_lazy("reply purpose", "Acknowledgement")
        CLOSING = "closing", pgettext_lazy("reply purpose", "Closing reply")

    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="replies")
    round = models.PositiveIntegerField()
    purpose = models.CharField(
        _("purpose"), max_length=16, choices=Purpose.choices, default=Purpose.ANSWER, db_default=Purpose.ANSWER
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("text"))
    # The round's service-level deadline when the reply was accepted: whether it was posted late (quality review).
    due_at = models.DateTimeField(null=True, blank=True)
    # The author's handle time (reports): from the start of their claim to when the reply left their hands (queued,
    # or submitted for approval); None for replies from before these were kept.
    claimed_at = models.DateTimeField(null=True, blank=True)
    written_at = models.DateTimeField(null=True, blank=True)
    in_reply_to = models.CharField(max_length=32)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField(auto_now_add=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sending_since = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    posted_id = models.CharField(max_length=32, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.TextField(blank=True)
    # The approval this reply needed (inbox/approvals.py). An approval lets out one reply only, and only the exact
    # text it approved: PostgreSQL refuses any other (migration 0006's trigger), whatever writes the row.
    needed_approval = models.BooleanField(default=False, db_default=False)
    approval = models.OneToOneField(
        "ApprovalDecision", on_delete=models.PROTECT, null=True, blank=True, related_name="reply"
    )

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        constraints = [
            models.UniqueConstraint(
                fields=["question", "round", "purpose"],
                condition=~models.Q(status="failed"),
                name="one_accepted_reply_per_round",
            ),
            models.CheckConstraint(
                condition=models.Q(needed_approval=False) | models.Q(approval__isnull=False),
                name="reply_needing_approval_has_one",
            ),
        ]
        indexes = [
            models.Index("next_attempt_at", "id", name="reply_queued", condition=models.Q(status="queued")),
            models.Index("sent_at", name="reply_sent_at", condition=models.Q(status="sent")),
            # The public check (verification/) finds a post of the desk by the id X gave it.
            models.Index("posted_id", name="reply_posted_id", condition=~models.Q(posted_id="")),
        ]

    def __str__(self) -> str:
        return f"reply {self.pk} ({self.status})"


class ApprovalRuleSet(models.Model):
    """One published version of the risk rules that make a reply wait for approval (managed by supervisors on the
    Approval rules page). Never changed once published: a reply's reasons name the version that found them."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    keywords = models.TextField(_("keywords"), blank=True, help_text=_("One per line."))
    # The kinds of personal data looked for (inbox.approval_reasons.PersonalData values).
    personal_data = models.JSONField(_("personal data"), default=list)
    allowed = models.TextField(
        _("the company's own numbers and addresses"),
        blank=True,
        help_text=_("One per line: never counted as a customer's personal data."),
    )
    first_replies = models.PositiveIntegerField(_("a new employee's first replies"), default=0)
    published_at = models.DateTimeField(_("published"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("published by")
    )

    class Meta:
        verbose_name = _("approval rules")
        verbose_name_plural = _("approval rules")
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"approval rules v{self.version}"


class ReplyDraft(models.Model):
    """A reply that waits for, or went through, an approver: one version of the text of one question's round.

    pending → approved (its reply is queued), rejected (back to the author with the approver's comment), stale (the
    customer wrote again), withdrawn (released, force-released, reassigned or closed), or superseded (an approver's
    edit became the next version, which the same decision approved).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", pgettext_lazy("draft status", "Approved")
        REJECTED = "rejected", pgettext_lazy("draft status", "Rejected")
        STALE = "stale", _("Stale")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        SUPERSEDED = "superseded", _("Superseded")

    class Escalation(models.IntegerChoices):
        """How far past its approval service level a pending draft went (the worker's sweep sets it)."""

        ON_TIME = 0, _("On time")
        APPROVERS_WARNED = 1, _("Approvers warned")
        FALLBACK = 2, _("Fallback approvers asked")

    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="drafts")
    # The question's queue, kept on the draft: the approvers' list and count filter by it without reading questions.
    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="+")
    round = models.PositiveIntegerField()
    version = models.PositiveIntegerField()
    # The claim holder whose reply this is and whose signature it carries.
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Who wrote this version: the author, or the approver whose edit superseded the author's version.
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # What the author typed (the reply box), and the post as X would receive it (with the signature).
    body = models.TextField()
    text = models.TextField()
    text_sha256 = models.CharField(max_length=64)
    template = models.ForeignKey(ReplyTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # The customer's newest post when it was submitted: a newer one makes the draft stale.
    based_on_post_id = models.CharField(max_length=32)
    # Why it needs approval: [{"kind", "detail", "rule_version", "spans": [[start, end], ...]}, ...].
    reasons = models.JSONField(default=list)
    rule_version = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    submitted_at = models.DateTimeField()
    # When the author's claim began: the reply it becomes keeps it for the author's handle time.
    claimed_at = models.DateTimeField(null=True, blank=True)
    # The approval's service level: past `warn_at` the queue's approvers are warned; past `fallback_at` the fallback
    # approvers may approve it too.
    warn_at = models.DateTimeField()
    fallback_at = models.DateTimeField()
    escalation = models.PositiveSmallIntegerField(choices=Escalation.choices, default=Escalation.ON_TIME)
    closed_at = models.DateTimeField(null=True, blank=True)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )

    class Meta:
        verbose_name = _("reply awaiting approval")
        verbose_name_plural = _("replies awaiting approval")
        constraints = [
            models.UniqueConstraint(
                fields=["question"], condition=models.Q(status="pending"), name="one_pending_draft_per_question"
            ),
            models.UniqueConstraint(fields=["question", "round", "version"], name="one_draft_per_version"),
        ]
        indexes = [
            # The approval list, oldest first; the approvers' count in the navigation.
            models.Index("submitted_at", "id", name="draft_pending", condition=models.Q(status="pending")),
            models.Index("warn_at", name="draft_to_warn", condition=models.Q(status="pending", escalation=0)),
            models.Index(
                "fallback_at", name="draft_to_fall_back", condition=models.Q(status="pending", escalation__lt=2)
            ),
            models.Index("question", "round", name="draft_question_round"),
        ]

    def __str__(self) -> str:
        return f"draft {self.pk} v{self.version} of question {self.question_id} ({self.status})"


class ApprovalDecision(models.Model):
    """An approver's decision on one draft: approved (the text it lets out, by its hash) or rejected (with a comment
    the author reads). One per draft; never changed afterwards (PostgreSQL refuses UPDATE and DELETE)."""

    class Verdict(models.TextChoices):
        APPROVED = "approved", pgettext_lazy("approval verdict", "Approved")
        REJECTED = "rejected", pgettext_lazy("approval verdict", "Rejected")

    draft = models.OneToOneField(ReplyDraft, on_delete=models.PROTECT, related_name="decision")
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    verdict = models.CharField(max_length=16, choices=Verdict.choices)
    comment = models.TextField(blank=True)
    # The hash of the text the approver was shown, and of the text decided on (different when they edited it).
    text_seen_sha256 = models.CharField(max_length=64)
    text_sha256 = models.CharField(max_length=64)
    edited = models.BooleanField(default=False)
    # The reasons found again on the text decided on, as ReplyDraft.reasons.
    reasons = models.JSONField(default=list)
    decided_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(verdict="approved") | ~models.Q(comment=""), name="rejection_has_comment"
            ),
        ]
        indexes = [models.Index("decided_at", name="decision_decided_at")]

    def __str__(self) -> str:
        return f"{self.verdict} draft {self.draft_id}"


class Notification(models.Model):
    """Something the desk tells one person about their work (a question handed to them or taken away, a reply of
    theirs that X refused), shown in the desk until they have seen it."""

    class Kind(models.TextChoices):
        REASSIGNED_TO_YOU = "reassigned_to_you", _("A question was handed to you")
        TAKEN_FROM_YOU = "taken_from_you", _("A question was taken from you")
        REPLY_FAILED = "reply_failed", _("X refused your reply")
        REPLY_APPROVED = "reply_approved", _("Your reply was approved")
        REPLY_APPROVED_EDITED = "reply_approved_edited", _("Your reply was approved with changes")
        REPLY_REJECTED = "reply_rejected", _("Your reply was rejected")
        DRAFT_STALE = "draft_stale", _("The customer wrote again before your reply was approved")
        APPROVAL_OVERDUE = "approval_overdue", _("A reply has waited long for approval")
        APPROVAL_FALLBACK = "approval_fallback", _("A reply waits for a fallback approver")
        ESCALATED_TO_YOU = "escalated_to_you", _("A question was escalated to your department")
        ESCALATION_CUSTOMER_WROTE = "escalation_customer_wrote", _("The customer wrote again on an escalated question")
        ESCALATION_RETURNED = "escalation_returned", _("A department returned a question to the queue")
        ESCALATION_RESOLVED = "escalation_resolved", _("A department resolved a question you escalated")
        ESCALATION_ACCEPT_OVERDUE = "escalation_accept_overdue", _("An escalation waits long to be accepted")
        ESCALATION_RESOLVE_OVERDUE = "escalation_resolve_overdue", _("An escalation waits long to be resolved")
        REPLY_REVIEWED = "reply_reviewed", _("A reply of yours was reviewed")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    # Who did it and why, as the person reads it (a supervisor's number and reason, X's refusal).
    by = models.CharField(max_length=32, blank=True)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField()
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                "recipient", models.F("created_at").desc(), name="notification_unseen", condition=models.Q(seen_at=None)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id} about {self.question_id}"


class MentionCursor(models.Model):
    """How far ingestion has read each account's mentions; moves only after every page was stored."""

    account_id = models.CharField(max_length=32, unique=True)
    since_id = models.CharField(max_length=32, blank=True)
    # X answered 429: no poll asks again before its reset time.
    paused_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"mentions of {self.account_id} since {self.since_id or 'the start'}"


class ServiceLevel(models.Model):
    """How soon a question must be answered, for one priority in one queue (or in every queue without its own)."""

    queue = models.ForeignKey(
        Queue,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        verbose_name=_("queue"),
        help_text=_("Empty: every queue that has no service level of its own for this priority."),
    )
    priority = models.IntegerField(_("priority"), choices=Priority.choices)
    answer_within_minutes = models.PositiveIntegerField(_("answer within (minutes)"), validators=[MinValueValidator(1)])
    warn_after_minutes = models.PositiveIntegerField(
        _("warn supervisors after (minutes)"),
        validators=[MinValueValidator(1)],
        help_text=_("Counted from the question, like the service level; at least the service level."),
    )

    class Meta:
        verbose_name = _("service level")
        verbose_name_plural = _("service levels")
        ordering = [models.F("queue__name").asc(nulls_first=True), "-priority"]
        constraints = [
            models.UniqueConstraint(fields=["queue", "priority"], name="one_service_level_per_queue_priority"),
            models.UniqueConstraint(
                fields=["priority"], condition=models.Q(queue__isnull=True), name="one_default_service_level"
            ),
        ]

    def __str__(self) -> str:
        where = self.queue.name if self.queue_id else _("every queue")
        return f"{where} / {self.get_priority_display()}: {self.answer_within_minutes} min"

    def clean(self) -> None:
        if (
            self.answer_within_minutes
            and self.warn_after_minutes
            and self.warn_after_minutes < self.answer_within_minutes
        ):
            raise ValidationError({"warn_after_minutes": _("Supervisors are warned at the service level or later.")})


class OverdueNotice(models.Model):
    """The queue's supervisors were told that a question passed a threshold: once per question, round and level.

    The e-mail goes out after the sweep commits, in its own task; `mailing_since` marks a send in progress so
    that two mailers never send the same notice, and a mailer that died is retried after a while.
    """

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="overdue_notices")
    round = models.PositiveIntegerField()
    level = models.PositiveSmallIntegerField(choices=Question.Overdue.choices)
    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()
    mailing_since = models.DateTimeField(null=True, blank=True)
    mailed_at = models.DateTimeField(null=True, blank=True)
    recipients = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["question", "round", "level"], name="one_notice_per_question_round_level")
        ]
        indexes = [models.Index("id", name="notice_unmailed", condition=models.Q(mailed_at__isnull=True))]

    def __str__(self) -> str:
        return f"notice {self.level} for question {self.question_id} round {self.round}"


class WorkerRun(models.Model):
    """When each periodic job of the worker last succeeded or failed: the supervisors' health panel."""

    job = models.CharField(max_length=40, unique=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_outcome = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)

    def __str__(self) -> str:
        return self.job


class Department(models.Model):
    """Where a question goes that the desk should not answer itself: a team with desk accounts (in the desk), or one
    without (off the desk: a call centre that gets a hand-off e-mail, whose outcome a supervisor records)."""

    class Kind(models.TextChoices):
        IN_DESK = "in_desk", _("In the desk (members sign in)")
        OFF_DESK = "off_desk", _("Off the desk (hand-off by e-mail)")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_ja = models.CharField(_("name (Japanese)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.IN_DESK)
    email = models.EmailField(
        _("hand-off e-mail"), blank=True, help_text=_("Where the hand-off packet goes (required off the desk).")
    )
    contact_ja = models.TextField(_("contact (Japanese)"), blank=True, help_text=_("Shown to employees."))
    contact_en = models.TextField(_("contact (English)"), blank=True, help_text=_("Shown to employees."))
    acknowledgement_ja = models.TextField(
        _("public acknowledgement (Japanese)"),
        blank=True,
        help_text=_("Offered in the reply box once a question is escalated here; the signature is added."),
    )
    acknowledgement_en = models.TextField(_("public acknowledgement (English)"), blank=True)
    accept_within_minutes = models.PositiveIntegerField(
        _("accept within (minutes)"),
        default=60,
        validators=[MinValueValidator(1)],
        help_text=_("Counted from the acknowledgement's posting on X."),
    )
    resolve_within_minutes = models.PositiveIntegerField(
        _("resolve within (minutes)"),
        default=24 * 60,
        validators=[MinValueValidator(1)],
        help_text=_("Counted from the acknowledgement's posting on X."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["code"]
        permissions = [(HANDLE_DEPARTMENT, _("Work this department's escalations"))]

    def __str__(self) -> str:
        return self.name()

    def name(self, language: str | None = None) -> str:
        language = language or get_language() or "en"
        return self.name_ja if language.startswith("ja") else self.name_en

    def contact(self, language: str | None = None) -> str:
        language = language or get_language() or "en"
        return self.contact_ja if language.startswith("ja") else self.contact_en

    def acknowledgement(self, language: str) -> str:
        """The public template in the customer's language, or the other one when that is empty."""
        first, second = (
            (self.acknowledgement_ja, self.acknowledgement_en)
            if language.startswith("ja")
            else (self.acknowledgement_en, self.acknowledgement_ja)
        )
        return first or second

    def clean(self) -> None:
        if self.kind == self.Kind.OFF_DESK and not self.email:
            raise ValidationError({"email": _("A department off the desk gets its hand-offs by e-mail: give one.")})
        longest = f"{settings.REPLY_SIGNATURE_PREFIX}{'W' * LONGEST_EMPLOYEE_NUMBER}"
        for field in ("acknowledgement_ja", "acknowledgement_en"):
            text = getattr(self, field)
            if text and weighted_length(reply_text(text, longest)) > MAX_WEIGHTED_LENGTH:
                raise ValidationError({field: _("With a signature this is longer than a post can hold.")})


class DepartmentUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Department, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        pass


class DepartmentGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Department, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        pass


LIVE_ESCALATION = ("open", "accepted")


class Escalation(models.Model):
    """One hand-off of a question to a department: open → accepted → resolved (with an outcome) or returned to the
    queue (with a note). The department's service levels run from the public acknowledgement's posting on X."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("escalation status", "Waiting for the department")
        ACCEPTED = "accepted", pgettext_lazy("escalation status", "Accepted")
        RESOLVED = "resolved", pgettext_lazy("escalation status", "Resolved")
        RETURNED = "returned", pgettext_lazy("escalation status", "Returned to the queue")

    class Reason(models.TextChoices):
        RESPONSIBILITY = "responsibility", _("Needs a decision the desk may not make")
        PERSONAL_DATA = "personal_data", _("Needs the customer's personal data")
        COMPLAINT = "complaint", _("Serious complaint")
        SAFETY = "safety", _("Safety or legal matter")
        TOO_LONG = "too_long", _("The answer does not fit in a post")
        OTHER = "other", _("Other")

    class Outcome(models.TextChoices):
        ANSWERED_BY_PHONE = "answered_by_phone", _("Answered by phone")
        ANSWERED_IN_WRITING = "answered_in_writing", _("Answered by e-mail or letter")
        REFUND_ISSUED = "refund_issued", _("Refund issued")
        REPLACEMENT_SENT = "replacement_sent", _("Replacement or repair arranged")
        NOT_REACHABLE = "not_reachable", _("Customer not reachable")
        NO_ACTION = "no_action", _("No action needed")
        OTHER = "other", _("Other")

    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="escalations")
    round = models.PositiveIntegerField()
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="escalations")
    escalated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=24, choices=Reason.choices)
    # Never posted, and kept out of the exports meant for quality review: it may hold what the customer said in private.
    internal_note = models.TextField(_("internal note"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("escalated"))
    acknowledgement = models.OneToOneField(
        Reply, on_delete=models.PROTECT, null=True, blank=True, related_name="acknowledged_escalation"
    )
    # When X accepted the acknowledgement: the desk's first response; the department's levels count from here.
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    accept_due_at = models.DateTimeField(_("accept by"), null=True, blank=True)
    resolve_due_at = models.DateTimeField(_("resolve by"), null=True, blank=True)
    accept_warned_at = models.DateTimeField(null=True, blank=True)
    resolve_warned_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=24, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(_("outcome note"), blank=True)
    return_note = models.TextField(_("note for the queue"), blank=True)
    # The customer wrote again while it was escalated (the newest such post).
    customer_wrote_at = models.DateTimeField(null=True, blank=True)
    packet_mailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        constraints = [
            models.UniqueConstraint(
                fields=["question"], condition=models.Q(status__in=LIVE_ESCALATION), name="one_live_escalation"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="resolved") | ~models.Q(outcome=""), name="resolved_escalation_has_outcome"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="returned") | ~models.Q(return_note=""), name="returned_escalation_has_note"
            ),
        ]
        indexes = [
            models.Index(
                "department", "created_at", name="escalation_live", condition=models.Q(status__in=LIVE_ESCALATION)
            ),
            models.Index(
                "accept_due_at",
                name="escalation_to_warn_accept",
                condition=models.Q(status="open", accept_warned_at=None),
            ),
            models.Index(
                "resolve_due_at",
                name="escalation_to_warn_resolve",
                condition=models.Q(status__in=LIVE_ESCALATION, resolve_warned_at=None),
            ),
            models.Index("question", "created_at", name="escalation_question"),
            # The reports' rollups read a day's escalations (reports/rollups.py).
            models.Index("created_at", name="escalation_created"),
        ]

    def __str__(self) -> str:
        return f"escalation {self.pk} of question {self.question_id} to {self.department_id} ({self.status})"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_ESCALATION
