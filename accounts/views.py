"""Pages for people: the sign-up status page and the supervisors' staff pages. Each view is one access
check, one service call and one response."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from inbox.access import APPROVER_ROLES

from . import selectors, services
from .access import STAFF_MANAGERS, access_employee, require_role
from .errors import AccountActionError
from .forms import ApprovalForm, ReasonForm, RoleForm
from .models import Employee, Role

STATUS_TABS = [Employee.Status.PENDING, Employee.Status.ACTIVE, Employee.Status.SUSPENDED, Employee.Status.REJECTED]


@login_required
def status_page(request: HttpRequest) -> HttpResponse:
    """Where pending and rejected sign-ups wait; it refreshes itself so an approval shows up without reloading."""
    template = "accounts/_status_panel.html" if request.htmx else "accounts/status.html"
    return render(request, template, {"employee": request.user})


@require_role(*STAFF_MANAGERS)
def staff_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", Employee.Status.PENDING)
    if status not in Employee.Status.values:
        status = Employee.Status.PENDING
    counts = selectors.staff_counts()
    page = selectors.staff_page(status, request.GET.get("page"))
    tabs = [(s, Employee.Status(s).label, counts.get(s, 0)) for s in STATUS_TABS]
    return render(request, "accounts/staff_list.html", {"page": page, "status": status, "tabs": tabs})


def _detail_context(actor: Employee, employee: Employee) -> dict:
    grantable = services.grantable_roles(actor)
    try:
        services.ensure_may_manage(actor, employee)
        refusal = None
    except AccountActionError as error:
        refusal = error.message
    return {
        "employee": employee,
        "refusal": refusal,
        "approval_form": ApprovalForm(grantable_roles=grantable, prefix="approve"),
        "role_form": RoleForm(grantable_roles=grantable, initial={"role": employee.role}),
        "reason_form": ReasonForm(),
        **_queue_panel_context(employee),
    }


def _queue_panel_context(employee: Employee) -> dict:
    return {
        "employee": employee,
        "queues": selectors.queue_grants(employee),
        "may_be_approver": employee.has_role(*APPROVER_ROLES),
        "departments": selectors.department_memberships(employee),
    }


@require_role(*STAFF_MANAGERS)
def staff_detail(request: HttpRequest, employee_id: int) -> HttpResponse:
    employee = access_employee(request.user, employee_id)
    return render(request, "accounts/staff_detail.html", _detail_context(request.user, employee))


def _done(request: HttpRequest, employee: Employee, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("accounts:staff_detail", employee.pk)


def _refused(request: HttpRequest, employee: Employee, error: AccountActionError) -> HttpResponse:
    messages.error(request, error.message)
    return redirect("accounts:staff_detail", employee.pk)


def _form_refused(request: HttpRequest, employee: Employee, form) -> HttpResponse:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect("accounts:staff_detail", employee.pk)


@require_role(*STAFF_MANAGERS)
@require_POST
def approve(request: HttpRequest, employee_id: int) -> HttpResponse:
    employee = access_employee(request.user, employee_id)
    form = ApprovalForm(request.POST, grantable_roles=services.grantable_roles(request.user), prefix="approve")
    if not form.is_valid():
        return _form_refused(request, employee, form)
    try:
        services.approve_employee(
            employee, actor=request.user, role=Role(form.cleaned_data["role"]), queues=form.cleaned_data["queues"]
        )
    except AccountActionError as error:
        return _refused(request, employee, error)
    return _done(request, employee, _("%(number)s is approved.") % {"number": employee.employee_number})


@require_role(*STAFF_MANAGERS)
@require_POST
def reject(request: HttpRequest, employee_id: int) -> HttpResponse:
    employee = access_employee(request.user, employee_id)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _form_refused(request, employee, form)
    try:
        services.reject_employee(employee, actor=request.user, reason=form.cleaned_data["reason"])
    except AccountActionError as error:
        return _refused(request, employee, error)
    return _done(request, employee, _("The sign-up of %(number)s is rejected.") % {"number": employee.employee_number})


@require_role(*STAFF_MANAGERS)
@require_POST
def suspend(request: HttpRequest, employee_id: int) -> HttpResponse:
    employee = access_employee(request.user, employee_id)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _form_refused(request, employee, form)
    try:
        services.suspend_employee(employee, actor=request.user, reason=form.cleaned_data["reason"])
    except AccountActionError as error:
        return _refused(request, employee, error)
    return _done(
        request,
        employee,
        _("%(number)s is suspended and signed out everywhere.") % {"number": employee.employee_number},
    )


@require_role(*STAFF_MANAGERS)
@require_POST
def reactivate(request: HttpRequest, employee_id: int) -> HttpResponse:
    employee = access_employee(request.user, employee_id)
    try:
        services.reactivate_employee(employee, actor=request.user)
    except AccountActionError as error:
        return _refused(request, employee, error)
    return _done(request, employee, _("%(number)s is active again.") % {"number": employee.employee_number})


@require_role(*STAFF_MANAGERS)
@require_POST
def change_role(request: HttpRequest, employee_id: int) -> HttpResponse:
    employee = access_employee(request.user, employee_id)
    form = RoleForm(request.POST, grantable_roles=services.grantable_roles(request.user))
    if not form.is_valid():
        return _form_refused(request, employee, form)
    try:
        services.change_role(employee, actor=request.user, role=Role(form.cleaned_data["role"]))
    except AccountActionError as error:
        return _refused(request, employee, error)
    return _done(
        request,
        employee,
        _("The role of %(number)s is now “%(role)s”.")
        % {"number": employee.employee_number, "role": Role(form.cleaned_data["role"]).label},
    )


@require_role(*STAFF_MANAGERS)
@require_POST
def set_queue_permission(request: HttpRequest, employee_id: int, queue_id: int) -> HttpResponse:
    """Grant (allowed=1) or revoke (allowed=0) one queue; htmx swaps the queue panel in place."""
    change = services.grant_queue if request.POST.get("allowed") == "1" else services.revoke_queue
    return _change_queue_panel(request, employee_id, queue_id, change)


@require_role(*STAFF_MANAGERS)
@require_POST
def set_approver_permission(request: HttpRequest, employee_id: int, queue_id: int) -> HttpResponse:
    """Name (approves=1) or remove (approves=0) the person as an approver of one queue; htmx swaps the queue panel."""
    change = services.name_approver if request.POST.get("approves") == "1" else services.remove_approver
    return _change_queue_panel(request, employee_id, queue_id, change)


@require_role(*STAFF_MANAGERS)
@require_POST
def set_department_membership(request: HttpRequest, employee_id: int, department_id: int) -> HttpResponse:
    """Make the person a member (member=1) of one department, or not (member=0); back to their page."""
    employee = access_employee(request.user, employee_id)
    department = selectors.department_or_404(department_id)
    change = services.join_department if request.POST.get("member") == "1" else services.leave_department
    try:
        change(employee, department, actor=request.user)
    except AccountActionError as refused:
        return _refused(request, employee, refused)
    return _done(request, employee, _("Departments saved."))


def _change_queue_panel(request: HttpRequest, employee_id: int, queue_id: int, change) -> HttpResponse:
    """One change of the queue panel (`change(employee, queue, actor=...)`): the panel again for htmx, else the
    person's page, with the refusal if there was one."""
    employee = access_employee(request.user, employee_id)
    queue = selectors.queue_or_404(queue_id)
    error = None
    try:
        change(employee, queue, actor=request.user)
    except AccountActionError as refused:
        error = refused.message
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect("accounts:staff_detail", employee.pk)
    return render(request, "accounts/_queue_panel.html", {**_queue_panel_context(employee), "error": error})
