"""Inbox pages: each view is one access check, one service call and one response."""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import ANSWERERS, STAFF_MANAGERS, require_role

from . import claims, outbox, selectors, services, worker_health
from .access import SUPERVISORS, access_question, access_queue, may_answer, may_supervise, queue_ids_for, queues_for
from .errors import AlreadyClaimed, InboxError
from .forms import InboxFilterForm, ReasonForm, ReassignForm, ReplyForm
from .models import Question


@require_role(*ANSWERERS)
def inbox(request: HttpRequest) -> HttpResponse:
    queues = list(queues_for(request.user))
    form = InboxFilterForm(request.GET or None, queues=queues)
    if form.is_bound and not form.is_valid():
        # A filter naming a queue the person may not answer shows the error, never another queue's questions.
        filters, page = selectors.InboxFilters(), selectors.InboxPage([], None)
    else:
        filters = form.filters() if form.is_bound else selectors.InboxFilters()
        page = selectors.questions_for_inbox(request.user, [q.pk for q in queues], filters)
    context = {"queues": queues, "form": form, "page": page, "now": timezone.now(), "filters": filters}
    template = "inbox/_question_list.html" if request.htmx else "inbox/inbox.html"
    return render(request, template, context)


@require_role(*ANSWERERS)
def queue_detail(request: HttpRequest, queue_id: int) -> HttpResponse:
    queue = access_queue(request.user, queue_id)
    return redirect(f"{reverse('inbox:inbox')}?queue={queue.pk}")


def _question_context(request: HttpRequest, question: Question, **extra) -> dict:
    now = timezone.now()
    mine = question.is_held_by(request.user, now)
    return {
        "question": question,
        "now": now,
        "held_by_me": mine,
        "held_by_other": question.is_held(now) and not mine,
        "may_answer": may_answer(request.user, question),
        "is_supervisor": may_supervise(request.user),
        "posts": selectors.conversation(question),
        "replies": selectors.replies_of(question),
        "history": selectors.question_history(question),
        "templates": selectors.templates_for(question.queue),
        "reply_form": ReplyForm(initial={"token": question.claim_token}) if mine else None,
        "reason_form": ReasonForm(),
        "close_form": ReasonForm(auto_id="close_%s"),
        "reassign_form": ReassignForm(question=question),
        **extra,
    }


@require_role(*ANSWERERS)
def question_detail(request: HttpRequest, question_id: int) -> HttpResponse:
    question = access_question(request.user, question_id)
    template = "inbox/_holder.html" if request.htmx else "inbox/question.html"
    return render(request, template, _question_context(request, question))


@require_role(*ANSWERERS)
@require_POST
def claim(request: HttpRequest, question_id: int) -> HttpResponse:
    question = access_question(request.user, question_id)
    try:
        claims.claim(question, actor=request.user)
    except AlreadyClaimed as refused:
        messages.error(request, refused.message)
        return render(request, "inbox/question.html", _question_context(request, question), status=409)
    except InboxError as refused:
        messages.error(request, refused.message)
    return redirect("inbox:question", question.pk)


@require_role(*ANSWERERS)
@require_POST
def next_question(request: HttpRequest) -> HttpResponse:
    question = claims.next_question_for(request.user)
    if question is None:
        messages.info(request, _("No free question is waiting in your queues."))
        return redirect("inbox:inbox")
    return redirect("inbox:question", question.pk)


@require_role(*ANSWERERS)
@require_POST
def renew(request: HttpRequest, question_id: int) -> HttpResponse:
    """Called by the compose page while it is open; answers with the lease line."""
    question = access_question(request.user, question_id)
    try:
        claims.renew(question, actor=request.user, token=request.POST.get("token", ""))
    except InboxError as lost:
        return render(request, "inbox/_lease.html", {"error": lost.message})
    return render(request, "inbox/_lease.html", {"question": question})


@require_role(*ANSWERERS)
@require_POST
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
@require_POST
def send(request: HttpRequest, question_id: int) -> HttpResponse:
    question = access_question(request.user, question_id)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        # `stale` keeps the text on the page even when the claim is no longer this person's.
        context = _question_context(request, question, reply_form=form, stale=True)
        return render(request, "inbox/question.html", context, status=400)
    try:
        services.send_reply(
            question, actor=request.user, token=str(form.cleaned_data["token"]), body=form.cleaned_data["body"]
        )
    except InboxError as refused:
        form.add_error(None, refused.message)
        question.refresh_from_db()
        return render(
            request,
            "inbox/question.html",
            _question_context(request, question, reply_form=form, stale=True),
            status=409,
        )
    messages.success(request, _("Your reply is queued and will be posted in a moment."))
    return redirect("inbox:question", question.pk)


@require_role(*SUPERVISORS)
@require_POST
def force_release(request: HttpRequest, question_id: int) -> HttpResponse:
    return _act_with_reason(
        request,
        question_id,
        lambda question, reason: claims.force_release(question, actor=request.user, reason=reason),
        done=_("The question is free again."),
    )


def _form_errors(form: forms.Form) -> str:
    """A refused form's errors as one message (the supervisor's forms are answered with a message)."""
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


def _act_with_reason(
    request: HttpRequest, question_id: int, act: Callable[[Question, str], object], *, done: str
) -> HttpResponse:
    """A supervisor's action that needs a reason: the reason form, the service call, a message on the question."""
    question = access_question(request.user, question_id)
    form = ReasonForm(request.POST)
    try:
        if not form.is_valid():
            raise InboxError(_form_errors(form))
        act(question, form.cleaned_data["reason"])
        messages.success(request, done)
    except InboxError as refused:
        messages.error(request, refused.message)
    return redirect("inbox:question", question.pk)


@require_role(*SUPERVISORS)
@require_POST
def reassign(request: HttpRequest, question_id: int) -> HttpResponse:
    question = access_question(request.user, question_id)
    form = ReassignForm(request.POST, question=question)
    try:
        if not form.is_valid():
            raise InboxError(_form_errors(form))
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
@require_POST
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
