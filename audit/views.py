"""The compliance officer's pages of the audit trail: read-only, except that an export is itself recorded."""

import json
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.access import TRAIL_READERS, require_role
from accounts.numbers import normalize_employee_number

from . import exports, selectors
from .forms import MAX_SEQUENCE, TrailFilterForm, action_choices
from .models import AuditEntry

# More problems than this are summarised on the integrity page (verify_audit lists them all).
PROBLEMS_SHOWN = 100


def _sequence(raw: str) -> int | None:
    """A keyset position from the query string, or None when it is not a plain sequence number."""
    # The length first: Python refuses to convert a string of more than 4,300 digits.
    if raw.isascii() and raw.isdigit() and len(raw) <= len(str(MAX_SEQUENCE)) and 0 < int(raw) <= MAX_SEQUENCE:
        return int(raw)
    return None


def _readable(data: Any) -> list[tuple[str, str]]:
    """Before/after data as (key, text) pairs: scalars as they are, lists and objects as compact JSON."""
    if data is None:
        return []
    if not isinstance(data, dict):
        return [("", json.dumps(data, ensure_ascii=False))]
    pairs = []
    for key, value in data.items():
        if value is None:
            text = "—"
        elif isinstance(value, dict | list | bool):
            text = json.dumps(value, ensure_ascii=False)
        else:
            text = str(value)
        pairs.append((str(key), text))
    return pairs


def _link(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _decorate(entries: list[AuditEntry]) -> list[AuditEntry]:
    """Add what the rows show beyond the columns: links to the timeline and activity pages, readable data."""
    for entry in entries:
        entry.actor_url = _link("audit:employee_activity", entry.actor_number) if entry.actor_number else None
        entry.target_url = None
        if entry.target_type == selectors.QUESTION_TARGET and entry.target_id.isdigit():
            entry.target_url = _link("audit:question_timeline", int(entry.target_id))
        elif entry.target_type == selectors.EMPLOYEE_TARGET and entry.target_label:
            entry.target_url = _link("audit:employee_activity", entry.target_label)
        entry.before_items = _readable(entry.before)
        entry.after_items = _readable(entry.after)
    return entries


@require_role(*TRAIL_READERS)
@never_cache
@require_GET
def trail(request: HttpRequest) -> HttpResponse:
    """The entries matching the filters, newest first, paged by sequence number (keyset)."""
    form = TrailFilterForm(request.GET)
    if not form.is_valid():
        return _trail_page(request, form)
    page = selectors.newest_first_page(
        selectors.filtered_entries(form.filters()), before=form.cleaned_data["before"], size=selectors.PAGE_SIZE
    )
    return _trail_page(request, form, page)


def _trail_page(
    request: HttpRequest, form: TrailFilterForm, page: selectors.EntryPage | None = None, *, status: int = 200
) -> HttpResponse:
    """The trail page; without a page (filters not understood) it shows the errors and no rows."""
    valid = page is not None
    query = form.query_string() if valid else ""
    context = {
        "form": form,
        "valid": valid,
        "entries": _decorate(page.entries) if valid else [],
        "older": page.next_position if valid else None,
        "query": query,
        "filtered": bool(query),
        # The export buttons send the filters in force (as typed) in a POST form of their own.
        "export_filters": list(QueryDict(query).items()),
        "continued": valid and form.cleaned_data["before"] is not None,
        "action_choices": action_choices(),
        "tab": "trail",
    }
    return render(request, "audit/trail.html", context, status=status)


@require_role(*TRAIL_READERS)
@never_cache
@require_GET
def question_timeline(request: HttpRequest, question_id: int) -> HttpResponse:
    """Everything recorded about one question, oldest first."""
    question = selectors.question_for_timeline(question_id)
    after = _sequence(request.GET.get("after", ""))
    page = selectors.question_timeline(question_id, after=after, size=selectors.TIMELINE_PAGE_SIZE)
    if question is None and not page.entries and after is None:
        raise Http404
    return render(
        request,
        "audit/timeline.html",
        {
            "question_id": question_id,
            "question": question,
            "entries": _decorate(page.entries),
            "later": page.next_position,
            "continued": after is not None,
            "target": f"{selectors.QUESTION_TARGET}:{question_id}",
            "tab": "trail",
        },
    )


@require_role(*TRAIL_READERS)
@never_cache
@require_GET
def employee_activity(request: HttpRequest, number: str) -> HttpResponse:
    """What one person did and what was done to them, newest first."""
    normalized = normalize_employee_number(number)
    if not normalized or len(normalized) > 32 or not normalized.isprintable() or " " in normalized:
        # Nothing was ever recorded under such a "number" (and PostgreSQL refuses NUL in a query).
        raise Http404
    employee = selectors.employee_by_number(normalized)
    employee_id = employee.pk if employee else None
    before = _sequence(request.GET.get("before", ""))
    page = selectors.employee_activity(number, employee_id, before=before, size=selectors.PAGE_SIZE)
    if employee is None and not page.entries and before is None:
        raise Http404
    return render(
        request,
        "audit/activity.html",
        {
            "number": normalized if employee else number,
            "employee": employee,
            "entries": _decorate(page.entries),
            "older": page.next_position,
            "continued": before is not None,
            "tab": "trail",
        },
    )


@require_role(*TRAIL_READERS)
@never_cache
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    """Every entry matching the filters, oldest first, as CSV or JSON Lines; the export is recorded first.

    Started only by the buttons on the trail page: a POST with its CSRF token, the filters in the form. An export is
    recorded under the reader's name, so a link or an image on another site must not be able to start one.
    """
    if fmt not in exports.FORMATS:
        raise Http404
    if request.method != "POST":
        return _export_by_post_only(request)
    form = TrailFilterForm(request.POST)
    if not form.is_valid():
        # No file for filters that mean nothing: the trail page says what is wrong, and nothing is recorded.
        return _trail_page(request, form, status=400)
    exports.record_export(fmt, filters=form.filters_as_strings(), actor=request.user)
    entries = selectors.filtered_entries(form.filters()).order_by("id")
    response = StreamingHttpResponse(exports.lines(fmt, entries), content_type=exports.FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(fmt)}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _export_by_post_only(request: HttpRequest) -> HttpResponse:
    """A GET of an export (an old bookmark, a link from elsewhere) records nothing; the page leads to the buttons."""
    form = TrailFilterForm(request.GET)
    query = form.query_string() if form.is_valid() else ""
    response = render(request, "audit/export_by_post.html", {"query": query, "tab": "trail"}, status=405)
    response["Allow"] = "POST"
    return response


@require_role(*TRAIL_READERS)
@never_cache
@require_GET
def integrity(request: HttpRequest) -> HttpResponse:
    """The hash chain's state: the last verification, the last checkpoint, and how far the sealer has got."""
    status = selectors.integrity_status()
    verification = status.verification
    problems, more_problems = [], 0
    if verification is not None:
        listed = verification.problems if isinstance(verification.problems, list) else [verification.problems]
        problems = [p if isinstance(p, str) else json.dumps(p, ensure_ascii=False) for p in listed[:PROBLEMS_SHOWN]]
        more_problems = max(len(listed) - PROBLEMS_SHOWN, 0)
    return render(
        request,
        "audit/integrity.html",
        {
            "verification": verification,
            "problems": problems,
            "more_problems": more_problems,
            "checkpoint": status.checkpoint,
            "sealed_up_to": status.sealed_up_to,
            "newest_entry": status.newest_entry,
            "waiting": status.waiting,
            "last_anchor": status.last_anchor,
            "anchor_file": status.anchor_file,
            "tab": "integrity",
        },
    )
