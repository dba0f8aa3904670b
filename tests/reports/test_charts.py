"""The charts module: the same picture for the same data (drawn once, then from the cache), an axis from zero, and
Japanese labels drawn with a Japanese font."""

import base64

from django.core.cache import cache

from replydesk import charts


def _svg(chart: charts.BarChart) -> str:
    return base64.b64decode(charts.svg_data_uri(chart).split(",", 1)[1]).decode()


def test_a_chart_is_named_by_what_it_draws():
    one = charts.bar_chart("曜日別の質問数", ["月", "火"], [("質問", [1, 2])])
    same = charts.bar_chart("曜日別の質問数", ["月", "火"], [("質問", [1.0, 2.0])])
    other = charts.bar_chart("曜日別の質問数", ["月", "火"], [("質問", [1, 3])])
    assert one.digest() == same.digest() != other.digest()


def test_a_chart_drawn_once_comes_from_the_cache_after(settings):
    chart = charts.bar_chart("Questions", ["a"], [("n", [4])])
    cache.delete(f"chart:png:{chart.digest()}")
    first = charts.png(chart)
    assert first.startswith(b"\x89PNG")
    assert cache.get(f"chart:png:{chart.digest()}") == first
    assert charts.png(chart) == first


def test_japanese_labels_are_drawn_in_ipaex_gothic():
    svg = _svg(charts.bar_chart("曜日別の質問数", ["月", "火"], [("質問", [1, 2])]))
    assert "<!-- 曜日別の質問数 -->" in svg and "<!-- 月 -->" in svg
    glyphs = {part.split('"')[0] for part in svg.split('id="')[1:] if "-" in part.split('"')[0]}
    fonts = {glyph.rsplit("-", 1)[0] for glyph in glyphs if not glyph.startswith(("matplotlib", "m"))}
    assert fonts == {"IPAexGothic"}


def test_an_empty_chart_reads_from_zero_to_one_not_around_zero():
    svg = _svg(charts.bar_chart("Nothing", ["a", "b"], [("n", [0, 0])]))
    assert "<!-- 0.0 -->" in svg or "<!-- 0 -->" in svg
    assert "−0" not in svg and "-0.04" not in svg
