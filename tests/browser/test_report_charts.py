"""In Chromium, in Japanese: a supervisor opens last week's report and this week's; each chart is drawn (a picture,
not a broken image), with the Japanese labels drawn in a Japanese font, and the tables beside the charts carry the
same numbers."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from inbox import claims, outbox, services
from reports import rollups

from .question_pages import open_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_charts_render_with_japanese_labels_and_match_the_tables(
    browser, live_server, people, routed_to_a, ask, channel, tmp_path
):
    for n in range(2):
        question = claims.claim(
            ask(f"注文した商品はどこですか order {n}", customer=f"kato_{n}"), actor=people.employee_a
        )
        reply = services.send_reply(
            question, actor=people.employee_a, token=str(question.claim_token), body=f"明日お届けします。({n})"
        )
        assert outbox.deliver(reply.pk, channel).outcome == "sent"
    ask("注文を取り消したい order", customer="kato_open")
    today = rollups.local_day(timezone.now())
    rollups.refresh_days(today - timedelta(days=1), today)

    page = open_as(
        browser,
        live_server,
        people.supervisor,
        f"/reports/period/?start={today.isoformat()}&end={today.isoformat()}",
        locale="ja-JP",
    )
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(page.locator("h1")).to_contain_text("レポート")
    charts = page.locator("img[data-chart]")
    expect(charts.first).to_be_visible()
    keys = charts.evaluate_all("images => images.map(i => i.dataset.chart)")
    assert {"by_day", "by_hour", "by_weekday", "first_response", "employees"} <= set(keys)
    # Every chart decoded to a picture of its own size: a broken image has no natural width.
    widths = charts.evaluate_all("images => images.map(i => i.complete && i.naturalWidth)")
    assert all(width and width > 300 for width in widths), widths
    for image in charts.all():
        assert image.get_attribute("alt")

    # The numbers beside the charts: the tiles and the queue's row say 3 asked; the employees' table, E100 with 2.
    expect(page.locator(".tile").first.locator(".tile-figure")).to_have_text("3")
    people_row = page.locator("section#people, section[aria-labelledby=people]").locator("tbody tr").first
    expect(people_row.locator("th")).to_have_text("E100")
    expect(people_row.locator("td").first).to_have_text("2")

    # The picture itself: a screenshot of the weekday chart is not blank, and its SVG names the Japanese title it
    # drew with the IPAex Gothic glyphs (text as outlines: no missing-glyph boxes whatever fonts the machine has).
    weekday_chart = page.locator("img[data-chart=by_weekday]")
    shot = weekday_chart.screenshot(path=str(tmp_path / "weekday.png"))
    assert len(shot) > 2000
    svg = weekday_chart.evaluate("i => fetch(i.src).then(r => r.text())")
    title = page.evaluate("() => document.documentElement.lang")
    assert title.startswith("ja")
    assert "IPAexGothic-" in svg
    assert "<!-- 曜日別の質問数 -->" in svg
