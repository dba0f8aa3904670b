"""The question pages and the supervisors' pages of the inbox: each view is one access check, one service call and
one response. The inbox list itself is in list_views.py."""

from collections.abc import Callable
from functools import wraps

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.access import ANSWERERS, STAFF_MANAGERS, require_role

from . import claims, outbox, question_page, selectors, services, worker_health
from .access import SUPERVISORS, access_question, access_question_version, may_supervise, queue_ids_for
from .approval_rules import describe
from .errors import InboxError
from .forms import EscalateForm, ReasonForm, ReassignForm, ReplyForm, ResolveForm, ReturnForm
from .models import Question, ReplyDraft
from .wording import listed

# The question page's relative times ("waited 12 minutes") are worked out again after this long even when nothing
# changed; every other refresh waits for the question's version to move.
CLOCK_SECONDS = 60
# Where a refused reply's text waits for the next showing of its question (for a browser that keeps no draft).
UNSENT_REPLY = "inbox.unsent_reply"


def action_on_question(view: Callable) -> Callable:
    """A state change of a question, by POST only; any other method (a reload, a bookmark, the `next` of a sign-in
    that interrupted the form) is sent to the question's page instead of a 405, and changes nothing."""

    @wraps(view)
    def wrapped(request: HttpRequest, question_id: int, *args, **kwargs) -> HttpResponse:
        if request.method != "POST":
            return redirect("inbox:question", question_id)
        return view(request, question_id, *args, **kwargs)

    return wrapped


def _number(text: str | None) -> int:
    """A small non-negative number from the query string; anything else is 0 (which makes the page refresh)."""
    return int(text) if text and text.isdigit() and len(text) <= 12 else 0


def keep_unsent(request: HttpRequest, question: Question, body: str) -> None:
    if body:
        request.session[UNSENT_REPLY] = {"question": question.pk, "body": body}


def _take_unsent(request: HttpRequest, question: Question) -> str:
    kept = request.session.get(UNSENT_REPLY)
    if not isinstance(kept, dict) or kept.get("question") != question.pk:
        return ""
    del request.session[UNSENT_REPLY]
    return str(kept.get("body", ""))


def _question_context(request: HttpRequest, question: Question) -> dict:
    page = question_page.build(question, request.user, timezone.now())
    visible_queues = None if page.is_supervisor else queue_ids_for(request.user)
    unsent = _take_unsent(request, question)
    if not unsent and page.returned_to_me:
        # The reply came back from its approver: its text goes into the reply box to be changed.
        unsent = page.returned_to_me.draft.body
    if not unsent and page.held_by_me:
        # Just escalated: the department's public acknowledgement is offered, to be sent like any reply.
        unsent = page.acknowledgement_offer
    return {
        "question": question,
        "page": page,
        "live": page.live,
        "unsent": unsent,
        "reply_form": ReplyForm(initial={"token": question.claim_token, "body": unsent}) if page.held_by_me else None,
        "templates": selectors.templates_for(question.queue) if page.held_by_me else [],
        "customer_questions": selectors.other_questions_of_customer(question, visible_queues),
        "reason_form": ReasonForm(auto_id="release_%s", label=_("Reason for the force release")),
        "close_form": ReasonForm(auto_id="close_%s", label=_("Reason to close it")),
        "reassign_form": ReassignForm(question=question, auto_id="reassign_%s") if page.is_supervisor else None,
        "escalate_form": EscalateForm(
            initial={"token": question.claim_token if page.held_by_me else ""}, auto_id="escalate_%s"
        )
        if page.may_escalate
        else None,
        "resolve_form": ResolveForm(auto_id="resolve_%s") if page.may_work_escalation else None,
        "return_form": ReturnForm(auto_id="return_%s") if page.may_work_escalation else None,
    }


@require_role(*ANSWERERS)
def question_detail(request: HttpRequest, question_id: int) -> HttpResponse:
    question = access_question(request.user, question_id)
    return render(request, "inbox/question.html", _question_context(request, question))


@require_role(*ANSWERERS)
@require_GET
def question_changes(request: HttpRequest, question_id: int) -> HttpResponse:
    """The open question page's poll: 204 while its version is unchanged (one indexed read of one column, nothing
    rendered); otherwise the parts that changed as out-of-band fragments, never the reply box; and once a minute
    the status line alone, for its relative times."""
    now = timezone.now()
    since = _number(request.GET.get("since"))
    clock_due = now.timestamp() - _number(request.GET.get("shown")) >= CLOCK_SECONDS
    if request.htmx and not clock_due and access_question_version(request.user, question_id) == since:
        return HttpResponse(status=204)
    question = access_question(request.user, question_id)
    if not request.htmx:
        return redirect("inbox:question", question.pk)
    if question.version != since:
        page = question_page.build(question, request.user, now)
        context = {"question": question, "page": page, "live": page.live, "everything": True}
    else:
        context = {"question": question, "live": question_page.live_state(question, request.user, now)}
    # Without the request's context processors (the navigation's counts): fragments need none of them, and the
    # poll of every open page would pay for them. The holder's claim form needs the CSRF token, given here.
    return HttpResponse(render_to_string("inbox/_changes.html", {**context, "csrf_token": get_token(request)}))


@require_role(*ANSWERERS)
@action_on_question
def claim(request: HttpRequest, question_id: int) -> HttpResponse:
    question = access_question(request.user, question_id)
    try:
        claims.claim(question, actor=request.user)
    except InboxError as refused:
        messages.error(request, refused.message)
    return redirect("inbox:question", question.pk)


