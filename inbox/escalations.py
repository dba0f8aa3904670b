"""Escalation: a question the desk should not answer itself goes to a department, without the customer waiting in
silence.

The life of an escalation (inbox.models.Escalation), each step one function here:
- `escalate`: the holder (or a supervisor) hands the question to a department with a reason and an internal note. The
  claim is released and the question marked escalated; the page then offers the department's public acknowledgement
  in the reply box, sent like any reply (same length count, approval rules and outbox). Until X has posted it the
  desk's service level keeps running: escalating alone tells the customer nothing.
- `acknowledged` (the outbox, when X accepted the acknowledgement): the desk's first response; from then on the
  department's levels to accept and to resolve run, and the worker's sweep (`warn_overdue`) warns its members and the
  supervisors when they pass.
- `customer_wrote` (ingestion): a new post on an escalated question goes to the department, not back to the queue.
- `accept`, then `resolve` with an outcome (and, before it, optionally a closing reply through the normal composer),
  or `return_to_queue` with a note.
A department off the desk (a call centre without accounts) gets a hand-off packet by e-mail (`mail_packet`); a
supervisor records what it did.
"""

import logging
from datetime import datetime, timedelta

from celery import current_app
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import Employee
from audit import recorder

from . import notifications
from .access import (
    active_supervisors,
    ensure_may_escalate,
    ensure_may_work_department,
    may_supervise,
    members_of,
)
from .claims import parse_token
from .drafts import withdraw_pending
from .errors import (
    AlreadyEscalated,
    ClaimLost,
    DepartmentUnavailable,
    EscalationSettled,
    NoteRequired,
    OutcomeRequired,
    QuestionClosed,
    ReasonRequired,
)
from .models import CHANGED, LIVE_ESCALATION, RELEASED_CLAIM, Department, Escalation, Question, Reply
from .service_levels import ServiceLevels

logger = logging.getLogger(__name__)
Status = Escalation.Status
# An off-desk hand-off whose e-mail has not gone out after this long is mailed again by the sweep.
PACKET_RETRY_AFTER = timedelta(minutes=5)


def _tell(people, kind: str, question: Question, *, by: str = "", reason: str = "") -> None:
    for person in people:
        notifications.tell(person, kind, question, by=by, reason=reason)


@transaction.atomic(durable=True)
def escalate(
    question: Question,
    *,
    actor: Employee,
    department: Department,
    reason: str,
    note: str = "",
    token: str | None = None,
    now: datetime | None = None,
) -> Escalation:
    """Hand `question` to `department`: the holder's claim is released (a reply waiting for approval withdrawn), the
    question marked escalated, the escalation opened. An employee escalates what they hold (`token`); a supervisor
    any open question."""
    now = now or timezone.now()
    ensure_may_escalate(actor, question)
    if reason not in Escalation.Reason.values:
        raise ReasonRequired()
    if not department.is_active:
        raise DepartmentUnavailable()
    held = Question.objects.select_for_update(of=("self",)).select_related("holder", "department").get(pk=question.pk)
    if held.status != Question.Status.OPEN:
        raise QuestionClosed()
    if held.department_id is not None:
        raise AlreadyEscalated(held.department)
    if not may_supervise(actor) and not (held.is_held_by(actor, now) and held.claim_token == parse_token(token or "")):
        raise ClaimLost()
    Question.objects.filter(pk=question.pk).update(department=department, **RELEASED_CLAIM, **CHANGED)
    withdraw_pending(question, actor=actor, reason="", now=now)
    question.refresh_from_db()
    escalation = Escalation.objects.create(
        question=question,
        round=question.round,
        department=department,
        escalated_by=actor,
        reason=reason,
        internal_note=note.strip(),
        created_at=now,
    )
    recorder.record(
        "inbox.question.escalated",
        actor=actor,
        target=question,
        before={"holder": str(held.holder) if held.holder else None},
        after={
            "escalation": escalation.pk,
            "department": department.code,
            "reason": reason,
            "note": escalation.internal_note,
        },
    )
    _tell(members_of(department), notifications.Kind.ESCALATED_TO_YOU, question, by=str(actor), reason=reason)
    if held.holder_id not in (None, actor.pk):
        # A supervisor escalated a question someone was answering: they are told why it left them.
        notifications.tell(
            held.holder, notifications.Kind.TAKEN_FROM_YOU, question, by=str(actor), reason=department.name()
        )
    if department.kind == Department.Kind.OFF_DESK:
        transaction.on_commit(lambda: _enqueue_packet(escalation.pk))
    return escalation


