"""Queues that questions are routed into; who may answer a queue is an object permission on it."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase


class Queue(models.Model):
    name = models.CharField(_("name"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("queue")
        verbose_name_plural = _("queues")
        ordering = ["name"]
        permissions = [("answer_queue", _("Answer questions in this queue"))]

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


class Question(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("question status", "Open")
        ANSWERED = "answered", _("Answered")

    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="questions", verbose_name=_("queue"))
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="questions")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    priority = models.IntegerField(_("priority"), choices=Priority.choices, default=Priority.NORMAL)
    # The first post of the question; a repeat delivery of it is a no-op (unique).
    source_post_id = models.CharField(max_length=32, unique=True)
    conversation_id = models.CharField(max_length=32)
    # The customer's latest post: what a reply answers.
    last_post_id = models.CharField(max_length=32)
    # Raised when a follow-up reopens an answered question; one accepted reply per round.
    round = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("asked"))
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    due_at = models.DateTimeField(_("due"))
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
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.customer}"

    def is_held(self, now) -> bool:
        return self.holder_id is not None and self.lease_ends is not None and self.lease_ends >= now


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

    def __str__(self) -> str:
        return f"post {self.network_id}"

    @property
    def display_text(self) -> str:
        """The text without the @handles X puts in front of a reply (as X's apps hide them)."""
        return _LEADING_HANDLES.sub("", self.text)


class Reply(models.Model):
    """A reply in the outbox. queued → sending → sent, or failed; never posted twice."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="replies")
    round = models.PositiveIntegerField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("text"))
    in_reply_to = models.CharField(max_length=32)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField(auto_now_add=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sending_since = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    posted_id = models.CharField(max_length=32, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.TextField(blank=True)

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        constraints = [
            models.UniqueConstraint(
                fields=["question", "round"], condition=~models.Q(status="failed"), name="one_accepted_reply_per_round"
            ),
        ]
        indexes = [
            models.Index("next_attempt_at", "id", name="reply_queued", condition=models.Q(status="queued")),
            models.Index("sent_at", name="reply_sent_at", condition=models.Q(status="sent")),
        ]

    def __str__(self) -> str:
        return f"reply {self.pk} ({self.status})"


class MentionCursor(models.Model):
    """How far ingestion has read each account's mentions; moves only after every page was stored."""

    account_id = models.CharField(max_length=32, unique=True)
    since_id = models.CharField(max_length=32, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"mentions of {self.account_id} since {self.since_id or 'the start'}"
