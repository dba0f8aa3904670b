"""One sentence for an entry of the trail, in the reader's language: the question page's history and the compliance
pages show it beside the action's label ("approved, reasons: …", "Refunds team: serious complaint")."""

from django.utils.translation import gettext as _

from .approval_rules import describe_entry as describe_approval_entry
from .models import Department, Escalation, Reply


def _choice_label(choices, value: str) -> str:
    return str(dict(choices.choices).get(value, value))


class EntrySummaries:
    """Describes the entries of one page: the departments' names are read once, when the first entry names one."""

    def __init__(self) -> None:
        self._departments: dict[str, Department] | None = None

    def _department_name(self, code: str) -> str:
        if self._departments is None:
            self._departments = {department.code: department for department in Department.objects.all()}
        department = self._departments.get(code)
        return department.name() if department else code

    def __call__(self, action: str, after: dict) -> str:
        if action == "inbox.question.escalated":
            summary = _("%(department)s: %(reason)s") % {
                "department": self._department_name(str(after.get("department", ""))),
                "reason": _choice_label(Escalation.Reason, str(after.get("reason", ""))),
            }
            return f"{summary} — {after['note']}" if after.get("note") else summary
        if action == "inbox.escalation.resolved":
            summary = _choice_label(Escalation.Outcome, str(after.get("outcome", "")))
            return f"{summary} — {after['note']}" if after.get("note") else summary
        if action == "inbox.escalation.returned":
            return str(after.get("note", ""))
        if action in (
            "inbox.escalation.accepted",
            "inbox.escalation.accept_overdue",
            "inbox.escalation.resolve_overdue",
        ):
            return self._department_name(str(after.get("department", "")))
        if action == "inbox.escalation.acknowledged":
            return _("the department's service levels run from now")
        if action == "inbox.reply.queued" and after.get("purpose"):
            return _choice_label(Reply.Purpose, str(after["purpose"]))
        return describe_approval_entry(action, after)
