"""The compliance officer's pages of the audit trail: read-only, except that an export is itself recorded."""

import json
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.access import TRAIL_READERS, require_role
from accounts.numbers import normalize_employee_number
from inbox.entry_summaries import EntrySummaries

from . import exports, selectors, services, verification_runs
from .forms import MAX_SEQUENCE, TrailFilterForm, action_choices
from .models import AuditEntry
from .templatetags.audit_time import desk_time_of_text

# More problems than this are summarised on the integrity page (verify_audit lists them all).
PROBLEMS_SHOWN = 100


def _sequence(raw: str) -> int | None:
    """A keyset position from the query string, or None when it is not a plain sequence number."""
    # The length first: Python refuses to convert a string of more than 4,300 digits.
    if raw.isascii() and raw.isdigit() and len(raw) <= len(str(MAX_SEQUENCE)) and 0 < int(raw) <= MAX_SEQUENCE:
        return int(raw)
    return None


@dataclass(frozen=True)
class DataRow:
    """One recorded field of an entry, as the "before and after" table shows it (None: not in that side's data)."""

    key: str
    before: str | None
    after: str | None

    @property
    def changed(self) -> bool:
        return self.before is not None and self.after is not None and self.before != self.after


def _data_rows(before: Any, after: Any) -> list[DataRow]:
    """The fields of before and after side by side, in the order recorded (before's first, then the new ones)."""
    old, new = _fields(before), _fields(after)
    keys = list(old) + [key for key in new if key not in old]
    return [DataRow(key, old.get(key), new.get(key)) for key in keys]


def _fields(data: Any) -> dict[str, str]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        return {"": _readable(data)}
    return {str(key): _readable(value) for key, value in data.items()}


def _readable(value: Any) -> str:
    """A recorded value as a person reads it: times in the desk's zone with the offset, an object one "key: value"
    line per field, a list of plain values joined by commas, nothing as "—"."""
    if value is None or value == [] or value == {}:
        return "—"
    if isinstance(value, dict):
        return "\n".join(f"{key}: {_inline(item)}" for key, item in value.items())
    if isinstance(value, list):
        if any(isinstance(item, dict | list) for item in value):
            return "\n".join(_inline(item) for item in value)
        return ", ".join(_inline(item) for item in value)
    return _inline(value)


def _inline(value: Any) -> str:
    """A value on one line: deeper objects and lists stay compact JSON."""
    if isinstance(value, str):
        return desk_time_of_text(value) or value
    if value is None or isinstance(value, bool | dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _target_text(entry: AuditEntry) -> str:
    """The target as the reader's language says it. The trail stores the label as it was written (English); an
    ingestion's label is only a count, said again here with the reader's plural forms."""
    posts = entry.after.get("posts") if isinstance(entry.after, dict) else None
    if entry.action == "inbox.mentions.ingested" and isinstance(posts, int) and not isinstance(posts, bool):
        return ngettext("%(count)d post", "%(count)d posts", posts) % {"count": posts}
    return entry.target_label


def _link(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _decorate(entries: list[AuditEntry]) -> list[AuditEntry]:
    """Add what the rows show beyond the columns: links to the timeline and activity pages, readable data."""
    describe = EntrySummaries()
    for entry in entries:
        entry.actor_url = _link("audit:employee_activity", entry.actor_number) if entry.actor_number else None
        entry.target_url = None
        if entry.target_type == selectors.QUESTION_TARGET and entry.target_id.isdigit():
            entry.target_url = _link("audit:question_timeline", int(entry.target_id))
        elif entry.target_type == selectors.EMPLOYEE_TARGET and entry.target_label:
            entry.target_url = _link("audit:employee_activity", entry.target_label)
        entry.target_text = _target_text(entry)
        entry.data_rows = _data_rows(entry.before, entry.after)
        # What an approval's entry means in a sentence: "approved, reasons: personal data (phone number)".
        entry.summary = describe(entry.action, entry.after if isinstance(entry.after, dict) else {})
        entry.has_before = entry.before is not None
        entry.has_after = entry.after is not None
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
    """The hash chain's state: the last verification (and one in progress), the last checkpoint, and how far the
    sealer has got."""
    status = selectors.integrity_status()
    return render(
        request,
        "audit/integrity.html",
        {
            **_verification_context(status.verification),
            "checkpoint": status.checkpoint,
            "sealed_up_to": status.sealed_up_to,
            "newest_entry": status.newest_entry,
            "waiting": status.waiting,
            "last_anchor": status.last_anchor,
            "anchor_file": status.anchor_file,
            "tab": "integrity",
        },
    )


@require_role(*TRAIL_READERS)
@never_cache
@require_GET
def verification(request: HttpRequest) -> HttpResponse:
    """The integrity page's verification card alone: what its poll fetches while a run is waiting or running."""
    context = _verification_context(selectors.last_verification())
    return render(request, "audit/_verification.html", context)


@require_role(*TRAIL_READERS)
@require_POST
def start_verification(request: HttpRequest) -> HttpResponse:
    """Start a verification on the worker (recorded), then back to the integrity page, which shows its progress."""
    try:
        services.start_verification(actor=request.user)
    except services.VerificationAlreadyRunning:
        messages.warning(request, _("A verification is already running: its progress is shown below."))
    else:
        messages.success(request, _("Verification started. The worker checks the trail now; this page shows how far."))
    return redirect("audit:integrity")


def _verification_context(verification) -> dict[str, Any]:
    """The last finished verification with its problems as text, and the run started from this page, if any."""
    problems, more_problems = [], 0
    if verification is not None:
        listed = verification.problems if isinstance(verification.problems, list) else [verification.problems]
        problems = [p if isinstance(p, str) else json.dumps(p, ensure_ascii=False) for p in listed[:PROBLEMS_SHOWN]]
        more_problems = max(len(listed) - PROBLEMS_SHOWN, 0)
    run = verification_runs.current_run()
    return {
        "verification": verification,
        "problems": problems,
        "more_problems": more_problems,
        "run": run,
        "stale_minutes": int(verification_runs.STALE_AFTER.total_seconds() // 60),
    }
