"""What the public check reads: the desk's own outbox, the issued numbers and who answers now, and the guide block.

Nothing here asks X: a post is ours when the outbox holds it as sent under the id X gave it.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from accounts.access import ANSWERERS
from accounts.models import Employee, IssuedEmployeeNumber
from audit.models import AuditEntry
from inbox.models import Reply

from .models import RecognitionGuide

ANSWERING_ROLES = frozenset(role.value for role in ANSWERERS)


@dataclass(frozen=True)
class SentPost:
    post_id: str
    sent_at: datetime
    employee_number: str


def sent_post(post_id: str) -> SentPost | None:
    """The desk's reply X accepted under `post_id` (its 201 answer, or found on X after a lost answer), if any; a
    failed or unsent attempt never counts."""
    row = (
        Reply.objects.filter(posted_id=post_id, status=Reply.Status.SENT)
        .values_list("sent_at", "created_at", "author__employee_number")
        .first()
    )
    if row is None:
        return None
    sent_at, created_at, number = row
    return SentPost(post_id=post_id, sent_at=sent_at or created_at, employee_number=number)


class Standing(StrEnum):
    AUTHORISED = "authorised"
    NOT_AUTHORISED = "not_authorised"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class NumberStanding:
    standing: Standing
    # When an authorised number's holder last began answering (approved, reactivated, or given an answering role).
    since: datetime | None = None


def number_standing(number: str) -> NumberStanding:
    """Whether `number` may answer customers now; never who holds it, nor why not."""
    if not IssuedEmployeeNumber.objects.filter(number=number).exists():
        return NumberStanding(Standing.UNKNOWN)
    employee = Employee.objects.filter(employee_number=number).prefetch_related("groups").first()
    if employee is None or not employee.has_role(*ANSWERERS):
        return NumberStanding(Standing.NOT_AUTHORISED)
    return NumberStanding(Standing.AUTHORISED, since=_answering_since(employee))


def _answering_since(employee: Employee) -> datetime:
    """The later of becoming active and the last change of role from one that does not answer to one that does
    (an officer made an employee answers from then, not from their approval)."""
    became_active = employee.status_changed_at or employee.date_joined
    changes = (
        AuditEntry.objects.filter(
            target_type=Employee._meta.label_lower,
            target_id=str(employee.pk),
            action="accounts.employee.role_changed",
            created_at__gt=became_active,
        )
        .order_by("-id")
        .values_list("before", "created_at")
    )
    for before, changed_at in changes:
        if (before or {}).get("role") not in ANSWERING_ROLES:
            return changed_at
    return became_active


def current_guide() -> RecognitionGuide | None:
    """The newest saved version of the "how to recognise us" block; None until an administrator saved one."""
    return RecognitionGuide.objects.order_by("-version").first()
