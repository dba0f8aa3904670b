"""Which days a report covers: the period a person typed (refused with a sentence when it cannot be reported), or one
of the usual ones, counted from the desk's local today."""

from datetime import date, timedelta

import pytest

from reports import periods
from reports.errors import BadPeriod
from reports.periods import Period, parse, preset

# A Monday.
TODAY = date(2026, 12, 7)


def refused(start, end, today=TODAY) -> str:
    with pytest.raises(BadPeriod) as error:
        parse(start, end, today)
    return error.value.message


# --- typed periods -------------------------------------------------------------------------------------------------


def test_two_dates_give_the_days_from_the_first_to_the_last_inclusive():
    period = parse("2026-11-30", "2026-12-06", TODAY)
    assert period == Period(date(2026, 11, 30), date(2026, 12, 6))
    assert period.days == 7


def test_one_day_is_a_period():
    assert parse("2026-12-01", "2026-12-01", TODAY).days == 1


def test_nothing_given_is_last_week():
    assert parse(None, None, TODAY) == parse("", "", TODAY) == Period(date(2026, 11, 30), date(2026, 12, 6))


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2026-13-01", "2026-12-06"),
        ("2026-11-31", "2026-12-06"),
        ("last monday", "2026-12-06"),
        ("2026-11-30", ""),
        (None, "2026-12-06"),
        ("30/11/2026", "06/12/2026"),
    ],
)
def test_a_date_that_is_not_one_is_refused_with_an_example(start, end):
    assert refused(start, end) == "Give the period as two dates, for example 2026-11-30 and 2026-12-06."


def test_a_reversed_period_is_refused():
    assert refused("2026-12-06", "2026-11-30") == "The period's first day must not be after its last day."


def test_a_period_starting_after_today_is_refused():
    assert refused("2026-12-08", "2026-12-10") == "The period starts in the future: there is nothing to report yet."


def test_a_period_running_past_today_ends_today():
    assert parse("2026-12-01", "2026-12-31", TODAY) == Period(date(2026, 12, 1), TODAY)
    assert parse("2026-12-07", "2026-12-07", TODAY) == Period(TODAY, TODAY)


def test_a_period_longer_than_the_longest_is_refused():
    longest_first = TODAY - timedelta(days=periods.LONGEST_DAYS - 1)
    assert parse(longest_first.isoformat(), TODAY.isoformat(), TODAY).days == periods.LONGEST_DAYS
    too_early = (longest_first - timedelta(days=1)).isoformat()
    assert (
        refused(too_early, TODAY.isoformat())
        == f"A report covers at most {periods.LONGEST_DAYS} days; choose a shorter period."
    )


def test_the_length_is_counted_after_the_period_is_cut_at_today():
    first = TODAY - timedelta(days=periods.LONGEST_DAYS - 1)
    assert parse(first.isoformat(), "2030-01-01", TODAY).days == periods.LONGEST_DAYS


# --- presets -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("offset", range(7))
def test_last_week_is_monday_to_sunday_of_the_week_before_whatever_the_weekday(offset):
    today = TODAY + timedelta(days=offset)  # Monday 7 to Sunday 13 December
    last_week = preset("last_week", today)
    assert last_week == Period(date(2026, 11, 30), date(2026, 12, 6))
    assert last_week.first.weekday() == 0 and last_week.last.weekday() == 6


def test_last_week_across_the_new_year():
    assert preset("last_week", date(2027, 1, 3)) == Period(date(2026, 12, 21), date(2026, 12, 27))
    assert preset("last_week", date(2027, 1, 4)) == Period(date(2026, 12, 28), date(2027, 1, 3))


@pytest.mark.parametrize(
    ("today", "first", "last"),
    [
        (date(2026, 12, 7), date(2026, 7, 1), date(2026, 9, 30)),
        (date(2026, 10, 1), date(2026, 7, 1), date(2026, 9, 30)),
        (date(2026, 9, 30), date(2026, 4, 1), date(2026, 6, 30)),
        (date(2027, 1, 1), date(2026, 10, 1), date(2026, 12, 31)),
        (date(2026, 3, 31), date(2025, 10, 1), date(2025, 12, 31)),
        (date(2026, 4, 1), date(2026, 1, 1), date(2026, 3, 31)),
    ],
)
def test_last_quarter_is_the_whole_calendar_quarter_before_todays(today, first, last):
    assert preset("last_quarter", today) == Period(first, last)


def test_the_other_presets():
    assert preset("today", TODAY) == Period(TODAY, TODAY)
    assert preset("this_week", date(2026, 12, 10)) == Period(TODAY, date(2026, 12, 10))
    assert preset("this_week", TODAY) == Period(TODAY, TODAY)
    last_30 = preset("last_30_days", TODAY)
    assert last_30 == Period(date(2026, 11, 8), TODAY) and last_30.days == 30


def test_a_preset_is_chosen_by_name_unless_dates_are_given():
    assert parse(None, None, TODAY, named="last_quarter") == Period(date(2026, 7, 1), date(2026, 9, 30))
    assert parse("2026-12-01", "2026-12-02", TODAY, named="last_quarter") == Period(
        date(2026, 12, 1), date(2026, 12, 2)
    )


def test_every_preset_the_page_offers_is_a_period_that_parses():
    for name, _label in periods.PRESETS:
        period = parse(None, None, TODAY, named=name)
        assert period.first <= period.last <= TODAY
        assert period.days <= periods.LONGEST_DAYS
