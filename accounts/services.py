"""State changes of employees: sign-up, approval, rejection, suspension, reactivation, roles and queues.

Each function is one transaction: a conditional UPDATE (so two supervisors acting at once cannot both
win) and its audit entry, written together or not at all. The `record_*` functions at the end write the entries
of what allauth changes in its own flows (sign-in, two-factor methods, a person's addresses and password).
"""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import recorder
from inbox import access as inbox_access
from inbox.claims import release_claims_of
from inbox.models import Department, Queue

from .errors import InvalidTransition, NotAllowed
from .models import Employee, Role, assign_role
from .numbers import normalize_employee_number, validate_employee_number

Status = Employee.Status


def grantable_roles(actor: Employee) -> set[Role]:
    if actor.has_role(Role.ADMINISTRATOR):
        return set(Role)
    if actor.has_role(Role.SUPERVISOR):
        return {Role.EMPLOYEE, Role.SUPERVISOR, Role.COMPLIANCE}
    return set()


def ensure_may_manage(actor: Employee, employee: Employee) -> None:
    """Supervisors manage everyone but administrators; administrators manage everyone; nobody manages themselves."""
    if not actor.has_role(Role.SUPERVISOR, Role.ADMINISTRATOR):
        raise NotAllowed(_("Only supervisors and administrators manage staff."))
    if actor.pk == employee.pk:
        raise NotAllowed(_("You cannot change your own account; ask another supervisor."))
    if employee.role == Role.ADMINISTRATOR and not actor.has_role(Role.ADMINISTRATOR):
        raise NotAllowed(_("Only an administrator can change an administrator's account."))


def _ensure_may_grant(actor: Employee, role: Role) -> None:
    if role not in grantable_roles(actor):
        raise NotAllowed(_("You may not give the role “%(role)s”.") % {"role": role.label})


def _transition(
    employee: Employee,
    *,
    allowed_from: Iterable[str],
    to: str,
    actor: Employee | None,
    action_label: str,
    reason: str = "",
    end_sessions: bool = False,
) -> str:
    """Move `employee` to status `to` only if it is still in `allowed_from`; returns the status it left."""
    before = Employee.objects.filter(pk=employee.pk).values_list("status", flat=True).first()
    changes = {"status": to, "status_reason": reason, "status_changed_at": timezone.now(), "status_changed_by": actor}
    if end_sessions:
        changes["session_generation"] = F("session_generation") + 1
    won = Employee.objects.filter(pk=employee.pk, status__in=list(allowed_from)).update(**changes)
    if won != 1:
        raise InvalidTransition.for_employee(employee, action_label)
    employee.refresh_from_db()
    return before


@transaction.atomic(durable=True)
def register_employee(employee: Employee) -> Employee:
    """Save a new sign-up (number, e-mail and password hash already set) as pending approval."""
    employee.employee_number = normalize_employee_number(employee.employee_number)
    validate_employee_number(employee.employee_number)
    employee.status = Status.PENDING
    employee.save()
    recorder.record(
        "accounts.employee.signed_up",
        actor=employee,
        target=employee,
        after={"employee_number": employee.employee_number, "email": employee.email, "status": employee.status},
    )
    return employee


@transaction.atomic(durable=True)
def approve_employee(employee: Employee, *, actor: Employee, role: Role, queues: Iterable[Queue] = ()) -> Employee:
    ensure_may_manage(actor, employee)
    _ensure_may_grant(actor, role)
    queues = list(queues)
    _transition(employee, allowed_from=[Status.PENDING], to=Status.ACTIVE, actor=actor, action_label=_("approved"))
    assign_role(employee, role)
    for queue in queues:
        inbox_access.grant_answering(employee, queue)
    recorder.record(
        "accounts.employee.approved",
        actor=actor,
        target=employee,
        before={"status": Status.PENDING},
        after={"status": Status.ACTIVE, "role": role.value, "queues": sorted(q.name for q in queues)},
    )
    return employee


@transaction.atomic(durable=True)
def reject_employee(employee: Employee, *, actor: Employee, reason: str) -> Employee:
    ensure_may_manage(actor, employee)
    if not reason.strip():
        raise NotAllowed(_("Give a reason for the rejection; the applicant will see it."))
    _transition(
        employee,
        allowed_from=[Status.PENDING],
        to=Status.REJECTED,
        actor=actor,
        action_label=_("rejected"),
        reason=reason.strip(),
    )
    recorder.record(
        "accounts.employee.rejected",
        actor=actor,
        target=employee,
        before={"status": Status.PENDING},
        after={"status": Status.REJECTED, "reason": reason.strip()},
    )
    return employee