@require_role(*ANSWERERS)
@require_POST
def next_question(request: HttpRequest) -> HttpResponse:
    try:
        question = claims.next_question_for(request.user)
    except InboxError as refused:
        messages.error(request, refused.message)
        return redirect("inbox:inbox")
    if question is None:
        messages.info(request, _("No free question is waiting in your queues."))
        return redirect("inbox:inbox")
    return redirect("inbox:question", question.pk)


@require_role(*ANSWERERS)
@action_on_question
def renew(request: HttpRequest, question_id: int) -> HttpResponse:
    """Called by the compose page while it is open; answers with the lease line."""
    question = access_question(request.user, question_id)
    try:
        claims.renew(question, actor=request.user, token=request.POST.get("token", ""))
    except InboxError as lost:
        return render(request, "inbox/_lease.html", {"error": lost.message})
    return render(request, "inbox/_lease.html", {"question": question})


@require_role(*ANSWERERS)
@action_on_question
def release(request: HttpRequest, question_id: int) -> HttpResponse:
    question = access_question(request.user, question_id)
    try:
        claims.release(question, actor=request.user)
    except InboxError as refused:
        messages.error(request, refused.message)
        return redirect("inbox:question", question.pk)
    messages.success(request, _("You released the question; it is back in the queue."))
    return redirect("inbox:inbox")


@require_role(*ANSWERERS)
@action_on_question
def send(request: HttpRequest, question_id: int) -> HttpResponse:
    """Answered by a redirect to the question either way; a refused reply's text is kept (in the browser's draft,
    and for one showing in the session) and the refusal is a message above the question."""
    question = access_question(request.user, question_id)
    form = ReplyForm(request.POST)
    try:
        if not form.is_valid():
            raise InboxError(form_errors(form))
        accepted = services.send_reply(
            question,
            actor=request.user,
            token=str(form.cleaned_data["token"]),
            body=form.cleaned_data["body"],
            template=selectors.offered_template(question.queue, form.cleaned_data["template"]),
        )
    except InboxError as refused:
        messages.error(request, refused.message)
        keep_unsent(request, question, request.POST.get("body", ""))
        return redirect("inbox:question", question.pk)
    if isinstance(accepted, ReplyDraft):
        messages.info(
            request,
            _(
                "Your reply needs approval before it goes to X: %(reasons)s. You keep the question while it waits, "
                "and you are told when it is decided."
            )
            % {"reasons": listed(describe(accepted.reasons))},
        )
    else:
        messages.success(request, _("Your reply is queued for X. Its status below shows when it is posted."))
    return redirect("inbox:question", question.pk)


@require_role(*SUPERVISORS)
@action_on_question
def force_release(request: HttpRequest, question_id: int) -> HttpResponse:
    return _act_with_reason(
        request,
        question_id,
        lambda question, reason: claims.force_release(question, actor=request.user, reason=reason),
        done=_("The question is free again."),
    )


def form_errors(form: forms.Form) -> str:
    """A refused form's errors as one message (the question page's forms are answered with a message)."""
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


def _act_with_reason(
    request: HttpRequest, question_id: int, act: Callable[[Question, str], object], *, done: str
) -> HttpResponse:
    """A supervisor's action that needs a reason: the reason form, the service call, a message on the question."""
    question = access_question(request.user, question_id)
    form = ReasonForm(request.POST)
    try:
        if not form.is_valid():
            raise InboxError(form_errors(form))
        act(question, form.cleaned_data["reason"])
        messages.success(request, done)
    except InboxError as refused:
        messages.error(request, refused.message)
    return redirect("inbox:question", question.pk)


@require_role(*SUPERVISORS)
@action_on_question
def reassign(request: HttpRequest, question_id: int) -> HttpResponse:
    question = access_question(request.user, question_id)
    form = ReassignForm(request.POST, question=question)
    try:
        if not form.is_valid():
            raise InboxError(form_errors(form))
        claims.reassign(
            question, actor=request.user, to=form.cleaned_data["employee"], reason=form.cleaned_data["reason"]
        )
        messages.success(
            request, _("The question is now held by %(number)s.") % {"number": form.cleaned_data["employee"]}
        )
    except InboxError as refused:
        messages.error(request, refused.message)
    return redirect("inbox:question", question.pk)


@require_role(*SUPERVISORS)
def outbox_status(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    context = {
        "backlog": selectors.outbox_backlog(),
        "budget": outbox.posting_budget(now),
        "waiting": selectors.outbox_waiting(),
        "now": now,
    }
    return render(request, "inbox/outbox.html", context)


@require_role(*SUPERVISORS)
@action_on_question
def close(request: HttpRequest, question_id: int) -> HttpResponse:
    return _act_with_reason(
        request,
        question_id,
        lambda question, reason: services.close_question(question, actor=request.user, reason=reason),
        done=_("The question is closed. A follow-up from the customer reopens it."),
    )


@require_role(*SUPERVISORS)
def overdue_view(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    context = {"questions": selectors.overdue_questions(queue_ids_for(request.user), now=now), "now": now}
    return render(request, "inbox/overdue.html", context)


@require_role(*STAFF_MANAGERS)
def desk_status(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    standings = selectors.desk_standing(now)
    context = {
        "now": now,
        "standings": standings,
        "totals": {
            "unanswered": sum(s.unanswered for s in standings),
            "overdue": sum(s.overdue for s in standings),
            "warned": sum(s.warned for s in standings),
            "oldest": min((s.oldest_waiting_since for s in standings if s.oldest_waiting_since), default=None),
        },
        "jobs": worker_health.job_panel(now),
        "poll_paused_until": selectors.poll_paused_until(now),
        "backlog": selectors.outbox_backlog(),
        "is_supervisor": may_supervise(request.user),
    }
    template = "inbox/_status_panels.html" if request.htmx else "inbox/status.html"
    return render(request, template, context)
