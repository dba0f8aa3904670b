"""The desk status page: the promise kept (unanswered, overdue, oldest) and the worker's health."""

import re

from django.urls import reverse
from django.utils import timezone

from inbox import tasks
from tests.helpers import wind_back

NORMAL_MINUTES = 120


def fact(page: str, name: str) -> str:
    match = re.search(rf'data-(?:fact|job)="{name}">(.*?)</dd>', page, re.S)
    assert match, f"no {name} on the page"
    return " ".join(match.group(1).split())


def test_supervisors_see_what_waits_and_whether_the_worker_runs(desk, ask_many, client):
    on_time, late, very_late = ask_many(3)
    wind_back([late], NORMAL_MINUTES + 5)
    wind_back([very_late], 2 * NORMAL_MINUTES + 5)
    tasks.flag_unanswered()
    client.force_login(desk.supervisor)

    page = client.get(reverse("inbox:status")).content.decode()

    assert (fact(page, "unanswered"), fact(page, "overdue"), fact(page, "warned")) == ("3", "2", "1")
    very_late.refresh_from_db()
    assert timezone.localtime(very_late.waiting_since).strftime("%Y-%m-%d %H:%M") in fact(page, "oldest")
    assert "ago" in fact(page, "flag-unanswered") and "late" not in fact(page, "flag-unanswered")
    # Nothing polled X in this test: the panel says so rather than showing a stale "fine".
    assert fact(page, "poll-mentions").startswith("never") and "late" in fact(page, "poll-mentions")
    assert fact(page, "outbox").startswith("0 / 0 / 0")
    assert "<td>Queue A</td>" in page


def test_the_status_panels_refresh_themselves(desk, client):
    client.force_login(desk.administrator)
    panels = client.get(reverse("inbox:status"), headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in panels and 'data-fact="unanswered">0<' in panels
    full = client.get(reverse("inbox:status")).content.decode()
    assert 'hx-trigger="every 30s"' in full
