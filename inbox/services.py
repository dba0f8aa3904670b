"""State changes of a question besides its claim: an employee's reply (sent, or held for approval), a supervisor's
close."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import Employee
from audit import recorder

from . import approvals
from .access import ensure_accepted_guidelines, ensure_may_answer, ensure_may_supervise
from .approval_rules import reasons_for
from .claims import parse_token
from .drafts import withdraw_pending
from .errors import AlreadyEscalated, ClaimLost, QuestionClosed, ReasonRequired
from .models import CHANGED, RELEASED_CLAIM, Question, Reply, ReplyDraft, ReplyTemplate
from .replies import accept_reply
from .reply_text import check_reply_text
from .selectors import offered_template


@transaction.atomic(durable=True)
def send_reply(
    question: Question,
    *,
    actor: Employee,
    token: str,
    body: str,
    template: ReplyTemplate | None = None,
    now: datetime | None = None,
) -> Reply | ReplyDraft:
    """Accept the holder's reply, in one transaction: if it needs no approval, the question is answered and the reply
    queued in the outbox (the worker posts it after commit); if it does, it waits for an approver as a draft, the
    question still held by its author (approvals.hold_for_approval).

    `template` is the reply template the text started from, if any: an unedited one is exempt from the word rules.
    A stale token (claim expired, released, taken over, or the form sent twice) changes nothing.
    """
    now = now or timezone.now()
    ensure_may_answer(actor, question)
    # A claim taken before a new version that must be accepted does not let its holder send until they accept it.
    ensure_accepted_guidelines(actor)
    text = check_reply_text(body, actor.signature)
    token = parse_token(token)
    if template is not None:
        # Only a template offered in the question's queue exempts its words.
        template = offered_template(question.queue, template.pk)
    reasons = reasons_for(question, actor, text, template)
    if reasons:
        return approvals.hold_for_approval(
            question, actor=actor, token=token, body=body, text=text, template=template, reasons=reasons, now=now
        )
    # When this claim began (its token names it): the author's handle time starts there (reports). Read before the
    # update below ends the claim.
    claimed_at = Question.objects.filter(pk=question.pk, claim_token=token).values_list("claimed_at", flat=True).first()
    # The claim keeps the question's status and department as they were read: any change to them ends the claim.
    won = (
        Question.objects.answerable()
        .held_by(actor, now)
        .filter(pk=question.pk, claim_token=token, awaiting_approval=False, status=question.status)
        .update(**question.answered_fields(now), **RELEASED_CLAIM, **CHANGED)
    )
    if won != 1:
        raise ClaimLost()
    purpose = question.reply_purpose()
    question.refresh_from_db()
    return accept_reply(
        question,
        author=actor,
        actor=actor,
        text=text,
        now=now,
        template=template,
        purpose=purpose,
        claimed_at=claimed_at,
    )


@transaction.atomic(durable=True)
def close_question(question: Question, *, actor: Employee, reason: str) -> Question:
    """A supervisor takes an open question out of the desk without an answer (spam, a duplicate, nothing to
    answer). Its overdue flag stops counting; a follow-up from the customer reopens it for a new round."""
    ensure_may_supervise(actor, question)
    if not reason.strip():
        raise ReasonRequired()
    held = Question.objects.select_for_update(of=("self",)).select_related("holder", "department").get(pk=question.pk)
    if held.department_id is not None:
        # The department settles it (resolve, or return it to the queue first): its escalation must not be left open.
        raise AlreadyEscalated(held.department)
    won = (
        Question.objects.open()
        .filter(pk=question.pk)
        .update(status=Question.Status.CLOSED, **RELEASED_CLAIM, **CHANGED)
    )
    if won != 1:
        raise QuestionClosed()
    withdraw_pending(question, actor=actor, reason=reason.strip(), now=timezone.now())
    question.refresh_from_db()
    recorder.record(
        "inbox.question.closed",
        actor=actor,
        target=question,
        before={"holder": str(held.holder) if held.holder else None, "overdue": held.overdue},
        after={"reason": reason.strip()},
    )
    return question
