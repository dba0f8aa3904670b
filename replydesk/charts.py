"""Charts drawn on the server: bars people read at a glance, with Japanese labels, for pages and for mail.

matplotlib draws them (its object API only: no pyplot, whose global state is not safe in a web process) with the
IPAex Gothic font that matplotlib-fontja ships, so Japanese labels render the same on any machine, with or
without fonts installed. A page links its charts as SVG pictures drawn in a request of their own (`remember`, then
`recall` by digest); mail attaches PNGs. A chart is cached by a digest of everything drawn on it, so a picture asked
for again is not drawn again.

The caller passes labels already translated; this module knows nothing of the desk.
"""

import base64
import hashlib
import io
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import matplotlib

matplotlib.use("Agg")

import matplotlib_fontja  # noqa: E402,F401 -- registers IPAex Gothic and makes it matplotlib's font
from django.core.cache import cache  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

# The desk's colours (static/css): a series keeps its colour from chart to chart.
PALETTE = ("#1f5f99", "#e08a1e", "#3c8d5a", "#b8433b", "#7a5aa6", "#5f6b73", "#c2a72f", "#2f9c9c")
CACHE_SECONDS = 24 * 3600
# Raise it whenever the drawing below changes: cached pictures of the same data are then drawn again.
CACHE_VERSION = 3


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float, ...]


@dataclass(frozen=True)
class BarChart:
    """Bars per category, one colour per series; `horizontal` for long category names (people, queues)."""

    title: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    value_label: str = ""
    horizontal: bool = False
    stacked: bool = False
    # A percentage axis runs 0–100 whatever the values.
    percent: bool = False
    # Drawn for half a page's width (two charts side by side): narrower, so its text stays readable when shown.
    half: bool = False

    def digest(self) -> str:
        drawn = json.dumps([CACHE_VERSION, asdict(self)], ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(drawn.encode()).hexdigest()


def bar_chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    value_label: str = "",
    horizontal: bool = False,
    stacked: bool = False,
    percent: bool = False,
    half: bool = False,
) -> BarChart:
    return BarChart(
        title=title,
        categories=tuple(str(c) for c in categories),
        series=tuple(Series(str(name), tuple(float(v) for v in values)) for name, values in series),
        value_label=value_label,
        horizontal=horizontal,
        stacked=stacked,
        percent=percent,
        half=half,
    )


def _figure(chart: BarChart) -> Figure:
    count = max(len(chart.categories), 1)
    # A horizontal chart grows with its categories (one line per person or queue), up to a screen's height.
    inches = 4.8 if chart.half else 7.2
    size = (inches, min(1.2 + 0.32 * count, 9.0)) if chart.horizontal else (inches, 3.4)
    figure = Figure(figsize=size, layout="constrained")
    axes = figure.subplots()
    positions = list(range(len(chart.categories)))
    several = len(chart.series) > 1 and not chart.stacked
    bar = 0.8 / len(chart.series) if several else 0.8
    base = [0.0] * len(positions)
    for index, series in enumerate(chart.series):
        colour = PALETTE[index % len(PALETTE)]
        offset = (index - (len(chart.series) - 1) / 2) * bar if several else 0.0
        where = [p + offset for p in positions]
        if chart.horizontal:
            axes.barh(where, series.values, height=bar, left=base, color=colour, label=series.name)
        else:
            axes.bar(where, series.values, width=bar, bottom=base, color=colour, label=series.name)
        if chart.stacked:
            base = [b + v for b, v in zip(base, series.values, strict=True)]
    axes.set_title(chart.title, loc="left", fontsize=11)
    value_axis = axes.xaxis if chart.horizontal else axes.yaxis
    value_axis.set_major_locator(MaxNLocator(nbins=6, integer=not chart.percent))
    if chart.horizontal:
        axes.set_yticks(positions, chart.categories, fontsize=8)
        axes.invert_yaxis()
        axes.set_xlabel(chart.value_label, fontsize=9)
        if chart.percent:
            axes.set_xlim(0, 100)
    else:
        # Labels turn when they would run into each other: at 8 pt a Latin character is about 4.5 pt wide, a Japanese
        # one 8 pt, with 2 pt between labels, and the axis gets about 85 % of the figure's width.
        label_points = max((sum(8 if ord(ch) > 0x2E7F else 4.5 for ch in c) for c in chart.categories), default=0)
        rotate = 45 if label_points + 2 > inches * 72 * 0.85 / count else 0
        axes.set_xticks(positions, chart.categories, fontsize=8, rotation=rotate, ha="right" if rotate else "center")
        axes.set_ylabel(chart.value_label, fontsize=9)
        if chart.percent:
            axes.set_ylim(0, 100)
    # Counts and durations start at zero; with nothing to draw the axis still reads 0 to 1, not ±0.04.
    empty = not any(value for series in chart.series for value in series.values)
    if not chart.percent:
        if chart.horizontal:
            axes.set_xlim(left=0, right=1 if empty else None)
        else:
            axes.set_ylim(bottom=0, top=1 if empty else None)
    axes.tick_params(labelsize=8)
    axes.grid(axis="x" if chart.horizontal else "y", color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    if len(chart.series) > 1:
        axes.legend(fontsize=8, frameon=False)
    return figure


def _drawn(chart: BarChart, fmt: str) -> bytes:
    key = f"chart:{fmt}:{chart.digest()}"
    image = cache.get(key)
    if image is None:
        buffer = io.BytesIO()
        _figure(chart).savefig(buffer, format=fmt, dpi=110, metadata={"Date": None} if fmt == "svg" else None)
        image = buffer.getvalue()
        cache.set(key, image, CACHE_SECONDS)
    return image


def svg(chart: BarChart) -> bytes:
    """The chart as an SVG document (text as outlines in IPAex Gothic)."""
    return _drawn(chart, "svg")


def svg_data_uri(chart: BarChart) -> str:
    """The chart as an <img src> carried inside the page."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg(chart)).decode("ascii")


def remember(chart: BarChart) -> str:
    """Keep what the chart draws under its digest, so that a request for the picture alone can draw it (a page links
    its charts instead of drawing them while the person waits); the digest."""
    digest = chart.digest()
    cache.set(f"chart:spec:{digest}", chart, CACHE_SECONDS)
    return digest


def recall(digest: str) -> BarChart | None:
    """The chart remembered under `digest`, if the cache still has it."""
    return cache.get(f"chart:spec:{digest}")


def png(chart: BarChart) -> bytes:
    """The chart as a PNG, for mail."""
    return _drawn(chart, "png")
