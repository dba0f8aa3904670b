"""Durations kept as bucket counts: a period's median and 90th percentile read from added-up days must be the
nearest-rank percentile of the durations themselves, to within the bucket the true figure falls in."""

from hypothesis import example, given
from hypothesis import strategies as st

from reports import histograms
from reports.histograms import bucket, nearest_rank, percentile

DAY = 86400
# Any wait a desk could report: from a clock skew of a few seconds below zero to a month.
durations = st.floats(min_value=-5, max_value=31 * DAY, allow_nan=False, allow_infinity=False)
percents = st.one_of(st.sampled_from([50, 90]), st.integers(min_value=1, max_value=100))


def histogram_of(values) -> histograms.Histogram:
    histogram: histograms.Histogram = {}
    for value in values:
        histograms.add(histogram, value)
    return histogram


def on_a_step(seconds: int) -> int:
    """The bucket's lower bound: a duration the histogram keeps exactly."""
    return bucket(seconds)


# --- buckets -------------------------------------------------------------------------------------------------------


def test_each_bucket_is_named_by_its_lower_bound_with_steps_growing_with_the_duration():
    cases = {
        0: 0,
        59: 59,
        59.9: 59,
        60: 60,
        69: 60,
        70: 70,
        599: 590,
        600: 600,
        659: 600,
        660: 660,
        7199: 7140,
        7200: 7200,
        7499: 7200,
        7500: 7500,
        DAY - 1: DAY - 300,
        DAY: DAY,
        DAY + 3599: DAY,
        DAY + 3600: DAY + 3600,
    }
    assert {seconds: bucket(seconds) for seconds in cases} == cases


def test_a_negative_duration_from_clock_skew_counts_as_zero():
    assert bucket(-2.5) == 0
    histogram = histogram_of([-2.5, -0.1])
    assert histogram == {"0": 2}


@given(st.floats(min_value=0, max_value=31 * DAY, allow_nan=False))
def test_a_figure_read_back_is_at_most_one_step_low_and_under_four_percent_from_two_hours_on(seconds):
    low = bucket(seconds)
    assert low <= seconds
    step = next((step for below, step in histograms.STEPS if int(seconds) < below), histograms.BEYOND)
    assert seconds - low < step
    if seconds >= 7200:
        assert (seconds - low) / seconds < 0.04


# --- nearest rank --------------------------------------------------------------------------------------------------


def test_nearest_rank_takes_an_item_of_the_list_without_interpolating():
    assert nearest_rank([4, 1, 3, 2], 50) == 2
    assert nearest_rank(range(1, 11), 90) == 9
    # ceil(11 × 0.9) = 10: the 10th smallest of 11.
    assert nearest_rank(range(1, 12), 90) == 10
    assert nearest_rank([7], 90) == 7
    assert nearest_rank([], 50) is None


def test_an_empty_histogram_has_no_percentile_and_no_mean():
    assert percentile({}, 50) is None
    assert histograms.mean({}) is None
    assert histograms.count({}) == 0


def test_the_mean_is_a_secondary_figure_from_the_buckets_lower_bounds():
    histogram = histogram_of([60, 120, 3600, 65])  # 65 s is kept as 60
    assert histograms.mean(histogram) == round((60 + 120 + 3600 + 60) / 4)
    assert percentile(histogram, 50) == 60


# --- the histogram against the list --------------------------------------------------------------------------------


@given(st.lists(durations, min_size=1, max_size=200), percents)
@example([0.0, 59.5, 60.0, 7199.0, 7200.0], 90)
@example([DAY - 1, DAY, DAY + 1], 50)
def test_a_histograms_percentile_is_the_bucket_of_the_lists_nearest_rank(values, percent):
    assert percentile(histogram_of(values), percent) == bucket(nearest_rank(values, percent))


@given(st.lists(st.integers(min_value=0, max_value=31 * DAY).map(on_a_step), min_size=1, max_size=200), percents)
def test_durations_on_bucket_steps_read_back_exactly(values, percent):
    assert percentile(histogram_of(values), percent) == nearest_rank(values, percent)


@given(st.lists(durations, max_size=100), st.lists(durations, max_size=100))
def test_merging_two_histograms_equals_one_histogram_of_both_lists(first, second):
    merged = histogram_of(first)
    histograms.merge(merged, histogram_of(second))
    assert merged == histogram_of(first + second)
    for percent in (50, 90):
        assert percentile(merged, percent) == (
            bucket(nearest_rank(first + second, percent)) if first + second else None
        )


def test_merging_leaves_the_other_histogram_as_it_was():
    other = {"60": 2}
    into = {"60": 1, "120": 1}
    histograms.merge(into, other)
    assert into == {"60": 3, "120": 1} and other == {"60": 2}
