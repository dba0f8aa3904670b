"""The report pages as their readers use them: the period report's charts beside tables with the same numbers, its
CSV tables, a period refused with a sentence, the desk today, and the weekly archive."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override, pgettext

from inbox import claims, outbox, services
from inbox.ingest import ingest_mentions
from inbox.models import Question, Reply
from replydesk.charts import recall
from reports import exports, figures, rollups
from tests.helpers import signed_in


@pytest.fixture
def answered(people, fake_x, channel, routed_to_a):
    """Three questions in queue A: two answered by E100 and posted on X, one still open."""
    ids = [fake_x.mention(f"customer_{n}", f"Where is my order {n}?") for n in range(3)]
    ingest_mentions(channel)
    questions = list(Question.objects.filter(source_post_id__in=ids).order_by("pk"))
    for question in questions[:2]:
        held = claims.claim(question, actor=people.employee_a)
        reply = services.send_reply(
            held, actor=people.employee_a, token=str(held.claim_token), body=f"On its way ({question.pk})."
        )
        assert outbox.deliver(reply.pk, channel).outcome == "sent"
    today = rollups.local_day(timezone.now())
    rollups.refresh_days(today - timedelta(days=1), today)
    return questions


def _period_url(day) -> str:
    return f"{reverse('reports:period')}?start={day.isoformat()}&end={day.isoformat()}"


def test_the_period_report_shows_charts_and_tables_with_the_same_numbers(client, people, answered):
    today = rollups.local_day(timezone.now())
    client = signed_in(people.supervisor)
    with override("ja"):
        page = client.get(_period_url(today), HTTP_ACCEPT_LANGUAGE="ja")
    assert page.status_code == 200
    report = page.context["report"]
    assert report["totals"]["asked"] == 3
    assert report["totals"]["answered"] == 2
    assert report["totals"]["replies"] == 2
    [queue] = report["by_queue"]
    assert (queue["name"], queue["asked"], queue["answered"]) == (people.queue_a.name, 3, 2)
    [person] = report["employees"]
    assert (person["number"], person["replies"]) == ("E100", 2)
    charts = page.context["charts"]
    assert {"by_day", "by_hour", "by_weekday", "first_response", "employees"} <= set(charts)
    html = page.content.decode()
    # Each chart is a picture of its own with a sentence for screen readers; the numbers stay in the tables.
    assert html.count('src="/reports/charts/') == len(charts)
    assert f'<td class="num" data-label="{_ja_count_asked()}">3</td>' in html
    # The chart of the employees draws what the table says: one bar labelled E100, of height 2.
    employees_chart = recall(charts["employees"]["digest"])
    assert employees_chart.categories == ("E100",)
    assert employees_chart.series[0].values == (2.0,)
    # Japanese labels are drawn with a Japanese font, not as missing-glyph boxes.
    picture = client.get(reverse("reports:chart", args=[charts["by_weekday"]["digest"]]))
    assert picture.status_code == 200 and picture["Content-Type"] == "image/svg+xml"
    svg = picture.content.decode()
    assert "<!-- 曜日別の質問数 -->" in svg
    assert "IPAexGothic-" in svg


def _ja_count_asked() -> str:
    with override("ja"):
        return pgettext("count of questions", "Asked")


def test_every_table_exports_as_csv_with_the_pages_numbers(client, people, answered):
    today = rollups.local_day(timezone.now())
    client = signed_in(people.supervisor)
    report = figures.period_report(today, today)
    for name in exports.TABLES:
        response = client.get(
            f"{reverse('reports:period_csv', args=[name])}?start={today.isoformat()}&end={today.isoformat()}"
        )
        assert response.status_code == 200, name
        assert response["Content-Type"].startswith("text/csv")
        assert f"report-{name}-{today.isoformat()}" in response["Content-Disposition"]
    response = client.get(
        f"{reverse('reports:period_csv', args=['employees'])}?start={today.isoformat()}&end={today.isoformat()}"
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["Employee", "Replies"]
    assert rows[1][:2] == ["E100", "2"]
    assert rows[1][2] == str(report["employees"][0]["handle"]["n"])


def test_a_bad_period_is_refused_with_a_sentence_and_last_week_is_shown(client, people):
    client = signed_in(people.supervisor)
    page = client.get(f"{reverse('reports:period')}?start=2026-12-06&end=2026-11-30")
    assert page.status_code == 400
    assert "must not be after its last day" in page.content.decode()
    assert page.context["period"].days == 7
    csv_refused = client.get(f"{reverse('reports:period_csv', args=['queues'])}?start=yesterday&end=")
    assert csv_refused.status_code == 400
    assert client.get(reverse("reports:period_csv", args=["nothing"])).status_code == 404


def test_the_desk_today_counts_open_overdue_and_todays_replies(client, people, answered):
    client = signed_in(people.compliance)
    page = client.get(reverse("reports:today"))
    assert page.status_code == 200
    today = page.context["today"]
    assert (today.unanswered, today.asked_today, today.replies_today) == (1, 3, 2)
    assert today.awaiting_approval == 0 and today.escalated == 0
    assert today.oldest_waiting_since == answered[2].waiting_since


def test_the_weekly_archive_shows_the_report_as_kept(client, people, answered):
    from reports.models import WeeklyReport

    today = rollups.local_day(timezone.now())
    kept = figures.period_report(today, today)
    WeeklyReport.objects.create(week_start=today, language="ja", data=kept, built_at=timezone.now())
    # Whatever happens to the desk afterwards, the archive shows what was kept.
    Reply.objects.all().update(sent_at=timezone.now() - timedelta(days=30))
    rollups.refresh_days(today, today)
    client = signed_in(people.supervisor)
    listing = client.get(reverse("reports:weekly_list"))
    assert today.isoformat() in listing.content.decode()
    page = client.get(reverse("reports:weekly", args=[today.isoformat()]))
    assert page.status_code == 200
    assert page.context["report"]["totals"]["replies"] == 2
    assert client.get(reverse("reports:weekly", args=["2001-01-01"])).status_code == 404
    assert client.get(reverse("reports:weekly", args=["not-a-date"])).status_code == 404


def test_employees_cannot_read_the_reports(client, people):
    client = signed_in(people.employee_a)
    for name in ("reports:today", "reports:period", "reports:weekly_list"):
        assert client.get(reverse(name)).status_code == 403
    assert client.get(reverse("reports:chart", args=["0" * 64])).status_code == 403
    assert re.search(r"reports", reverse("reports:today"))
