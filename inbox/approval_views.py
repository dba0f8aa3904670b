"""The pages of four-eyes approval: the approvers' list and a draft's page (approve, approve with an edit, reject), the
composer's "why will this need approval" check, the author's withdrawal, and the risk rules."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import ANSWERERS, require_role

from . import approval_rules, approval_selectors, approvals, question_page, selectors
from .access import (
    APPROVER_ROLES,
    access_question,
    drafts_approvable_by,
    may_manage_approval_rules,
    wrote_a_version,
)
from .approval_reasons import PersonalData
from .composer import reply_text
from .errors import InboxError
from .forms import ApprovalRulesForm, ApproveForm, RejectForm
from .models import ReplyDraft
from .views import action_on_question, form_errors, keep_unsent


def _check_context(body: str, reasons) -> dict:
    data = approval_rules.reasons_as_data(reasons)
    return {
        "reasons": approval_rules.describe(reasons),
        "segments": approval_selectors.highlighted(body, data),
        "checked": bool(body.strip()),
    }


@require_role(*ANSWERERS)
@require_POST
def question_approval_check(request: HttpRequest, question_id: int) -> HttpResponse:
    """The composer asks, as the employee writes: would this reply need approval, and for which words? The same
    function decides as the send service (approval_rules.reasons_for); nothing is stored."""
    question = access_question(request.user, question_id)
    body = request.POST.get("body", "")[:2_000]
    text = reply_text(body, request.user.signature)
    reasons = approval_rules.reasons_for(
        question, request.user, text, selectors.offered_template(question.queue, request.POST.get("template"))
    )
    return render(request, "inbox/_approval_check.html", _check_context(body, reasons) | {"composer": True})


@require_role(*ANSWERERS)
@action_on_question
def withdraw(request: HttpRequest, question_id: int) -> HttpResponse:
    """The author takes their waiting reply back; its text goes back into the reply box."""
    question = access_question(request.user, question_id)
    try:
        draft = approvals.withdraw(question, actor=request.user)
    except InboxError as refused:
        messages.error(request, refused.message)
        return redirect("inbox:question", question.pk)
    keep_unsent(request, question, draft.body)
    messages.success(request, _("Your reply is withdrawn from approval. Change it and send it again."))
    return redirect("inbox:question", question.pk)


@require_role(*APPROVER_ROLES)
@require_GET
def approval_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    drafts = list(approval_selectors.waiting_for(request.user)[: approval_selectors.LIST_LIMIT])
    for draft in drafts:
        draft.reason_labels = approval_rules.describe(draft.reasons)
        draft.wait = now - draft.submitted_at
        draft.past_due = draft.warn_at <= now
    if request.htmx:
        # The navigation's count changed (static/js/approvals_live.js): the list again, nothing else.
        return render(request, "inbox/_approval_list.html", {"drafts": drafts, "now": now})
    return render(
        request,
        "inbox/approvals.html",
        {"drafts": drafts, "report": approval_selectors.report(now), "now": now},
    )


def _why_not(viewer, draft: ReplyDraft) -> str:
    if draft.status != ReplyDraft.Status.PENDING:
        return ""
    if wrote_a_version(viewer, draft):
        return _("You wrote or edited this reply: another approver decides on it.")
    return _("You do not approve replies in this queue, and it has not been opened to the fallback approvers yet.")


@require_role(*APPROVER_ROLES)
@require_GET
def approval_detail(request: HttpRequest, draft_id: int) -> HttpResponse:
    draft = _draft_or_404(draft_id)
    newest = approval_selectors.newest_version_of(draft)
    if newest.pk != draft.pk:
        # An approver's edit replaced this version: the page of the version decided on tells what happened.
        return redirect("inbox:approval", newest.pk)
    question = draft.question
    pending = draft.status == ReplyDraft.Status.PENDING
    items = question_page.conversation_items(question, list(selectors.replies_of(question)))
    based_on = next((i for i, item in enumerate(items) if item.network_id == draft.based_on_post_id), None)
    # Posts the customer wrote after the reply was written: the approval would answer what its approver never saw.
    newer = (
        {item.network_id for item in items[based_on + 1 :] if item.from_customer}
        if pending and based_on is not None
        else set()
    )
    context = {
        "draft": draft,
        "question": question,
        "items": items,
        "newer_posts": newer,
        "segments": approval_selectors.highlighted(draft.text, draft.reasons),
        "reasons": approval_rules.describe(draft.reasons),
        "versions": approval_selectors.versions(draft),
        "may_decide": drafts_approvable_by(request.user).filter(pk=draft.pk).exists(),
        "why_not": _why_not(request.user, draft),
        "may_edit": question.queue.approvers_may_edit,
        "customer_wait": timezone.now() - question.waiting_since,
        "approve_form": ApproveForm(initial={"seen": draft.text_sha256, "body": draft.body}, auto_id="approve_%s"),
        "reject_form": RejectForm(initial={"seen": draft.text_sha256}, auto_id="reject_%s"),
    }
    return render(request, "inbox/approval.html", context)


def _draft_or_404(draft_id: int) -> ReplyDraft:
    draft = approval_selectors.draft_of(draft_id)
    if draft is None:
        raise Http404
    return draft


@require_role(*APPROVER_ROLES)
@require_http_methods(["GET", "POST"])
def approve(request: HttpRequest, draft_id: int) -> HttpResponse:
    if request.method != "POST":
        return redirect("inbox:approval", draft_id)
    draft = _draft_or_404(draft_id)
    form = ApproveForm(request.POST)
    try:
        if not form.is_valid():
            raise InboxError(form_errors(form))
        decision = approvals.approve(
            draft, actor=request.user, seen_sha256=form.cleaned_data["seen"], edited_body=form.edited_body()
        )
    except InboxError as refused:
        messages.error(request, refused.message)
        return redirect("inbox:approval", draft.pk)
    if decision.edited:
        messages.success(request, _("Approved with your changes; the reply is queued for X."))
    else:
        messages.success(request, _("Approved; the reply is queued for X."))
    return redirect("inbox:approvals")


@require_role(*APPROVER_ROLES)
@require_http_methods(["GET", "POST"])
def reject(request: HttpRequest, draft_id: int) -> HttpResponse:
    if request.method != "POST":
        return redirect("inbox:approval", draft_id)
    draft = _draft_or_404(draft_id)
    form = RejectForm(request.POST)
    try:
        if not form.is_valid():
            raise InboxError(form_errors(form))
        approvals.reject(
            draft, actor=request.user, seen_sha256=form.cleaned_data["seen"], comment=form.cleaned_data["comment"]
        )
    except InboxError as refused:
        messages.error(request, refused.message)
        return redirect("inbox:approval", draft.pk)
    messages.success(request, _("Rejected; the author sees your comment and holds the question again."))
    return redirect("inbox:approvals")


@require_role(*APPROVER_ROLES)
@require_POST
def edit_check(request: HttpRequest, draft_id: int) -> HttpResponse:
    """The approver's edit, as they type it: what it changes from the author's text, and the reasons it needs
    approval (found again on the edited text, as the approval will)."""
    draft = _draft_or_404(draft_id)
    body = request.POST.get("body", "")[:2_000]
    text = reply_text(body, draft.author.signature)
    reasons = approval_rules.reasons_for(draft.question, draft.author, text, draft.template)
    context = _check_context(body, reasons) | {"changes": approval_selectors.diff(draft.text, text)}
    return render(request, "inbox/_approval_check.html", context)


@require_role(*APPROVER_ROLES)
@require_http_methods(["GET", "POST"])
def approval_rules_view(request: HttpRequest) -> HttpResponse:
    current = approval_rules.rules_in_force()
    choices = [(kind.value, approval_rules.personal_data_label(kind)) for kind in PersonalData]
    may_manage = may_manage_approval_rules(request.user)
    if request.method == "POST" and may_manage:
        form = ApprovalRulesForm(request.POST, personal_data_choices=choices)
        if form.is_valid():
            try:
                rule_set = approval_rules.publish_rules(actor=request.user, **form.cleaned_data)
            except InboxError as refused:
                messages.error(request, refused.message)
            else:
                messages.success(
                    request, _("Version %(version)d of the approval rules is in force.") % {"version": rule_set.version}
                )
                return redirect("inbox:approval_rules")
    else:
        form = ApprovalRulesForm(
            initial={
                "keywords": "\n".join(current.keywords),
                "personal_data": [kind.value for kind in current.personal_data],
                "allowed": "\n".join(current.allowed),
                "first_replies": current.first_replies,
            },
            personal_data_choices=choices,
        )
    return render(
        request,
        "inbox/approval_rules.html",
        {
            "form": form,
            "current": current,
            "history": approval_rules.published_versions(),
            "may_manage": may_manage,
        },
    )
