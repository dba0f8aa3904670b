"""Durations kept as counts per bucket, so that a period's median and 90th percentile come from adding up its days
instead of reading every question again.

A bucket is named by its lower bound in seconds. The steps grow with the duration — 1 s below a minute, 10 s below
10 minutes, 1 minute below 2 hours, 5 minutes below a day, an hour beyond — so a figure read back is exact when it
falls on a step, and otherwise at most one step low (under 4 % of the figure from 2 hours on; at most 10 s under 10
minutes).

Percentiles are nearest-rank: the p-th percentile is the smallest duration within which p % of the items fall
("half of the questions were answered within the median"), which needs no interpolation and reads the same on a
histogram and on a list.
"""

import math
from collections.abc import Iterable, Mapping

# (below this many seconds, step in seconds)
STEPS = ((60, 1), (600, 10), (7200, 60), (86400, 300))
BEYOND = 3600

Histogram = dict[str, int]


def bucket(seconds: float) -> int:
    """The lower bound of the bucket a duration falls in; a negative duration (a clock skew of a second or two
    between X and the desk) counts as 0."""
    value = max(int(seconds), 0)
    for below, step in STEPS:
        if value < below:
            return value - value % step
    return value - value % BEYOND


def add(histogram: Histogram, seconds: float) -> None:
    key = str(bucket(seconds))
    histogram[key] = histogram.get(key, 0) + 1


def merge(into: Histogram, other: Mapping[str, int]) -> None:
    for key, count in other.items():
        into[key] = into.get(key, 0) + count


def count(histogram: Mapping[str, int]) -> int:
    return sum(histogram.values())


def percentile(histogram: Mapping[str, int], percent: float) -> int | None:
    """Nearest rank: the smallest bucket within which `percent` % of the items fall; None when empty."""
    total = count(histogram)
    if not total:
        return None
    rank = max(math.ceil(total * percent / 100), 1)
    seen = 0
    for key in sorted(histogram, key=int):
        seen += histogram[key]
        if seen >= rank:
            return int(key)
    raise AssertionError("unreachable: the ranks add up to the total")


def mean(histogram: Mapping[str, int]) -> int | None:
    """The mean of the buckets' lower bounds (a secondary figure: one slow case moves it, the median not)."""
    total = count(histogram)
    if not total:
        return None
    return round(sum(int(key) * n for key, n in histogram.items()) / total)


def nearest_rank(values: Iterable[float], percent: float) -> float | None:
    """The same percentile on a plain list of durations: what the histogram approximates (tests hold the two
    together)."""
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[max(math.ceil(len(ordered) * percent / 100), 1) - 1]
