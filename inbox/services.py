"""State changes of the inbox: queues (administrators) and replies (employees)."""

import uuid
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Employee
from audit import recorder

from .access import ensure_may_answer
from .composer import is_valid_post, reply_text, weighted_length
from .errors import ClaimLost, InvalidReply, QuestionClosed, ReasonRequired
from .models import Question, Reply
from .tasks import enqueue_delivery


@transaction.atomic
def save_setting(obj: Model, *, actor: Employee | None) -> Model:
    """Create or edit a piece of configuration (queue, routing rule, template), recording what changed."""
    fields = [f.name for f in obj._meta.concrete_fields if f.name != "id"]
    before = type(obj).objects.filter(pk=obj.pk).values(*fields).first() if obj.pk else None
    obj.full_clean()
    obj.save()
    after = type(obj).objects.filter(pk=obj.pk).values(*fields).first()
    if before == after:
        return obj
    verb = "created" if before is None else "changed"
    recorder.record(f"{obj._meta.label_lower}.{verb}", actor=actor, target=obj, before=before, after=after)
    return obj


def check_reply_text(body: str, signature: str) -> str:
    """The text X will receive, or InvalidReply saying what is wrong with it."""
    if not body.strip():
        raise InvalidReply(_("Write a reply first."))
    text = reply_text(body, signature)
    if not is_valid_post(text):
        length = weighted_length(text)
        if length > 280:
            raise InvalidReply(
                _(
                    "The reply is %(length)s of 280 long with your signature. Shorten it, or point the customer "
                    "to the web site or the call centre with a template."
                )
                % {"length": length}
            )
        raise InvalidReply(_("The reply contains characters X does not accept."))
    return text


@transaction.atomic
def send_reply(question: Question, *, actor: Employee, token: str, body: str, now: datetime | None = None) -> Reply:
    """Accept the holder's reply: the question is answered and the reply queued in the outbox, in one transaction.

    The worker posts it after commit. A stale token (claim expired, released, taken over, or the form sent
    twice) changes nothing.
    """
    now = now or timezone.now()
    ensure_may_answer(actor, question)
    text = check_reply_text(body, actor.signature)
    try:
        token = str(uuid.UUID(str(token)))
    except ValueError:
        raise ClaimLost() from None
    won = Question.objects.filter(
        pk=question.pk, holder=actor, claim_token=token, lease_ends__gte=now, status=Question.Status.OPEN
    ).update(
        status=Question.Status.ANSWERED,
        answered_at=now,
        holder=None,
        claimed_at=None,
        lease_ends=None,
        claim_token=None,
    )
    if won != 1:
        raise ClaimLost()
    question.refresh_from_db()
    try:
        with transaction.atomic():
            reply = Reply.objects.create(
                question=question,
                round=question.round,
                author=actor,
                text=text,
                in_reply_to=question.last_post_id,
                next_attempt_at=now,
            )
    except IntegrityError:
        # The database's one-accepted-reply rule: someone's reply for this round is already in the outbox.
        raise ClaimLost() from None
    recorder.record(
        "inbox.reply.queued",
        actor=actor,
        target=question,
        after={"reply": reply.pk, "text": text, "in_reply_to": reply.in_reply_to},
    )
    transaction.on_commit(lambda: enqueue_delivery(reply.pk))
    return reply


@transaction.atomic
def close_question(question: Question, *, actor: Employee, reason: str) -> Question:
    """A supervisor takes an open question out of the desk without an answer (spam, a duplicate, nothing to
    answer). Its overdue flag stops counting; a follow-up from the customer reopens it for a new round."""
    if not reason.strip():
        raise ReasonRequired()
    held = Question.objects.select_for_update(of=("self",)).select_related("holder").get(pk=question.pk)
    won = Question.objects.filter(pk=question.pk, status=Question.Status.OPEN).update(
        status=Question.Status.CLOSED, holder=None, claimed_at=None, lease_ends=None, claim_token=None
    )
    if won != 1:
        raise QuestionClosed()
    question.refresh_from_db()
    recorder.record(
        "inbox.question.closed",
        actor=actor,
        target=question,
        before={"holder": str(held.holder) if held.holder else None, "overdue": held.overdue},
        after={"reason": reason.strip()},
    )
    return question
