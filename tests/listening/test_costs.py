"""The cost estimate shown before a stream is saved, on the figures of X's pay-per-use plan (research §4.2)."""

from decimal import Decimal

from listening import costs


def test_five_hundred_posts_a_day_cost_two_and_a_half_dollars_a_day_and_seventy_five_a_month():
    estimate = costs.estimate(
        500, counts_requests_per_day=0, post_read_usd=Decimal("0.005"), counts_request_usd=Decimal("0.005")
    )
    assert (estimate.read_cost_per_day, estimate.per_day, estimate.per_month) == (
        Decimal("2.500"),
        Decimal("2.500"),
        Decimal("75.000"),
    )


def test_each_counts_refresh_costs_one_request_whatever_it_counts():
    estimate = costs.estimate(
        100, counts_requests_per_day=4, post_read_usd=Decimal("0.005"), counts_request_usd=Decimal("0.005")
    )
    assert estimate.reads_per_day == 100
    assert estimate.read_cost_per_day == Decimal("0.5")
    assert estimate.counts_cost_per_day == Decimal("0.02")
    assert estimate.per_day == Decimal("0.52")
    assert estimate.per_month == Decimal("15.6")
    assert (estimate.read_cost_per_month, estimate.counts_cost_per_month) == (Decimal("15.0"), Decimal("0.6"))


def test_the_desks_settings_give_the_prices_and_the_refreshes_per_day(settings):
    settings.LISTENING_PRICE_POST_READ_USD = 0.005
    settings.LISTENING_PRICE_COUNTS_REQUEST_USD = 0.005
    settings.LISTENING_VOLUME_REFRESH_MINUTES = 360
    estimate = costs.estimate_for_budget(1000)
    assert estimate.counts_requests_per_day == 4
    assert estimate.per_day == Decimal("5.02")
    assert estimate.per_month == Decimal("150.60")

    settings.LISTENING_VOLUME_REFRESH_MINUTES = 50  # 28.8 refreshes a day: the 29th is made too
    assert costs.estimate_for_budget(1000).counts_requests_per_day == 29
