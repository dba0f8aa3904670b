"""The pages of escalation: the escalate form on a question, the departments' list, and the department's accept,
resolve and return. Each view is one access check, one service call, one response."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import ANSWERERS, require_role

from . import escalation_selectors, escalations
from .access import access_escalation, access_question, may_see_escalations
from .errors import InboxError
from .forms import EscalateForm, ResolveForm, ReturnForm
from .views import action_on_question, form_errors


@require_role(*ANSWERERS)
@action_on_question
def escalate(request: HttpRequest, question_id: int) -> HttpResponse:
    question = access_question(request.user, question_id)
    form = EscalateForm(request.POST)
    try:
        if not form.is_valid():
            raise InboxError(form_errors(form))
        escalation = escalations.escalate(
            question,
            actor=request.user,
            department=form.cleaned_data["department"],
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
            token=form.cleaned_data["token"] or None,
        )
    except InboxError as refused:
        messages.error(request, refused.message)
        return redirect("inbox:question", question.pk)
    messages.success(
        request,
        _(
            "Escalated to %(department)s. The customer has not been told yet: claim the question again, and the "
            "department's acknowledgement will be in the reply box, ready to send."
        )
        % {"department": escalation.department.name()},
    )
    return redirect("inbox:question", question.pk)


@require_role(*ANSWERERS)
def escalation_list(request: HttpRequest) -> HttpResponse:
    if not may_see_escalations(request.user):
        raise PermissionDenied
    department = request.GET.get("department", "")
    listing = escalation_selectors.escalation_list(
        request.user, department_id=int(department) if department.isdigit() else None
    )
    return render(
        request,
        "inbox/escalations.html",
        {"listing": listing, "department_id": int(department) if department.isdigit() else None},
    )


def _settle(request: HttpRequest, escalation_id: int, act, done: str) -> HttpResponse:
    escalation = access_escalation(request.user, escalation_id)
    try:
        act(escalation)
        messages.success(request, done)
    except InboxError as refused:
        messages.error(request, refused.message)
    return redirect("inbox:question", escalation.question_id)


@require_role(*ANSWERERS)
@require_POST
def accept_escalation(request: HttpRequest, escalation_id: int) -> HttpResponse:
    return _settle(
        request,
        escalation_id,
        lambda escalation: escalations.accept(escalation, actor=request.user),
        _("You accepted the escalation for the department."),
    )


@require_role(*ANSWERERS)
@require_POST
def resolve_escalation(request: HttpRequest, escalation_id: int) -> HttpResponse:
    form = ResolveForm(request.POST)

    def act(escalation):
        if not form.is_valid():
            raise InboxError(form_errors(form))
        escalations.resolve(
            escalation, actor=request.user, outcome=form.cleaned_data["outcome"], note=form.cleaned_data["note"]
        )

    return _settle(request, escalation_id, act, _("The escalation is resolved."))


@require_role(*ANSWERERS)
@require_POST
def return_escalation(request: HttpRequest, escalation_id: int) -> HttpResponse:
    form = ReturnForm(request.POST)

    def act(escalation):
        if not form.is_valid():
            raise InboxError(form_errors(form))
        escalations.return_to_queue(escalation, actor=request.user, note=form.cleaned_data["note"])

    return _settle(request, escalation_id, act, _("The question is back in its queue, with your note."))
