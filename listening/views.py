"""The listening pages: the streams, a stream's settings with the cost previewed before saving, a stream's volume
chart and hits (each opened on X or noted for the company, never replied to), and the state changes behind buttons.
Each view is one access check, one service call (or selector) and one response."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import require_role

from . import costs, selectors, services
from .access import MANAGER_ROLES, NOTE_ROLES, READER_ROLES, access_hit_to_note, access_stream, may_manage, may_note
from .errors import ListeningError
from .forms import NoteForm, StreamForm
from .models import ListeningStream


@require_role(*READER_ROLES)
@require_GET
def streams(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "listening/streams.html",
        {"rows": selectors.stream_rows(timezone.now()), "may_manage": may_manage(request.user)},
    )


def _form_page(request, form, *, stream: ListeningStream | None, status: int = 200) -> HttpResponse:
    """The form; once it is valid, with the cost of its budget and the Save button (the preview step)."""
    estimate = (
        costs.estimate_for_budget(form.cleaned_data["daily_read_budget"]) if form.is_bound and form.is_valid() else None
    )
    return render(
        request,
        "listening/stream_form.html",
        {"form": form, "stream": stream, "estimate": estimate},
        status=status,
    )


def _save(request, form, stream: ListeningStream | None) -> HttpResponse:
    if not form.is_valid():
        return _form_page(request, form, stream=stream, status=400)
    if not form.cost_was_seen():
        return _form_page(request, form, stream=stream)
    try:
        if stream is None:
            stream = services.create_stream(form.settings(), actor=request.user)
            messages.success(request, _("Stream saved. Its first poll asks X within a minute."))
        else:
            stream = services.change_stream(stream, form.settings(), actor=request.user)
            messages.success(request, _("Stream changed."))
    except ListeningError as refused:
        messages.error(request, refused.message)
        return _form_page(request, form, stream=stream, status=409)
    return redirect("listening:stream", stream.pk)


@require_role(*MANAGER_ROLES)
@require_http_methods(["GET", "POST"])
def new_stream(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _form_page(request, StreamForm(), stream=None)
    return _save(request, StreamForm(request.POST), None)


@require_role(*MANAGER_ROLES)
@require_http_methods(["GET", "POST"])
def edit_stream(request: HttpRequest, stream_id: int) -> HttpResponse:
    stream = access_stream(request.user, stream_id)
    if request.method != "POST":
        return _form_page(request, StreamForm(initial=selectors.form_initial(stream)), stream=stream)
    return _save(request, StreamForm(request.POST), stream)


@require_role(*READER_ROLES)
@require_GET
def stream(request: HttpRequest, stream_id: int) -> HttpResponse:
    found = access_stream(request.user, stream_id)
    before = request.GET.get("before", "")
    hits, older = selectors.hits_of(found, before=int(before) if before.isdigit() else None)
    now = timezone.now()
    return render(
        request,
        "listening/stream.html",
        {
            "stream": found,
            "state": selectors.state_of(found, now),
            "volume": selectors.volume_chart(found),
            "hits": hits,
            "older": older,
            "estimate": costs.estimate_for_budget(found.daily_read_budget),
            "may_manage": may_manage(request.user),
            "may_note": may_note(request.user),
        },
    )


@require_role(*MANAGER_ROLES)
@require_POST
def pause_stream(request: HttpRequest, stream_id: int) -> HttpResponse:
    found = access_stream(request.user, stream_id)
    try:
        services.pause_stream(found, actor=request.user)
        messages.success(request, _("Stream paused: it asks X nothing until it is resumed."))
    except ListeningError as refused:
        messages.error(request, refused.message)
    return redirect("listening:stream", found.pk)


@require_role(*MANAGER_ROLES)
@require_POST
def resume_stream(request: HttpRequest, stream_id: int) -> HttpResponse:
    found = access_stream(request.user, stream_id)
    try:
        services.resume_stream(found, actor=request.user)
        messages.success(request, _("Stream resumed."))
    except ListeningError as refused:
        messages.error(request, refused.message)
    return redirect("listening:stream", found.pk)


@require_role(*NOTE_ROLES)
@require_POST
def note_hit(request: HttpRequest, hit_id: int) -> HttpResponse:
    hit = access_hit_to_note(request.user, hit_id)
    form = NoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("A note has at most 2,000 characters. Nothing was saved."))
    else:
        try:
            services.note_hit(hit, actor=request.user, text=form.cleaned_data["note"])
            messages.success(request, _("Note saved."))
        except ListeningError as refused:
            messages.error(request, refused.message)
    return redirect(f"{reverse('listening:stream', args=[hit.stream_id])}#hit-{hit.pk}")