def acknowledged(reply: Reply, *, sent_at: datetime) -> Escalation | None:
    """Part of the outbox's transaction that marks the acknowledgement posted: the desk's first response; the
    department's service levels start."""
    escalation = (
        Escalation.objects.select_for_update()
        .select_related("department")
        .filter(question_id=reply.question_id, status__in=LIVE_ESCALATION, acknowledged_at=None)
        .first()
    )
    if escalation is None:
        return None
    department = escalation.department
    accept_due = sent_at + timedelta(minutes=department.accept_within_minutes)
    resolve_due = sent_at + timedelta(minutes=department.resolve_within_minutes)
    acknowledged_fields = {
        "acknowledgement": reply,
        "acknowledged_at": sent_at,
        "accept_due_at": accept_due,
        "resolve_due_at": resolve_due,
    }
    Escalation.objects.filter(pk=escalation.pk).update(**acknowledged_fields)
    for name, value in acknowledged_fields.items():
        setattr(escalation, name, value)
    recorder.record(
        "inbox.escalation.acknowledged",
        actor=None,
        target=reply.question,
        after={
            "escalation": escalation.pk,
            "reply": reply.pk,
            "accept_due_at": accept_due,
            "resolve_due_at": resolve_due,
        },
    )
    return escalation


def customer_wrote(question: Question, *, post_id: str, at: datetime) -> None:
    """Part of ingestion's transaction: the customer wrote again on a question a department has; they are told, and
    the question stays with them."""
    escalation = (
        Escalation.objects.select_related("department").filter(question=question, status__in=LIVE_ESCALATION).first()
    )
    if escalation is None:
        return
    Escalation.objects.filter(pk=escalation.pk).update(customer_wrote_at=at)
    recorder.record(
        "inbox.escalation.customer_wrote",
        actor=None,
        target=question,
        after={"escalation": escalation.pk, "post": post_id},
    )
    people = list(members_of(escalation.department))
    if escalation.department.kind == Department.Kind.OFF_DESK:
        # Nobody of the department signs in: whoever escalated it and the supervisors, who record its outcome.
        people = list({p.pk: p for p in [escalation.escalated_by, *active_supervisors()]}.values())
    _tell(people, notifications.Kind.ESCALATION_CUSTOMER_WROTE, question)


def _settle(escalation: Escalation, *, actor: Employee, allowed: tuple[str, ...], **fields) -> Escalation:
    """The conditional UPDATE every step of the department takes: still in one of `allowed`, or refused."""
    ensure_may_work_department(actor, escalation.department)
    won = Escalation.objects.filter(pk=escalation.pk, status__in=allowed).update(**fields)
    if won != 1:
        current = Escalation.objects.get(pk=escalation.pk)
        raise EscalationSettled(current.get_status_display())
    escalation.refresh_from_db()
    return escalation


@transaction.atomic(durable=True)
def accept(escalation: Escalation, *, actor: Employee, now: datetime | None = None) -> Escalation:
    """The department takes the escalation on."""
    now = now or timezone.now()
    escalation = _settle(
        escalation, actor=actor, allowed=(Status.OPEN,), status=Status.ACCEPTED, accepted_by=actor, accepted_at=now
    )
    Question.objects.filter(pk=escalation.question_id).update(**CHANGED)
    recorder.record(
        "inbox.escalation.accepted",
        actor=actor,
        target=escalation.question,
        after={"escalation": escalation.pk, "department": escalation.department.code},
    )
    return escalation


def _leave_department(question: Question, *, actor: Employee, reason: str, now: datetime, **fields) -> Question:
    """The question leaves the department: claim released, a reply waiting for approval withdrawn."""
    Question.objects.filter(pk=question.pk).update(department=None, **RELEASED_CLAIM, **fields, **CHANGED)
    withdraw_pending(question, actor=actor, reason=reason, now=now)
    question.refresh_from_db()
    return question


@transaction.atomic(durable=True)
def resolve(
    escalation: Escalation, *, actor: Employee, outcome: str, note: str = "", now: datetime | None = None
) -> Escalation:
    """The department settled it, with an outcome code (required). The question is answered if the customer was
    told anything on X (the acknowledgement, a closing reply), else closed: settled off X."""
    now = now or timezone.now()
    if outcome not in Escalation.Outcome.values:
        raise OutcomeRequired()
    question = Question.objects.select_for_update(of=("self",)).get(pk=escalation.question_id)
    escalation = _settle(
        escalation,
        actor=actor,
        allowed=LIVE_ESCALATION,
        status=Status.RESOLVED,
        outcome=outcome,
        outcome_note=note.strip(),
        closed_by=actor,
        closed_at=now,
    )
    told_on_x = question.status == Question.Status.ESCALATED
    status = Question.Status.ANSWERED if told_on_x else Question.Status.CLOSED
    question = _leave_department(question, actor=actor, reason=escalation.get_outcome_display(), now=now, status=status)
    recorder.record(
        "inbox.escalation.resolved",
        actor=actor,
        target=question,
        after={
            "escalation": escalation.pk,
            "department": escalation.department.code,
            "outcome": outcome,
            "note": escalation.outcome_note,
            "question_status": status,
        },
    )
    notifications.tell(
        escalation.escalated_by,
        notifications.Kind.ESCALATION_RESOLVED,
        question,
        by=str(actor),
        reason=escalation.get_outcome_display(),
    )
    return escalation


