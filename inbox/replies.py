"""The one way into the outbox: a reply accepted for X, after deciding once more whether it needs an approval.

Both the employee's send (a reply that needs no approval) and an approver's decision end here, so the rule "nothing
reaches X without the approval it needs" is checked in one place on the text that will be posted, whatever the page
showed; on PostgreSQL the database checks it again (migration 0006).
"""

from datetime import datetime

from django.db import IntegrityError, connection, transaction

from accounts.models import Employee
from audit import recorder

from .approval_rules import reason_codes, reasons_for, text_hash
from .errors import ApprovalRequired, ClaimLost
from .models import ApprovalDecision, Question, Reply, ReplyTemplate
from .tasks import enqueue_delivery

# PostgreSQL's SQLSTATE for a failed check (its CHECK constraints, and the approval trigger).
CHECK_VIOLATION = "23514"


def approves_exactly(approval: ApprovalDecision, question: Question, text: str) -> bool:
    """An approval lets out the very text it approved, on its own question, and nothing else."""
    return (
        approval.verdict == ApprovalDecision.Verdict.APPROVED
        and approval.text_sha256 == text_hash(text)
        and approval.draft.question_id == question.pk
    )


def accept_reply(
    question: Question,
    *,
    author: Employee,
    actor: Employee,
    text: str,
    now: datetime,
    approval: ApprovalDecision | None = None,
    template: ReplyTemplate | None = None,
    purpose: str = Reply.Purpose.ANSWER,
    claimed_at: datetime | None = None,
) -> Reply:
    """Queue `text`, signed by `author`, as the answer to the question's current round; `actor` is who let it out
    (the author, or the approver); `purpose` is what the reply is to the round (Question.reply_purpose, decided
    before the caller marked the question answered); `claimed_at` is when the author's claim began (an approved
    reply takes it from its draft). Part of the caller's transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError("accept_reply runs inside the transaction that answers the question")
    reasons = reasons_for(question, author, text, template, purpose=purpose)
    if approval is not None and not approves_exactly(approval, question, text):
        raise ApprovalRequired()
    if reasons and approval is None:
        raise ApprovalRequired()
    try:
        with transaction.atomic():
            reply = Reply.objects.create(
                question=question,
                round=question.round,
                purpose=purpose,
                due_at=question.due_at,
                claimed_at=approval.draft.claimed_at if approval is not None else claimed_at,
                written_at=approval.draft.submitted_at if approval is not None else now,
                author=author,
                text=text,
                in_reply_to=question.last_post_id,
                next_attempt_at=now,
                needed_approval=approval is not None,
                approval=approval,
            )
    except IntegrityError as refused:
        if getattr(refused.__cause__, "sqlstate", None) == CHECK_VIOLATION:
            # The database's own approval check (migration 0006) found what the check above did not.
            raise ApprovalRequired() from refused
        # The database's one-accepted-reply rule: someone's reply for this round is already in the outbox.
        raise ClaimLost() from None
    after = {"reply": reply.pk, "text": text, "in_reply_to": reply.in_reply_to}
    if purpose != Reply.Purpose.ANSWER:
        after["purpose"] = purpose
    if approval is not None:
        after.update(author=str(author), approval=approval.pk, reasons=reason_codes(reasons))
    recorder.record("inbox.reply.queued", actor=actor, target=question, after=after)
    transaction.on_commit(lambda: enqueue_delivery(reply.pk))
    return reply