@transaction.atomic(durable=True)
def suspend_employee(employee: Employee, *, actor: Employee, reason: str) -> Employee:
    """Suspend at once: the person's open sessions end on their next request."""
    ensure_may_manage(actor, employee)
    if not reason.strip():
        raise NotAllowed(_("Give a reason for the suspension."))
    _transition(
        employee,
        allowed_from=[Status.ACTIVE],
        to=Status.SUSPENDED,
        actor=actor,
        action_label=_("suspended"),
        reason=reason.strip(),
        end_sessions=True,
    )
    recorder.record(
        "accounts.employee.suspended",
        actor=actor,
        target=employee,
        before={"status": Status.ACTIVE},
        after={"status": Status.SUSPENDED, "reason": reason.strip()},
    )
    release_claims_of(employee, actor=actor, reason=_("%(number)s was suspended") % {"number": employee})
    return employee


@transaction.atomic(durable=True)
def reactivate_employee(employee: Employee, *, actor: Employee) -> Employee:
    ensure_may_manage(actor, employee)
    before = _transition(
        employee, allowed_from=[Status.SUSPENDED], to=Status.ACTIVE, actor=actor, action_label=_("reactivated")
    )
    recorder.record(
        "accounts.employee.reactivated",
        actor=actor,
        target=employee,
        before={"status": before},
        after={"status": Status.ACTIVE},
    )
    return employee


@transaction.atomic(durable=True)
def change_role(employee: Employee, *, actor: Employee, role: Role) -> Employee:
    ensure_may_manage(actor, employee)
    _ensure_may_grant(actor, role)
    # Lock the row so two supervisors changing the role at once are recorded in the order they won.
    locked = Employee.objects.select_for_update().get(pk=employee.pk)
    if locked.status != Status.ACTIVE:
        raise InvalidTransition.for_employee(employee, _("given a new role"))
    previous = locked.role
    if previous == role:
        return employee
    assign_role(employee, role)
    recorder.record(
        "accounts.employee.role_changed",
        actor=actor,
        target=employee,
        before={"role": previous.value if previous else None},
        after={"role": role.value},
    )
    return employee


@transaction.atomic(durable=True)
def grant_queue(employee: Employee, queue: Queue, *, actor: Employee) -> bool:
    """Allow `employee` to answer `queue`. Returns False (and records nothing) if they already could."""
    ensure_may_manage(actor, employee)
    Employee.objects.select_for_update().get(pk=employee.pk)
    if not inbox_access.grant_answering(employee, queue):
        return False
    recorder.record(
        "accounts.queue_permission.granted",
        actor=actor,
        target=employee,
        after={"queue": queue.name, "queue_id": queue.pk},
    )
    return True


@transaction.atomic(durable=True)
def revoke_queue(employee: Employee, queue: Queue, *, actor: Employee) -> bool:
    """Stop `employee` answering `queue`. Returns False (and records nothing) if they could not."""
    ensure_may_manage(actor, employee)
    Employee.objects.select_for_update().get(pk=employee.pk)
    if not inbox_access.revoke_answering(employee, queue):
        return False
    recorder.record(
        "accounts.queue_permission.revoked",
        actor=actor,
        target=employee,
        before={"queue": queue.name, "queue_id": queue.pk},
    )
    release_claims_of(
        employee,
        actor=actor,
        queue=queue,
        reason=_("%(number)s may no longer answer %(queue)s") % {"number": employee, "queue": queue},
    )
    return True


@transaction.atomic(durable=True)
def name_approver(employee: Employee, queue: Queue, *, actor: Employee) -> bool:
    """Name a supervisor or administrator an approver of `queue`'s replies (a queue that names approvers is approved
    by them alone; one that names none, by every supervisor). False (nothing recorded) if they were already."""
    ensure_may_manage(actor, employee)
    Employee.objects.select_for_update().get(pk=employee.pk)
    if not employee.has_role(*inbox_access.APPROVER_ROLES):
        raise NotAllowed(_("Only supervisors and administrators approve replies."))
    if not inbox_access.grant_approving(employee, queue):
        return False
    recorder.record(
        "accounts.approve_permission.granted",
        actor=actor,
        target=employee,
        after={"queue": queue.name, "queue_id": queue.pk},
    )
    return True


@transaction.atomic(durable=True)
def remove_approver(employee: Employee, queue: Queue, *, actor: Employee) -> bool:
    """Stop `employee` approving `queue`'s replies; what they already decided stands."""
    ensure_may_manage(actor, employee)
    Employee.objects.select_for_update().get(pk=employee.pk)
    if not inbox_access.revoke_approving(employee, queue):
        return False
    recorder.record(
        "accounts.approve_permission.revoked",
        actor=actor,
        target=employee,
        before={"queue": queue.name, "queue_id": queue.pk},
    )
    return True


