"""Every table of the period report as CSV: headers in the reader's language, durations in whole seconds (a
spreadsheet computes with them), cells that a spreadsheet would run as formulas defused as in the audit export."""

import csv
import io
from collections.abc import Callable

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from audit.exports import EXCEL_BOM, spreadsheet_cell

from .presentation import department_name, priority_name, weekday_names


def _durations(prefix: str) -> list[str]:
    return [
        _("%(figure)s: n") % {"figure": prefix},
        _("%(figure)s: median (s)") % {"figure": prefix},
        _("%(figure)s: 90th percentile (s)") % {"figure": prefix},
        _("%(figure)s: mean (s)") % {"figure": prefix},
    ]


def _duration_cells(figures: dict) -> list:
    return [figures["n"], figures["median"], figures["p90"], figures["mean"]]


def _service_level_cells(level: dict) -> list:
    return [level["closed"], level["in_time"], level["late"], level["unanswered"], level["percent"]]


def _service_level_headers() -> list[str]:
    return [
        _("Windows closed"),
        _("Answered in time"),
        _("Answered late"),
        _("Unanswered past the level"),
        _("Service level met (%)"),
    ]


def _by_queue(report: dict) -> tuple[list[str], list[list]]:
    headers = [
        _("Queue"),
        pgettext("count of questions", "Asked"),
        _("Answered"),
        *_durations(_("First response")),
        *_durations(_("First response, business hours")),
        *_service_level_headers(),
        _("Closed without an answer"),
    ]
    rows = [
        [
            q["name"],
            q["asked"],
            q["answered"],
            *_duration_cells(q["frt"]),
            *_duration_cells(q["frt_business"]),
            *_service_level_cells(q["service_level"]),
            q["closed_unanswered"],
        ]
        for q in report["by_queue"]
    ]
    return headers, rows


def _by_day(report: dict) -> tuple[list[str], list[list]]:
    headers = [_("Day"), pgettext("count of questions", "Asked"), _("Answered"), *_service_level_headers()]
    rows = [[d["day"], d["asked"], d["answered"], *_service_level_cells(d["service_level"])] for d in report["by_day"]]
    return headers, rows


def _by_hour(report: dict) -> tuple[list[str], list[list]]:
    return [_("Hour"), pgettext("count of questions", "Asked")], [[hour, n] for hour, n in enumerate(report["by_hour"])]


def _by_weekday(report: dict) -> tuple[list[str], list[list]]:
    return [_("Day of the week"), pgettext("count of questions", "Asked")], [
        list(pair) for pair in zip(weekday_names(), report["by_weekday"], strict=True)
    ]


def _by_priority(report: dict) -> tuple[list[str], list[list]]:
    return [_("Priority"), pgettext("count of questions", "Asked")], [
        [priority_name(p["priority"]), p["asked"]] for p in report["by_priority"]
    ]


def _by_topic(report: dict) -> tuple[list[str], list[list]]:
    return [_("Topic"), pgettext("count of questions", "Asked")], [
        [t["topic"] or _("(no routing rule)"), t["asked"]] for t in report["by_topic"]
    ]


def _employees(report: dict) -> tuple[list[str], list[list]]:
    headers = [
        _("Employee"),
        _("Replies"),
        *_durations(_("Handle time")),
        _("Reviewed"),
        _("Review coverage (%)"),
        _("Average review score"),
    ]
    rows = [
        [e["number"], e["replies"], *_duration_cells(e["handle"]), e["reviewed"], e["coverage"], e["score"]]
        for e in report["employees"]
    ]
    return headers, rows


def _approvals(report: dict) -> tuple[list[str], list[list]]:
    headers = [
        _("Queue"),
        pgettext("report column", "Decided"),
        pgettext("report column", "Approved"),
        pgettext("report column", "Rejected"),
        pgettext("report column", "Edited"),
        *_durations(_("Approval wait")),
    ]
    rows = [
        [a["queue"], a["decided"], a["approved"], a["rejected"], a["edited"], *_duration_cells(a["wait"])]
        for a in report["approvals"]
    ]
    return headers, rows


def _departments(report: dict) -> tuple[list[str], list[list]]:
    headers = [
        _("Department"),
        pgettext("report column", "Escalated"),
        pgettext("report column", "Accepted"),
        pgettext("report column", "Resolved"),
        pgettext("report column", "Returned"),
        *_durations(_("Time to accept")),
        *_durations(_("Time to resolve")),
    ]
    rows = [
        [
            department_name(d["name"]),
            d["escalated"],
            d["accepted"],
            d["resolved"],
            d["returned"],
            *_duration_cells(d["accept"]),
            *_duration_cells(d["resolve"]),
        ]
        for d in report["departments"]
    ]
    return headers, rows


def _closed_unanswered(report: dict) -> tuple[list[str], list[list]]:
    return [_("Question"), _("Queue"), _("Asked")], [
        [q["id"], q["queue"], q["asked_at"]] for q in report["closed_unanswered"]
    ]


def _costs(report: dict) -> tuple[list[str], list[list]]:
    costs = report["costs"]
    rows = [
        [_("Replies posted"), costs["replies"], costs["reply_usd"]],
        [_("Customer posts read"), costs["customer_posts"], costs["reads_usd"]],
        *[
            [_("Listening: %(stream)s") % {"stream": s["stream"]}, s["posts_read"] + s["counts_requests"], s["usd"]]
            for s in costs["listening"]
        ],
        [_("Total"), "", costs["total_usd"]],
    ]
    return [_("Item"), _("Count"), _("Estimated cost (USD)")], rows


TABLES: dict[str, tuple[object, Callable[[dict], tuple[list[str], list[list]]]]] = {
    "queues": (gettext_lazy("By queue"), _by_queue),
    "days": (gettext_lazy("By day"), _by_day),
    "hours": (gettext_lazy("By hour of the day"), _by_hour),
    "weekdays": (gettext_lazy("By day of the week"), _by_weekday),
    "priorities": (gettext_lazy("By priority"), _by_priority),
    "topics": (gettext_lazy("By topic"), _by_topic),
    "employees": (gettext_lazy("By employee"), _employees),
    "approvals": (gettext_lazy("Approvals"), _approvals),
    "departments": (gettext_lazy("Escalations"), _departments),
    "closed": (gettext_lazy("Closed without an answer"), _closed_unanswered),
    "costs": (gettext_lazy("X costs"), _costs),
}


def table(report: dict, name: str) -> tuple[list[str], list[list]]:
    """(headers, rows) of one table; KeyError for a table that does not exist."""
    return TABLES[name][1](report)


def csv_text(report: dict, name: str) -> str:
    headers, rows = table(report, name)
    out = io.StringIO()
    out.write(EXCEL_BOM)
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if cell is None else spreadsheet_cell(cell) for cell in row])
    return out.getvalue()


def filename(report: dict, name: str) -> str:
    return f"report-{name}-{report['first']}-{report['last']}.csv"
