"""The report's charts and names in the reader's language: what the page, the archive and the weekly mail show
beside the tables (the numbers stay in the tables, for people who cannot see the charts and for copying)."""

from dataclasses import dataclass
from datetime import date

from django.utils import formats
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from inbox.models import Priority
from replydesk import charts

# A review average from fewer reviews than this is greyed: too few to judge a person by (as quality review).
SMALL_N = 5
# Beyond this many people the chart shows the busiest; the table lists everyone.
CHART_PEOPLE = 20


@dataclass(frozen=True)
class Chart:
    key: str
    chart: charts.BarChart
    # What a screen reader says instead of the picture; the table beside it has every number.
    alt: str

    def remember(self) -> str:
        """Keep it for the chart's own request (reports:chart), which draws it if nobody has yet; its digest."""
        return charts.remember(self.chart)

    def svg(self) -> bytes:
        return charts.svg(self.chart)

    def png(self) -> bytes:
        return charts.png(self.chart)


def weekday_names() -> list[str]:
    return [
        pgettext("weekday, short", "Mon"),
        pgettext("weekday, short", "Tue"),
        pgettext("weekday, short", "Wed"),
        pgettext("weekday, short", "Thu"),
        pgettext("weekday, short", "Fri"),
        pgettext("weekday, short", "Sat"),
        pgettext("weekday, short", "Sun"),
    ]


def priority_name(value: int) -> str:
    return str(Priority(value).label) if value in Priority.values else str(value)


def department_name(names: dict, language: str | None = None) -> str:
    """A department's name in `language` (the active one by default), else its English name."""
    language = language or get_language() or "en"
    return names.get("ja" if language.startswith("ja") else "en") or names.get("en", "")


def _minutes(seconds: int | None) -> float:
    return round((seconds or 0) / 60, 1)


def _day_label(iso: str) -> str:
    return formats.date_format(date.fromisoformat(iso), "n/j")


def page_context(report: dict) -> dict:
    """What the report's body (reports/_report_body.html) reads besides the report: its charts and names."""
    return {
        "report": report,
        # What the page links: each chart remembered once, under its digest.
        "charts": {
            chart.key: {"key": chart.key, "alt": chart.alt, "digest": chart.remember()}
            for chart in report_charts(report)
        },
        "weekday_names": weekday_names(),
        "priorities": [
            {"name": priority_name(row["priority"]), "asked": row["asked"]} for row in report["by_priority"]
        ],
        "small_n": SMALL_N,
    }


def report_charts(report: dict) -> list[Chart]:
    """The charts of a period report, in the active language."""
    found = []
    days = report["by_day"]
    if not report["totals"]["asked"] and not report["employees"] and not report["departments"]:
        # Empty axes read as missing data: the tables say "no questions in this period" instead.
        return found
    asked = report["totals"]["asked"] > 0
    if days and asked:
        found.append(
            Chart(
                "by_day",
                charts.bar_chart(
                    _("Questions per day"),
                    [_day_label(day["day"]) for day in days],
                    [
                        (pgettext("count of questions", "Asked"), [d["asked"] for d in days]),
                        (_("Answered"), [d["answered"] for d in days]),
                    ],
                    value_label=_("questions"),
                ),
                _("Bar chart of the questions asked and answered on each day; the table below has the numbers."),
            )
        )
    if asked:
        found.append(
            Chart(
                "by_hour",
                charts.bar_chart(
                    _("Questions by hour of the day"),
                    [f"{hour}" for hour in range(24)],
                    [(pgettext("count of questions", "Asked"), report["by_hour"])],
                    value_label=_("questions"),
                    half=True,
                ),
                _("Bar chart of the questions asked in each hour of the day; the table below has the numbers."),
            )
        )
        found.append(
            Chart(
                "by_weekday",
                charts.bar_chart(
                    _("Questions by day of the week"),
                    weekday_names(),
                    [(pgettext("count of questions", "Asked"), report["by_weekday"])],
                    value_label=_("questions"),
                    half=True,
                ),
                _("Bar chart of the questions asked on each day of the week; the table below has the numbers."),
            )
        )
    queues = report["by_queue"]
    if queues and report["totals"]["answered"]:
        found.append(
            Chart(
                "first_response",
                charts.bar_chart(
                    _("First response time by queue"),
                    [q["name"] for q in queues],
                    [
                        (_("Median"), [_minutes(q["frt"]["median"]) for q in queues]),
                        (_("90th percentile"), [_minutes(q["frt"]["p90"]) for q in queues]),
                    ],
                    value_label=_("minutes"),
                    horizontal=True,
                    half=True,
                ),
                _("Bar chart of each queue's median and 90th percentile first response time; the table has them."),
            )
        )
    if queues and report["totals"]["service_level"]["closed"]:
        found.append(
            Chart(
                "service_level",
                charts.bar_chart(
                    _("Answered within the service level, by queue"),
                    [q["name"] for q in queues],
                    [(_("Answered in time"), [q["service_level"]["percent"] or 0 for q in queues])],
                    value_label="%",
                    horizontal=True,
                    percent=True,
                    half=True,
                ),
                _("Bar chart of the share of questions answered within the service level in each queue."),
            )
        )
    people = report["employees"][:CHART_PEOPLE]
    if people:
        found.append(
            Chart(
                "employees",
                charts.bar_chart(
                    _("Replies per employee"),
                    [p["number"] for p in people],
                    [(_("Replies"), [p["replies"] for p in people])],
                    value_label=_("replies"),
                    horizontal=True,
                ),
                _("Bar chart of the replies each employee posted; the table lists everyone."),
            )
        )
    departments = report["departments"]
    if departments:
        found.append(
            Chart(
                "departments",
                charts.bar_chart(
                    _("Escalations per department"),
                    [department_name(d["name"]) for d in departments],
                    [
                        (pgettext("report column", "Escalated"), [d["escalated"] for d in departments]),
                        (pgettext("report column", "Resolved"), [d["resolved"] for d in departments]),
                    ],
                    value_label=_("escalations"),
                    horizontal=True,
                ),
                _("Bar chart of the escalations each department received and resolved."),
            )
        )
    return found