@transaction.atomic(durable=True)
def join_department(employee: Employee, department: Department, *, actor: Employee) -> bool:
    """Make an employee or supervisor a member of `department`: they see and settle its escalations. False (nothing
    recorded) if they were already."""
    ensure_may_manage(actor, employee)
    Employee.objects.select_for_update().get(pk=employee.pk)
    if not employee.has_role(Role.EMPLOYEE, Role.SUPERVISOR):
        raise NotAllowed(_("Only employees and supervisors work a department's escalations."))
    if not inbox_access.grant_department(employee, department):
        return False
    recorder.record(
        "accounts.employee.department_granted",
        actor=actor,
        target=employee,
        after={"department": department.code, "department_id": department.pk},
    )
    return True


@transaction.atomic(durable=True)
def leave_department(employee: Employee, department: Department, *, actor: Employee) -> bool:
    """End the membership; what they settled stands, and the department's escalations stay where they are."""
    ensure_may_manage(actor, employee)
    Employee.objects.select_for_update().get(pk=employee.pk)
    if not inbox_access.revoke_department(employee, department):
        return False
    recorder.record(
        "accounts.employee.department_revoked",
        actor=actor,
        target=employee,
        before={"department": department.code, "department_id": department.pk},
    )
    return True


@transaction.atomic(durable=True)
def record_sign_in(employee: Employee) -> None:
    recorder.record("accounts.session.signed_in", actor=employee, target=employee)


@transaction.atomic(durable=True)
def record_sign_out(employee: Employee) -> None:
    recorder.record("accounts.session.signed_out", actor=employee, target=employee)


@transaction.atomic(durable=True)
def record_failed_sign_in(identifier: str) -> None:
    """A failed attempt names what was typed, never the password; the actor is unknown."""
    recorder.record(
        "accounts.session.sign_in_failed",
        actor=None,
        target_type="accounts.employee",
        target_label=identifier[:200],
        after={"identifier": identifier[:200]},
    )


# allauth's three authenticator signals, as the last part of their action codes (accounts.mfa.added, ...).
MFA_CHANGES = ("added", "removed", "reset")


@transaction.atomic(durable=True)
def record_mfa_change(employee: Employee, change: str, kind: str) -> None:
    """allauth changes authenticators in its own flows; this records each change right after it."""
    if change not in MFA_CHANGES:
        raise ValueError(f"unknown authenticator change {change!r}")
    recorder.record(f"accounts.mfa.{change}", actor=employee, target=employee, after={"type": kind})


# A person's own addresses and password. allauth changes them in its flows and then sends a signal
# (accounts/signals.py) or asks the adapter to mail a reset link (accounts/adapters.py); these record each change
# right after it. The data is the address concerned: never a password, never a reset key.


@transaction.atomic(durable=True)
def record_email_added(employee: Employee, email: str) -> None:
    recorder.record("accounts.email.added", actor=employee, target=employee, after={"email": email})


@transaction.atomic(durable=True)
def record_email_removed(employee: Employee, email: str) -> None:
    recorder.record("accounts.email.removed", actor=employee, target=employee, before={"email": email})


@transaction.atomic(durable=True)
def record_email_made_primary(employee: Employee, *, previous: str | None, email: str) -> None:
    """`previous` is None when no address was primary (allauth then had only the employee's own field)."""
    recorder.record(
        "accounts.email.made_primary",
        actor=employee,
        target=employee,
        before={"email": previous},
        after={"email": email},
    )


@transaction.atomic(durable=True)
def record_email_verified(employee: Employee, email: str, *, primary: bool) -> None:
    """`primary` too: allauth makes a verified address primary on its own when none was."""
    recorder.record(
        "accounts.email.verified", actor=employee, target=employee, after={"email": email, "primary": primary}
    )


@transaction.atomic(durable=True)
def record_password_changed(employee: Employee) -> None:
    recorder.record("accounts.password.changed", actor=employee, target=employee)


@transaction.atomic(durable=True)
def record_password_set(employee: Employee) -> None:
    recorder.record("accounts.password.set", actor=employee, target=employee)


@transaction.atomic(durable=True)
def record_password_reset_requested(employee: Employee, email: str) -> None:
    """Whoever typed the address is unknown (anyone may ask), so the actor is too; the link goes to `email`."""
    recorder.record("accounts.password.reset_requested", actor=None, target=employee, after={"email": email})


@transaction.atomic(durable=True)
def record_password_reset_refused(employee: Employee, email: str) -> None:
    """A reset asked for an address of `employee` that is not verified: no link was sent."""
    recorder.record(
        "accounts.password.reset_refused",
        actor=None,
        target=employee,
        after={"email": email, "verified": False},
    )


@transaction.atomic(durable=True)
def record_password_reset_completed(employee: Employee) -> None:
    """The person who followed the link and chose the new password is the employee: the link proved it."""
    recorder.record("accounts.password.reset_completed", actor=employee, target=employee)
