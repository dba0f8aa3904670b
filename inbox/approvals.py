"""Four eyes: a reply that needs approval waits, as a draft, for an approver before it may reach X.

The life of a draft (inbox.models.ReplyDraft), each step one function here, in the caller's transaction or its own:
- `hold_for_approval`: the holder's send found reasons (approval_rules.reasons_for); the draft waits, the question stays
  held by its author with the lease paused, and the customer's service level keeps running;
- `approve` (as written, or with the approver's edit as a new version) → the reply goes to the outbox through
  replies.accept_reply, which decides the reasons again on the text that will be posted; `reject` with a comment
  → back to the author, the lease running again;
- `withdraw` by the author to change it; drafts.withdraw_pending when the claim ends otherwise (release,
  force-release, reassign, close, suspension); drafts.mark_stale when the customer writes again;
- approval_sweep.escalate_overdue, the worker's sweep: past the queue's approval time its approvers are warned, later
  the fallback approvers may decide too.

An approval is bound to the exact text (its SHA-256) and to the customer's newest post when the draft was submitted.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import Employee
from audit import recorder

from . import notifications
from .access import approvers_of, ensure_accepted_guidelines, ensure_may_approve, versions_of_round
from .approval_reasons import Reason
from .approval_rules import reason_codes, reasons_as_data, reasons_for, text_hash
from .drafts import close_draft, resumed_lease, withdraw_pending
from .errors import AlreadyDecided, AwaitingApproval, ChangedSinceShown, ClaimLost, CommentRequired, EditsNotAllowed
from .models import CHANGED, RELEASED_CLAIM, ApprovalDecision, Question, ReplyDraft, ReplyTemplate
from .replies import accept_reply
from .reply_text import check_reply_text

PENDING = ReplyDraft.Status.PENDING
Escalation = ReplyDraft.Escalation


def _next_version(question: Question) -> int:
    newest = ReplyDraft.objects.filter(question=question, round=question.round).aggregate(v=Max("version"))["v"]
    return (newest or 0) + 1


def _new_draft(
    question: Question,
    *,
    author: Employee,
    written_by: Employee,
    body: str,
    text: str,
    template: ReplyTemplate | None,
    reasons: tuple[Reason, ...],
    submitted_at: datetime,
    status: str = PENDING,
    escalation: int = Escalation.ON_TIME,
    supersedes: ReplyDraft | None = None,
) -> ReplyDraft:
    queue = question.queue
    return ReplyDraft.objects.create(
        question=question,
        queue_id=question.queue_id,
        round=question.round,
        version=_next_version(question),
        author=author,
        written_by=written_by,
        body=body,
        text=text,
        text_sha256=text_hash(text),
        template=template,
        based_on_post_id=question.last_post_id,
        reasons=reasons_as_data(reasons),
        rule_version=max((reason.rule_version for reason in reasons), default=0),
        status=status,
        submitted_at=submitted_at,
        claimed_at=question.claimed_at,
        warn_at=submitted_at + timedelta(minutes=queue.approval_within_minutes),
        fallback_at=submitted_at + timedelta(minutes=queue.approval_fallback_after_minutes),
        escalation=escalation,
        supersedes=supersedes,
    )


def _no_approver_but_the_fallback(question: Question, author: Employee) -> bool:
    """Nobody among the queue's approvers may decide on the author's new version (the only one wrote it, or a version
    before it): the fallback approvers must."""
    writers = {author.pk, *versions_of_round(question, question.round).values_list("written_by", flat=True)}
    return not approvers_of(question.queue).exclude(pk__in=writers).exists()


def hold_for_approval(
    question: Question,
    *,
    actor: Employee,
    token,
    body: str,
    text: str,
    template: ReplyTemplate | None,
    reasons: tuple[Reason, ...],
    now: datetime,
) -> ReplyDraft:
    """Part of the send service's transaction: the holder's reply waits for an approver; they keep the question."""
    won = (
        Question.objects.answerable()
        .held_by(actor, now)
        .filter(pk=question.pk, claim_token=token, awaiting_approval=False)
        .update(awaiting_approval=True, **CHANGED)
    )
    if won != 1:
        raise AwaitingApproval() if _awaits_approval(question, actor) else ClaimLost()
    question.refresh_from_db()
    fallback = _no_approver_but_the_fallback(question, actor)
    draft = _new_draft(
        question,
        author=actor,
        written_by=actor,
        body=body,
        text=text,
        template=template,
        reasons=reasons,
        submitted_at=now,
        escalation=Escalation.FALLBACK if fallback else Escalation.ON_TIME,
    )
    recorder.record(
        "inbox.approval.required",
        actor=actor,
        target=question,
        after={
            "draft": draft.pk,
            "version": draft.version,
            "text": text,
            "text_sha256": draft.text_sha256,
            "reasons": reason_codes(reasons),
            "rule_versions": sorted({reason.rule_version for reason in reasons}),
            "based_on": draft.based_on_post_id,
            "fallback_approvers_at_once": fallback,
        },
    )
    return draft


def _awaits_approval(question: Question, actor: Employee) -> bool:
    return Question.objects.filter(pk=question.pk, holder=actor, awaiting_approval=True).exists()


@dataclass(frozen=True)
class _Locked:
    draft: ReplyDraft
    question: Question


def _lock_for_decision(draft: ReplyDraft, *, actor: Employee, seen_sha256: str) -> _Locked:
    """The draft and its question, locked, after every check a decision needs: still pending, the approver eligible,
    the text and the conversation as the approver saw them."""
    locked = ReplyDraft.objects.select_for_update(of=("self",)).select_related("author").get(pk=draft.pk)
    if locked.status != PENDING:
        raise AlreadyDecided(locked.status)
    ensure_may_approve(actor, locked)
    question = (
        Question.objects.select_for_update(of=("self",)).select_related("queue", "customer").get(pk=locked.question_id)
    )
    still_waiting = question.is_answerable and question.awaiting_approval
    if not still_waiting or question.holder_id != locked.author_id:
        raise AlreadyDecided()
    if seen_sha256 != locked.text_sha256 or question.last_post_id != locked.based_on_post_id:
        raise ChangedSinceShown()
    return _Locked(locked, question)


@transaction.atomic(durable=True)
def approve(
    draft: ReplyDraft,
    *,
    actor: Employee,
    seen_sha256: str,
    edited_body: str | None = None,
    now: datetime | None = None,
) -> ApprovalDecision:
    """Approve the draft as the approver saw it (`seen_sha256`), or with their edit, which becomes a new version
    written by them (where the queue allows edits); the reply goes to the outbox in the same transaction."""
    now = now or timezone.now()
    locked = _lock_for_decision(draft, actor=actor, seen_sha256=seen_sha256)
    original, question = locked.draft, locked.question
    author = original.author
    decided = original
    text = check_reply_text(edited_body, author.signature) if edited_body is not None else original.text
    # Found again on the text decided on (the rules may have changed since it was sent for approval).
    reasons = reasons_for(question, author, text, original.template)
    if text != original.text:
        if not question.queue.approvers_may_edit:
            raise EditsNotAllowed()
        # An approver's edit is their words on X: the guidelines apply to them as to anyone who answers.
        ensure_accepted_guidelines(actor)
        close_draft(original, ReplyDraft.Status.SUPERSEDED, now)
        decided = _new_draft(
            question,
            author=author,
            written_by=actor,
            body=edited_body,
            text=text,
            template=original.template,
            reasons=reasons,
            submitted_at=original.submitted_at,
            status=ReplyDraft.Status.APPROVED,
            supersedes=original,
        )
        recorder.record(
            "inbox.approval.superseded",
            actor=actor,
            target=question,
            before={"draft": original.pk, "version": original.version, "text": original.text},
            after={"draft": decided.pk, "version": decided.version, "text": decided.text, "written_by": str(actor)},
        )
    decision = ApprovalDecision.objects.create(
        draft=decided,
        approver=actor,
        verdict=ApprovalDecision.Verdict.APPROVED,
        text_seen_sha256=seen_sha256,
        text_sha256=decided.text_sha256,
        edited=decided is not original,
        reasons=reasons_as_data(reasons),
        decided_at=now,
    )
    close_draft(decided, ReplyDraft.Status.APPROVED, now)
    purpose = question.reply_purpose()
    Question.objects.filter(pk=question.pk).update(**question.answered_fields(now), **RELEASED_CLAIM, **CHANGED)
    question.refresh_from_db()
    recorder.record(
        "inbox.approval.decided",
        actor=actor,
        target=question,
        after={
            "draft": decided.pk,
            "verdict": decision.verdict,
            "author": str(author),
            "text_seen_sha256": seen_sha256,
            "text_sha256": decision.text_sha256,
            "edited": decision.edited,
            "reasons": reason_codes(reasons),
        },
    )
    accept_reply(
        question,
        author=author,
        actor=actor,
        text=decided.text,
        now=now,
        approval=decision,
        template=decided.template,
        purpose=purpose,
    )
    kind = notifications.Kind.REPLY_APPROVED_EDITED if decision.edited else notifications.Kind.REPLY_APPROVED
    notifications.tell(author, kind, question, by=str(actor))
    return decision


@transaction.atomic(durable=True)
def reject(
    draft: ReplyDraft, *, actor: Employee, seen_sha256: str, comment: str, now: datetime | None = None
) -> ApprovalDecision:
    """Send the draft back to its author with a comment they read; they hold the question again, the lease running."""
    now = now or timezone.now()
    comment = comment.strip()
    if not comment:
        raise CommentRequired()
    locked = _lock_for_decision(draft, actor=actor, seen_sha256=seen_sha256)
    original, question = locked.draft, locked.question
    decision = ApprovalDecision.objects.create(
        draft=original,
        approver=actor,
        verdict=ApprovalDecision.Verdict.REJECTED,
        comment=comment,
        text_seen_sha256=seen_sha256,
        text_sha256=original.text_sha256,
        reasons=original.reasons,
        decided_at=now,
    )
    close_draft(original, ReplyDraft.Status.REJECTED, now)
    Question.objects.filter(pk=question.pk).update(**resumed_lease(now), **CHANGED)
    question.refresh_from_db()
    recorder.record(
        "inbox.approval.decided",
        actor=actor,
        target=question,
        after={
            "draft": original.pk,
            "verdict": decision.verdict,
            "author": str(original.author),
            "comment": comment,
            "text_seen_sha256": seen_sha256,
            "reasons": reason_codes(original.reasons),
        },
    )
    notifications.tell(original.author, notifications.Kind.REPLY_REJECTED, question, by=str(actor), reason=comment)
    return decision


@transaction.atomic(durable=True)
def withdraw(question: Question, *, actor: Employee, now: datetime | None = None) -> ReplyDraft:
    """The author takes their waiting reply back to change it; they keep the question, the lease running again."""
    now = now or timezone.now()
    won = (
        Question.objects.answerable()
        .filter(pk=question.pk, holder=actor, awaiting_approval=True)
        .update(**resumed_lease(now), **CHANGED)
    )
    draft = withdraw_pending(question, actor=actor, reason="", now=now) if won == 1 else None
    if draft is None:
        raise AlreadyDecided()
    question.refresh_from_db()
    return draft
