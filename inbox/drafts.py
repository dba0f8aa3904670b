"""How a waiting draft ends without a decision, as part of another change's transaction: the claim ended (release,
force-release, reassign, close, suspension) or the customer wrote again. Below claims.py and ingest.py, which call it;
the decisions themselves are in approvals.py."""

from datetime import datetime

from django.conf import settings
from django.db import connection

from accounts.models import Employee
from audit import recorder

from . import notifications
from .models import CHANGED, Question, ReplyDraft

PENDING = ReplyDraft.Status.PENDING


def resumed_lease(now: datetime) -> dict:
    """The author holds the question again with a fresh lease (a rejection, a stale draft, their own withdrawal)."""
    return {"awaiting_approval": False, "lease_ends": now + settings.CLAIM_LEASE}


def close_draft(draft: ReplyDraft, status: str, now: datetime) -> None:
    ReplyDraft.objects.filter(pk=draft.pk).update(status=status, closed_at=now)
    draft.status, draft.closed_at = status, now


def _pending_draft_locked(question: Question) -> ReplyDraft | None:
    """The question's waiting draft, locked for the change. At most one exists (the unique index
    one_pending_draft_per_question), so no ordering: `.first()`'s ORDER BY and LIMIT cost every release more CPU
    than the lookup itself (docs/benchmarks.md, "Claims")."""
    return next(iter(ReplyDraft.objects.select_for_update().filter(question=question, status=PENDING)), None)


def withdraw_pending(question: Question, *, actor: Employee | None, reason: str, now: datetime) -> ReplyDraft | None:
    """Part of a change that ends the author's claim or the question (release, force-release, reassign, close,
    suspension): the waiting draft, if any, is withdrawn with it. The caller clears `awaiting_approval`. `reason` is a
    supervisor's; empty when the author withdraws their own."""
    if not connection.in_atomic_block:
        raise RuntimeError("withdraw_pending runs inside the transaction of the change that ends the claim")
    draft = _pending_draft_locked(question)
    if draft is None:
        return None
    close_draft(draft, ReplyDraft.Status.WITHDRAWN, now)
    recorder.record(
        "inbox.approval.withdrawn",
        actor=actor,
        target=question,
        after={"draft": draft.pk, "author": draft.author.employee_number, "reason": reason},
    )
    return draft


def mark_stale(question: Question, *, new_post_id: str, now: datetime) -> ReplyDraft | None:
    """Part of ingestion's transaction: the customer wrote again while a reply waited for approval. The approval
    would answer a conversation the approver never saw, so the draft goes back to its author with the new post."""
    draft = _pending_draft_locked(question)
    if draft is None:
        return None
    close_draft(draft, ReplyDraft.Status.STALE, now)
    Question.objects.filter(pk=question.pk, awaiting_approval=True).update(**resumed_lease(now), **CHANGED)
    recorder.record(
        "inbox.approval.stale",
        actor=None,
        target=question,
        after={"draft": draft.pk, "author": draft.author.employee_number, "new_post": new_post_id},
    )
    notifications.tell(draft.author, notifications.Kind.DRAFT_STALE, question)
    return draft
