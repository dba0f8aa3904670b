"""A person's figures of a whole week come from their week row, added up whenever one of its days is refreshed; a
period mixing whole weeks and loose days gives what adding up the days would."""

from datetime import date

from reports.figures import _full_weeks
from reports.models import EmployeeWeek
from tests.reports.conftest import jst

AFTER = jst("2026-11-30 12:00")


def _three_replies(desk) -> None:
    """E100's replies on Tuesday 10 and Sunday 15 November (one week), and on Monday 16 (the next): handle times of
    4, 6 and 8 minutes."""
    for day, minutes in (("2026-11-10", 4), ("2026-11-15", 6), ("2026-11-16", 8)):
        question = desk.ask(jst(f"{day} 09:00"))
        desk.answer(
            question,
            claimed=jst(f"{day} 10:00"),
            written=jst(f"{day} 10:{minutes:02}"),
            posted=jst(f"{day} 10:30"),
        )


def test_the_whole_weeks_of_a_period():
    assert _full_weeks(date(2026, 11, 9), date(2026, 11, 15)) == [date(2026, 11, 9)]
    assert _full_weeks(date(2026, 11, 10), date(2026, 11, 22)) == [date(2026, 11, 16)]
    assert _full_weeks(date(2026, 11, 10), date(2026, 11, 21)) == []
    assert _full_weeks(date(2026, 11, 2), date(2026, 11, 22)) == [
        date(2026, 11, 2),
        date(2026, 11, 9),
        date(2026, 11, 16),
    ]


def test_a_week_row_adds_up_its_days_and_a_mixed_period_matches_the_days(report_desk):
    _three_replies(report_desk)
    mixed = report_desk.report(date(2026, 11, 9), date(2026, 11, 16), now=AFTER)
    (week,) = EmployeeWeek.objects.filter(week_start=date(2026, 11, 9))
    assert week.counts == {"replies": 2}
    assert sum(week.durations["handle"].values()) == 2

    (e100,) = mixed["employees"]
    assert e100["replies"] == 3
    assert e100["handle"] == {"n": 3, "median": 360, "p90": 480, "mean": 360}
    # The same days without a whole week in them: read from the day rows alone, the same figures.
    loose = report_desk.report(date(2026, 11, 10), date(2026, 11, 16), now=AFTER)
    assert loose["employees"][0]["handle"] == e100["handle"]


def test_refreshing_one_day_again_keeps_the_week_row_whole(report_desk):
    _three_replies(report_desk)
    report_desk.refresh(date(2026, 11, 9), date(2026, 11, 15), now=AFTER)
    report_desk.refresh(date(2026, 11, 15), date(2026, 11, 15), now=AFTER)
    (week,) = EmployeeWeek.objects.filter(week_start=date(2026, 11, 9))
    assert week.counts == {"replies": 2}
