"""State changes of a question besides its claim: an employee's reply, a supervisor's close."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Employee
from audit import recorder

from .access import ensure_may_answer, ensure_may_supervise
from .claims import parse_token
from .composer import (
    MAX_WEIGHTED_LENGTH,
    REPLACEMENT_CHARACTER,
    is_valid_post,
    reply_text,
    shows_nothing,
    weighted_length,
)
from .errors import ClaimLost, InvalidReply, QuestionClosed, ReasonRequired
from .models import CHANGED, RELEASED_CLAIM, Question, Reply
from .tasks import enqueue_delivery


def check_reply_text(body: str, signature: str) -> str:
    """The text X will receive, or InvalidReply saying what is wrong with it."""
    if not body.strip():
        raise InvalidReply(_("Write a reply first."))
    if shows_nothing(body):
        # The customer would see only the signature: zero-width spaces, direction marks, fillers.
        raise InvalidReply(
            _(
                "The reply shows nothing: it is made only of invisible characters such as zero-width spaces or "
                "direction marks. Write the reply itself."
            )
        )
    if REPLACEMENT_CHARACTER in body:
        # The mark goes in as a value: a translation catalogue would keep "\ufffd" as six characters of text.
        raise InvalidReply(
            _(
                "The reply contains “%(mark)s”, the mark left where text was damaged (often when it was copied from "
                "elsewhere). Retype that part."
            )
            % {"mark": REPLACEMENT_CHARACTER}
        )
    text = reply_text(body, signature)
    if not is_valid_post(text):
        length = weighted_length(text)
        if length > MAX_WEIGHTED_LENGTH:
            raise InvalidReply(
                ngettext(
                    "With your signature the reply is %(length)d character long as X counts them; X allows "
                    "%(limit)d. Shorten it, or point the customer to the web site or the call centre with a template.",
                    "With your signature the reply is %(length)d characters long as X counts them; X allows "
                    "%(limit)d. Shorten it, or point the customer to the web site or the call centre with a template.",
                    length,
                )
                % {"length": length, "limit": MAX_WEIGHTED_LENGTH}
            )
        raise InvalidReply(_("The reply contains characters X does not accept."))
    return text


@transaction.atomic(durable=True)
def send_reply(question: Question, *, actor: Employee, token: str, body: str, now: datetime | None = None) -> Reply:
    """Accept the holder's reply: the question is answered and the reply queued in the outbox, in one transaction.

    The worker posts it after commit. A stale token (claim expired, released, taken over, or the form sent
    twice) changes nothing.
    """
    now = now or timezone.now()
    ensure_may_answer(actor, question)
    text = check_reply_text(body, actor.signature)
    token = parse_token(token)
    won = (
        Question.objects.open()
        .held_by(actor, now)
        .filter(pk=question.pk, claim_token=token)
        .update(status=Question.Status.ANSWERED, answered_at=now, **RELEASED_CLAIM, **CHANGED)
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


@transaction.atomic(durable=True)
def close_question(question: Question, *, actor: Employee, reason: str) -> Question:
    """A supervisor takes an open question out of the desk without an answer (spam, a duplicate, nothing to
    answer). Its overdue flag stops counting; a follow-up from the customer reopens it for a new round."""
    ensure_may_supervise(actor, question)
    if not reason.strip():
        raise ReasonRequired()
    held = Question.objects.select_for_update(of=("self",)).select_related("holder").get(pk=question.pk)
    won = (
        Question.objects.open()
        .filter(pk=question.pk)
        .update(status=Question.Status.CLOSED, **RELEASED_CLAIM, **CHANGED)
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
