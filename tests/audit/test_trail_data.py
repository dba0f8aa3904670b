"""The trail's "before and after" data is a table a person reads: one row per recorded field, the two sides next to
each other, times in the desk's time zone with the offset; entries' own times likewise; an ingestion's label in the
reader's plural forms."""

import re
from datetime import UTC, datetime

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit import recorder
from audit.models import AuditEntry
from inbox.configuration import save_setting
from inbox.ingest import ingest_mentions
from inbox.models import Queue


@pytest.fixture
def officer(people, settings) -> Client:
    settings.TIME_ZONE = "Asia/Tokyo"
    timezone.deactivate()
    client = Client()
    client.force_login(people.compliance)
    return client


def record(action: str, **fields) -> None:
    with transaction.atomic():
        recorder.record(action, actor=None, **fields)


def rows(page: str) -> list[tuple[str, ...]]:
    """The data tables' rows as (field, values...) of plain text."""
    found = []
    for body in re.findall(r'<table class="audit-data">.*?<tbody>(.*?)</tbody>', page, re.S):
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
            cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
            found.append(tuple(re.sub(r"<[^>]+>", "", cell).strip() for cell in cells))
    return found


def test_a_change_shows_each_field_on_a_row_with_before_and_after_side_by_side(officer, people):
    queue = Queue.objects.get(name="Queue A")
    queue.description = "Orders, delivery dates"
    save_setting(queue, actor=people.administrator)

    page = officer.get(reverse("audit:trail"), {"action": "inbox.queue.changed"}).content.decode()

    assert ("description", "Queue A questions", "Orders, delivery dates") in rows(page)
    assert ("name", "Queue A", "Queue A") in rows(page)
    assert '<tr class="changed">' in page
    assert '<th scope="col">Before</th><th scope="col">After</th>' in page


def test_times_in_the_data_are_shown_in_the_desks_zone_with_the_offset(officer):
    record(
        "test.timed",
        target_type="test",
        target_label="timed",
        after={"lease_ends": datetime(2026, 12, 1, 23, 42, 52, 70869, tzinfo=UTC), "note": "2026-12-01"},
    )
    page = officer.get(reverse("audit:trail"), {"action": "test.timed"}).content.decode()
    assert ("lease_ends", "2026-12-02 08:42:52 +09:00") in rows(page)
    assert ("note", "2026-12-01") in rows(page)
    assert "2026-12-01T23:42:52" not in page


def test_the_entrys_own_time_carries_the_offset(officer):
    record("test.timed", target_type="test", target_label="timed")
    page = officer.get(reverse("audit:trail"), {"action": "test.timed"}).content.decode()
    assert re.search(r"<time datetime=\"[^\"]+\">\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+09:00</time>", page)


def test_nested_data_reads_as_one_field_per_line_not_as_json(officer):
    record(
        "test.nested",
        target_type="test",
        target_label="nested",
        after={"filters": {"actor": "E100", "action": "inbox.reply."}, "reopened": [3, 4], "none": [], "ok": True},
    )
    page = officer.get(reverse("audit:trail"), {"action": "test.nested"}).content.decode()
    data = dict(row[:2] for row in rows(page))
    assert data == {
        "filters": "actor: E100\naction: inbox.reply.",
        "reopened": "3, 4",
        "none": "—",
        "ok": "true",
    }


def test_an_ingestion_is_labelled_1_post_or_3_posts(officer, fake_x, channel, routed_to_a):
    fake_x.mention("tanaka_k", "Where is my order?")
    ingest_mentions(channel)
    for n in range(3):
        fake_x.mention(f"customer_{n}", f"Where is my order? ({n})")
    ingest_mentions(channel)

    stored = AuditEntry.objects.filter(action="inbox.mentions.ingested").order_by("id")
    assert list(stored.values_list("target_label", flat=True)) == ["1 post", "3 posts"]
    page = officer.get(reverse("audit:trail"), {"action": "inbox.mentions.ingested"}).content.decode()
    assert "1 posts" not in page and "1 post" in page and "3 posts" in page


def test_an_ingestion_recorded_as_1_posts_before_the_fix_reads_right_on_the_page(officer):
    record("inbox.mentions.ingested", target_type="inbox.mentioncursor", target_label="1 posts", after={"posts": 1})
    page = officer.get(reverse("audit:trail"), {"action": "inbox.mentions.ingested"}).content.decode()
    assert "1 posts" not in page and "1 post" in page
