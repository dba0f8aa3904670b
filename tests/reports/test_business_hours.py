"""Business hours: how much of a wait fell inside a queue's working hours on the desk's clock, skipping weekends and
Japan's public holidays; a queue's own hours, else the desk's, else the settings'."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from reports import business_hours
from reports.business_hours import Schedule, Schedules, business_seconds, is_holiday
from reports.configuration import save_business_hours
from reports.models import BusinessHours

from .conftest import jst

TOKYO = ZoneInfo("Asia/Tokyo")
WEEKDAYS = frozenset(range(5))
NINE_TO_SIX = Schedule(time(9), time(18), WEEKDAYS, closed_on_holidays=True)
MINUTE = 60
HOUR = 3600


@pytest.fixture(autouse=True)
def _tokyo(settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    settings.REPORT_HOLIDAY_COUNTRY = "JP"
    settings.REPORT_BUSINESS_HOURS = ("09:00", "18:00", (0, 1, 2, 3, 4))


def seconds(start: str, end: str, schedule: Schedule = NINE_TO_SIX) -> float:
    return business_seconds(jst(start), jst(end), schedule, TOKYO)


# --- the count -----------------------------------------------------------------------------------------------------


def test_friday_evening_to_monday_morning_counts_only_the_open_hours():
    # 2026-11-13 is a Friday: 17:30–18:00 on Friday and 09:00–09:30 on Monday.
    assert seconds("2026-11-13 17:30", "2026-11-16 09:30") == 60 * MINUTE


def test_a_japanese_public_holiday_is_skipped():
    # Monday 2026-11-23 is Labor Thanksgiving Day (勤労感謝の日): Friday's half hour, then Tuesday's.
    assert is_holiday(date(2026, 11, 23))
    assert seconds("2026-11-20 17:30", "2026-11-24 09:30") == 60 * MINUTE


def test_silver_week_skips_three_holidays_in_a_row_including_the_citizens_holiday_between_two():
    # 2026-09-21 敬老の日, 2026-09-22 国民の休日 (a weekday between two holidays), 2026-09-23 秋分の日.
    assert [is_holiday(date(2026, 9, day)) for day in (21, 22, 23, 24)] == [True, True, True, False]
    assert seconds("2026-09-18 17:00", "2026-09-24 10:00") == 2 * HOUR


def test_a_substitute_holiday_is_skipped():
    # Children's Day fell on a Tuesday in 2026, Constitution Day on the Sunday: Wednesday 6 May is the substitute.
    assert is_holiday(date(2026, 5, 6))
    assert seconds("2026-05-06 10:00", "2026-05-07 10:00") == 1 * HOUR


def test_hours_open_on_holidays_count_them():
    open_on_holidays = Schedule(time(9), time(18), WEEKDAYS, closed_on_holidays=False)
    assert seconds("2026-11-20 17:30", "2026-11-24 09:30", open_on_holidays) == 60 * MINUTE + 9 * HOUR


def test_a_wait_inside_one_working_day_counts_whole():
    assert seconds("2026-11-10 10:00", "2026-11-10 10:45") == 45 * MINUTE


def test_time_before_opening_and_after_closing_does_not_count():
    assert seconds("2026-11-10 07:00", "2026-11-10 09:30") == 30 * MINUTE
    assert seconds("2026-11-10 17:00", "2026-11-10 23:00") == 1 * HOUR
    assert seconds("2026-11-10 23:30", "2026-11-11 09:30") == 30 * MINUTE


def test_a_wait_wholly_outside_the_hours_counts_nothing():
    assert seconds("2026-11-14 10:00", "2026-11-15 18:00") == 0  # a weekend
    assert seconds("2026-11-10 19:00", "2026-11-11 08:59") == 0
    assert seconds("2026-11-10 10:00", "2026-11-10 10:00") == 0
    assert seconds("2026-11-10 10:00", "2026-11-10 09:00") == 0


def test_a_week_of_waiting_counts_five_working_days():
    assert seconds("2026-11-09 00:00", "2026-11-16 00:00") == 5 * 9 * HOUR


def test_the_span_is_cut_on_the_desks_clock_whatever_zone_the_moments_come_in():
    # 08:30 UTC is 17:30 in Tokyo (a Friday), 00:30 UTC on Monday is 09:30 there.
    start = datetime(2026, 11, 13, 8, 30, tzinfo=UTC)
    end = datetime(2026, 11, 16, 0, 30, tzinfo=UTC)
    assert business_seconds(start, end, NINE_TO_SIX) == 60 * MINUTE


def test_hours_on_another_desks_clock_follow_its_daylight_saving_change(settings):
    # New York's clocks went back on Sunday 1 November 2026; Monday 09:00 there is 14:00 UTC, not 13:00.
    settings.TIME_ZONE = "America/New_York"
    start = datetime(2026, 10, 30, 21, 30, tzinfo=UTC)  # Friday 17:30 EDT
    end = datetime(2026, 11, 2, 14, 30, tzinfo=UTC)  # Monday 09:30 EST
    assert business_seconds(start, end, NINE_TO_SIX) == 60 * MINUTE


# --- whose hours ---------------------------------------------------------------------------------------------------


def test_without_any_rows_every_queue_uses_the_settings_hours(people, settings):
    settings.REPORT_BUSINESS_HOURS = ("10:00", "19:00", (0, 1, 2, 3, 4, 5))
    schedule = Schedules().of(people.queue_a.pk)
    assert schedule == Schedule(time(10), time(19), frozenset(range(6)), closed_on_holidays=True)


def test_a_queue_with_its_own_hours_uses_them_and_the_others_the_desks(people):
    save_business_hours(BusinessHours(opens_at=time(8), closes_at=time(17)), actor=people.administrator)
    save_business_hours(
        BusinessHours(
            queue=people.queue_a,
            opens_at=time(10),
            closes_at=time(20),
            weekdays="0,1,2,3,4,5",
            closed_on_holidays=False,
        ),
        actor=people.administrator,
    )
    schedules = Schedules()
    assert schedules.of(people.queue_a.pk) == Schedule(time(10), time(20), frozenset(range(6)), False)
    assert schedules.of(people.queue_b.pk) == Schedule(time(8), time(17), WEEKDAYS, True)
    assert schedules.desk == Schedule(time(8), time(17), WEEKDAYS, True)


def test_a_queue_with_its_own_hours_and_no_desk_row_leaves_the_others_on_the_settings(people):
    save_business_hours(
        BusinessHours(queue=people.queue_a, opens_at=time(10), closes_at=time(20)), actor=people.administrator
    )
    schedules = Schedules()
    assert schedules.of(people.queue_a.pk).opens == time(10)
    assert schedules.of(people.queue_b.pk) == business_hours.default_schedule()


# --- in the report -------------------------------------------------------------------------------------------------


FRIDAY = date(2026, 11, 13)
AFTER = jst("2026-11-30 12:00")


def asked_friday_evening_answered_monday_morning(report_desk, text: str, by):
    question = report_desk.ask(jst("2026-11-13 17:30"), text)
    report_desk.answer(
        question,
        by=by,
        claimed=jst("2026-11-16 09:20"),
        written=jst("2026-11-16 09:25"),
        posted=jst("2026-11-16 09:30"),
    )
    return question


def frt_business_of(report: dict, queue_name: str) -> int:
    (row,) = [row for row in report["by_queue"] if row["name"] == queue_name]
    assert row["frt_business"]["n"] == 1
    return row["frt_business"]["median"]


def test_the_reports_business_first_response_time_uses_each_queues_hours(report_desk):
    people = report_desk.people
    save_business_hours(BusinessHours(opens_at=time(9), closes_at=time(18)), actor=people.administrator)
    save_business_hours(
        BusinessHours(queue=people.queue_a, opens_at=time(10), closes_at=time(19)), actor=people.administrator
    )
    asked_friday_evening_answered_monday_morning(report_desk, "Where is my order?", people.employee_a)
    asked_friday_evening_answered_monday_morning(report_desk, "Can you repair it?", people.employee_b)
    report = report_desk.report(FRIDAY, FRIDAY, now=AFTER)
    # Queue A's own hours (10–19): Friday 17:30–19:00, nothing on Monday before 10:00.
    assert frt_business_of(report, "Queue A") == 90 * MINUTE
    # Queue B has none: the desk's row (9–18), half an hour on Friday and half an hour on Monday.
    assert frt_business_of(report, "Queue B") == 60 * MINUTE
    # In calendar time both waited 2 days and 16 hours.
    assert report["totals"]["frt"]["median"] == 64 * HOUR


def test_the_reports_business_hours_fall_back_to_the_settings(report_desk, settings):
    settings.REPORT_BUSINESS_HOURS = ("09:00", "17:00", (0, 1, 2, 3, 4))
    asked_friday_evening_answered_monday_morning(report_desk, "Where is my order?", report_desk.people.employee_a)
    report = report_desk.report(FRIDAY, FRIDAY, now=AFTER)
    # Closed at 17:00 on Friday: only Monday's half hour.
    assert frt_business_of(report, "Queue A") == 30 * MINUTE


def test_the_reports_business_hours_skip_a_weekend_and_a_holiday(report_desk):
    question = report_desk.ask(jst("2026-11-20 17:30"))
    report_desk.answer(
        question, claimed=jst("2026-11-24 09:00"), written=jst("2026-11-24 09:20"), posted=jst("2026-11-24 09:30")
    )
    report = report_desk.report(date(2026, 11, 20), date(2026, 11, 20), now=AFTER)
    assert frt_business_of(report, "Queue A") == 60 * MINUTE
    # Calendar time: Friday 17:30 to Tuesday 09:30.
    assert report["totals"]["frt"]["median"] == 3 * 24 * HOUR + 16 * HOUR
