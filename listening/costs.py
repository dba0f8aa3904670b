"""What a stream costs on X's pay-per-use plan: a pure estimate shown before a stream is saved, and the figures the
period report adds up. Prices are settings (LISTENING_PRICE_*, with their source beside them).

- Reads: each post a search returns is billed (X de-duplicates per UTC day, so a post read twice in one day is billed
  once: counting every read gives an upper bound). A stream reads at most its daily budget.
- Volume: each counts request is billed once, whatever it counts; a stream's chart is refreshed every
  LISTENING_VOLUME_REFRESH_MINUTES.
"""

import math
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

MONTH_DAYS = 30


@dataclass(frozen=True)
class CostEstimate:
    """In US dollars, at most: a stream reads no more than its budget."""

    reads_per_day: int
    read_cost_per_day: Decimal
    counts_requests_per_day: int
    counts_cost_per_day: Decimal
    per_day: Decimal
    per_month: Decimal
    post_read_usd: Decimal
    counts_request_usd: Decimal
    month_days: int = MONTH_DAYS

    @property
    def read_cost_per_month(self) -> Decimal:
        return self.read_cost_per_day * self.month_days

    @property
    def counts_cost_per_month(self) -> Decimal:
        return self.counts_cost_per_day * self.month_days


def estimate(
    daily_read_budget: int, *, counts_requests_per_day: int, post_read_usd: Decimal, counts_request_usd: Decimal
) -> CostEstimate:
    """The most a stream with this budget costs per day and per 30-day month, in US dollars."""
    read_cost = daily_read_budget * post_read_usd
    counts_cost = counts_requests_per_day * counts_request_usd
    per_day = read_cost + counts_cost
    return CostEstimate(
        reads_per_day=daily_read_budget,
        read_cost_per_day=read_cost,
        counts_requests_per_day=counts_requests_per_day,
        counts_cost_per_day=counts_cost,
        per_day=per_day,
        per_month=per_day * MONTH_DAYS,
        post_read_usd=post_read_usd,
        counts_request_usd=counts_request_usd,
    )


def post_read_price() -> Decimal:
    return Decimal(str(settings.LISTENING_PRICE_POST_READ_USD))


def counts_request_price() -> Decimal:
    return Decimal(str(settings.LISTENING_PRICE_COUNTS_REQUEST_USD))


def counts_requests_per_day() -> int:
    return math.ceil(24 * 60 / settings.LISTENING_VOLUME_REFRESH_MINUTES)


def estimate_for_budget(daily_read_budget: int) -> CostEstimate:
    """`estimate` at the prices and refresh interval the desk is configured with."""
    return estimate(
        daily_read_budget,
        counts_requests_per_day=counts_requests_per_day(),
        post_read_usd=post_read_price(),
        counts_request_usd=counts_request_price(),
    )