@transaction.atomic(durable=True)
def return_to_queue(escalation: Escalation, *, actor: Employee, note: str, now: datetime | None = None) -> Escalation:
    """The department gives the question back to its queue with a note. If the customer was told it went to the
    department, the queue's service level starts again from now; if not, the desk's clock never stopped."""
    now = now or timezone.now()
    note = note.strip()
    if not note:
        raise NoteRequired()
    question = Question.objects.select_for_update(of=("self",)).get(pk=escalation.question_id)
    escalation = _settle(
        escalation,
        actor=actor,
        allowed=LIVE_ESCALATION,
        status=Status.RETURNED,
        return_note=note,
        closed_by=actor,
        closed_at=now,
    )
    fields = {}
    if question.status == Question.Status.ESCALATED:
        deadlines = ServiceLevels().deadlines(question.queue_id, question.priority, now)
        fields = {
            "status": Question.Status.OPEN,
            "answered_at": None,
            "waiting_since": now,
            "due_at": deadlines.due_at,
            "warn_at": deadlines.warn_at,
            "overdue": Question.Overdue.ON_TIME,
        }
    question = _leave_department(question, actor=actor, reason=note, now=now, **fields)
    recorder.record(
        "inbox.escalation.returned",
        actor=actor,
        target=question,
        after={"escalation": escalation.pk, "department": escalation.department.code, "note": note},
    )
    notifications.tell(
        escalation.escalated_by, notifications.Kind.ESCALATION_RETURNED, question, by=str(actor), reason=note
    )
    return escalation


# --- the worker's part ---------------------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def warn_overdue(*, now: datetime | None = None) -> dict[str, int]:
    """The sweep: escalations past the department's level to accept, or to resolve, warn its members and the
    supervisors, once each (a conditional UPDATE marks them, so two sweeps never warn twice)."""
    now = now or timezone.now()
    counts = {}
    steps = (
        ("accept", Escalation.objects.filter(status=Status.OPEN, accept_warned_at=None, accept_due_at__lte=now)),
        (
            "resolve",
            Escalation.objects.filter(status__in=LIVE_ESCALATION, resolve_warned_at=None, resolve_due_at__lte=now),
        ),
    )
    supervisors = list(active_supervisors())
    members: dict[int, list[Employee]] = {}
    for step, due in steps:
        picked = list(due.select_for_update(skip_locked=True).select_related("department", "question__customer"))
        Escalation.objects.filter(pk__in=[e.pk for e in picked]).update(**{f"{step}_warned_at": now})
        for escalation in picked:
            after = {"escalation": escalation.pk, "department": escalation.department.code}
            if step == "accept":
                recorder.record("inbox.escalation.accept_overdue", actor=None, target=escalation.question, after=after)
                kind = notifications.Kind.ESCALATION_ACCEPT_OVERDUE
            else:
                recorder.record("inbox.escalation.resolve_overdue", actor=None, target=escalation.question, after=after)
                kind = notifications.Kind.ESCALATION_RESOLVE_OVERDUE
            if escalation.department_id not in members:
                members[escalation.department_id] = list(members_of(escalation.department))
            people = {person.pk: person for person in [*members[escalation.department_id], *supervisors]}
            _tell(people.values(), kind, escalation.question, reason=escalation.department.name())
        counts[step] = len(picked)
    return counts


def packets_to_mail(now: datetime) -> list[int]:
    """Off-desk hand-offs whose e-mail has not gone out (the broker was down, the mailer failed)."""
    return list(
        Escalation.objects.filter(
            department__kind=Department.Kind.OFF_DESK,
            packet_mailed_at=None,
            status__in=LIVE_ESCALATION,
            created_at__lte=now - PACKET_RETRY_AFTER,
        ).values_list("pk", flat=True)[:100]
    )


def mail_packet(escalation_id: int, *, now: datetime | None = None) -> bool:
    """E-mail an off-desk department its hand-off packet: the post's link, the customer's handle and words, the
    reason and the internal note. Taken by a conditional UPDATE so two workers never send it twice; a send that
    fails is released for the sweep to retry."""
    now = now or timezone.now()
    taken = Escalation.objects.filter(pk=escalation_id, packet_mailed_at=None).update(packet_mailed_at=now)
    if taken != 1:
        return False
    escalation = Escalation.objects.select_related("department", "question__customer", "escalated_by").get(
        pk=escalation_id
    )
    question = escalation.question
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "escalation": escalation,
            "question": question,
            "post_url": f"https://x.com/{question.customer.handle}/status/{question.last_post_id}",
            "department_name": escalation.department.name(),
        }
        subject = render_to_string("inbox/email/escalation_packet_subject.txt", context).strip()
        body = render_to_string("inbox/email/escalation_packet.txt", context)
    try:
        send_mail(f"[replydesk] {subject}", body, settings.DEFAULT_FROM_EMAIL, [escalation.department.email])
    except Exception:
        Escalation.objects.filter(pk=escalation_id, packet_mailed_at=now).update(packet_mailed_at=None)
        raise
    return True


def _enqueue_packet(escalation_id: int) -> None:
    # By name: inbox.tasks calls this module, so this module does not import it.
    try:
        current_app.send_task("inbox.tasks.mail_escalation_packet", (escalation_id,), retry=False)
    except Exception:  # noqa: BLE001 - any broker failure; the sweep mails it later (packets_to_mail)
        logger.warning("Could not enqueue the hand-off of escalation %s; the sweep mails it", escalation_id)
