"""The report pages: the desk today, a period's report with its charts and CSV tables, and the weekly reports as
they were mailed. Every page is read-only; each view is one access check, one selector and one response."""

from datetime import date

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.access import require_role
from replydesk import charts

from . import exports, figures, periods, presentation, selectors
from .access import READER_ROLES
from .errors import BadPeriod, NoSuchWeeklyReport
from .rollups import local_day


def _period(request: HttpRequest) -> tuple[periods.Period, str]:
    today = local_day(timezone.now())
    try:
        return periods.parse(
            request.GET.get("start"), request.GET.get("end"), today, named=request.GET.get("preset")
        ), ""
    except BadPeriod as refused:
        return periods.last_week(today), refused.message


@require_role(*READER_ROLES)
@require_GET
def today(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/today.html", {"today": selectors.today(timezone.now())})


@require_role(*READER_ROLES)
@require_GET
def period(request: HttpRequest) -> HttpResponse:
    chosen, problem = _period(request)
    report = figures.period_report(chosen.first, chosen.last)
    context = {
        **presentation.page_context(report),
        "period": chosen,
        "problem": problem,
        "presets": periods.PRESETS,
        "chosen_preset": periods.preset_name(chosen, local_day(timezone.now())),
        "tables": exports.TABLES,
    }
    return render(request, "reports/period.html", context, status=400 if problem else 200)


@require_role(*READER_ROLES)
@require_GET
def period_csv(request: HttpRequest, table: str) -> HttpResponse:
    if table not in exports.TABLES:
        raise Http404("no such table")
    chosen, problem = _period(request)
    if problem:
        return HttpResponse(problem, status=400, content_type="text/plain; charset=utf-8")
    report = figures.period_report(chosen.first, chosen.last)
    response = HttpResponse(exports.csv_text(report, table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(report, table)}"'
    return response


@require_role(*READER_ROLES)
@require_GET
def chart(request: HttpRequest, digest: str) -> HttpResponse:
    """One chart of a report page, drawn in its own request (the page links it: the table beside it shows at once)."""
    remembered = charts.recall(digest)
    if remembered is None:
        raise Http404("no such chart (reload the report)")
    response = HttpResponse(charts.svg(remembered), content_type="image/svg+xml")
    # Its address is a digest of what it draws: the picture at it never changes.
    response["Cache-Control"] = "private, max-age=86400, immutable"
    return response


@require_role(*READER_ROLES)
@require_GET
def weekly_list(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/weekly_list.html", {"reports": selectors.weekly_reports()})


@require_role(*READER_ROLES)
@require_GET
def weekly(request: HttpRequest, week: str) -> HttpResponse:
    try:
        archived = selectors.weekly_report(date.fromisoformat(week))
    except (ValueError, NoSuchWeeklyReport):
        raise Http404("no weekly report for that week") from None
    report = archived.data
    context = {**presentation.page_context(report), "archived": archived}
    return render(request, "reports/weekly.html", context)
