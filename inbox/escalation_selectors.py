"""What the escalation pages and the question page read about escalations: the question's latest one, the department
list, and the acknowledgement the reply box offers."""

import re
from dataclasses import dataclass

from django.db.models import QuerySet

from accounts.access import ANSWERERS
from accounts.models import Employee

from .access import department_ids_of, escalations_visible_to, may_supervise, may_work_department
from .models import LIVE_ESCALATION, Department, Escalation, Question, Reply

# Kana and kanji: a customer who writes them is answered in Japanese.
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
RECENTLY_SETTLED = 30


def customer_language(question: Question) -> str:
    return "ja" if _JAPANESE.search(question.asked_text or "") else "en"


def latest_escalation(question: Question) -> Escalation | None:
    return (
        Escalation.objects.filter(question=question)
        .select_related("department", "escalated_by", "accepted_by", "closed_by", "acknowledgement")
        .order_by("-created_at", "-id")
        .first()
    )


def acknowledgement_offer(question: Question, escalation: Escalation | None) -> str:
    """The department's public acknowledgement, in the customer's language, while the reply the holder writes is the
    acknowledgement (Question.reply_purpose)."""
    if escalation is None or not escalation.is_live or question.reply_purpose() != Reply.Purpose.ACKNOWLEDGEMENT:
        return ""
    return escalation.department.acknowledgement(customer_language(question))


@dataclass(frozen=True)
class EscalationList:
    live: list[Escalation]
    settled: list[Escalation]
    departments: list[Department]


def escalation_list(employee: Employee, *, department_id: int | None = None) -> EscalationList:
    """The Escalations page: the live ones (oldest first) and the recently settled, of the departments `employee`
    works (every department for a supervisor)."""
    visible: QuerySet[Escalation] = escalations_visible_to(employee).select_related(
        "department", "question__customer", "question__queue", "escalated_by", "accepted_by", "closed_by"
    )
    if department_id:
        visible = visible.filter(department_id=department_id)
    departments = (
        Department.objects.all()
        if may_supervise(employee)
        else Department.objects.filter(pk__in=department_ids_of(employee))
    )
    return EscalationList(
        live=list(visible.filter(status__in=LIVE_ESCALATION).order_by("created_at", "id")),
        settled=list(visible.exclude(status__in=LIVE_ESCALATION).order_by("-closed_at", "-id")[:RECENTLY_SETTLED]),
        departments=list(departments),
    )


def navigation_count(employee: Employee) -> int | None:
    """The navigation's count of escalations not accepted yet, for supervisors and department members; None for
    everyone else, who get no Escalations link (one read of the grants, one count)."""
    if may_supervise(employee):
        return Escalation.objects.filter(status=Escalation.Status.OPEN).count()
    if not employee.has_role(*ANSWERERS):
        return None
    departments = department_ids_of(employee)
    if not departments:
        return None
    return escalations_visible_to(employee, departments).filter(status=Escalation.Status.OPEN).count()


def may_act_on(employee: Employee, escalation: Escalation) -> bool:
    return escalation.is_live and may_work_department(employee, escalation.department)
