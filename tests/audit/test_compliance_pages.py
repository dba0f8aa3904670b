"""The compliance officer's pages: filters, keyset paging, a question's timeline, a person's activity, the
streamed exports (recorded, bounded in memory), the integrity page, bad input and who may see any of it."""

import csv
import html
import io
import json
import re
import time
import tracemalloc
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit import selectors
from audit.models import AuditCheckpoint, AuditEntry, AuditSeal, AuditVerification
from tests.helpers import last_entry_id, signed_in


@pytest.fixture
def officer(people) -> Client:
    return signed_in(people.compliance)


def shown(response) -> list[int]:
    assert response.status_code == 200, response
    return [entry.id for entry in response.context["entries"]]


def trail_ids(client, **params) -> list[int]:
    return shown(client.get(reverse("audit:trail"), params))


def expected(**lookups) -> list[int]:
    return list(AuditEntry.objects.filter(**lookups).order_by("-id").values_list("id", flat=True))


def entry(**fields) -> AuditEntry:
    """An entry written directly (the recorder stamps the current time; these tests need other times)."""
    values = {"created_at": timezone.now(), "actor_number": "system", "action": "test.entry", "payload": "{}"}
    values.update(fields)
    return AuditEntry.objects.bulk_create([AuditEntry(**values)])[0]


# --- filters -------------------------------------------------------------------------------------------------


def test_the_unfiltered_trail_shows_the_newest_entries_first(people, officer):
    ids = trail_ids(officer)
    assert ids == expected()[: selectors.PAGE_SIZE]
    assert ids == sorted(ids, reverse=True)


def test_actor_filter_is_case_insensitive_and_exact(people, officer):
    ids = trail_ids(officer, actor="s100")
    assert ids and ids == expected(actor_number="S100")
    assert trail_ids(officer, actor="S10") == []
    # Full-width input from a Japanese IME is the same number.
    assert trail_ids(officer, actor="Ｓ１００") == ids


def test_actor_filter_finds_the_worker_as_system(people, officer):
    system = entry(actor_number="system", action="inbox.mentions.ingested")
    assert system.id in trail_ids(officer, actor="SYSTEM")
    assert set(trail_ids(officer, actor="system")) == set(expected(actor_number="system"))


def test_action_filter_exact_code(people, officer):
    ids = trail_ids(officer, action="accounts.employee.approved")
    assert ids and ids == expected(action="accounts.employee.approved")


def test_action_filter_prefix_ending_in_a_dot(people, officer):
    ids = trail_ids(officer, action="accounts.employee.")
    actions = set(AuditEntry.objects.filter(id__in=ids).values_list("action", flat=True))
    assert {"accounts.employee.signed_up", "accounts.employee.approved", "accounts.employee.suspended"} <= actions
    assert all(a.startswith("accounts.employee.") for a in actions)
    assert ids == expected(action__startswith="accounts.employee.")
    # Without the dot it is an exact code, which no entry has.
    assert trail_ids(officer, action="accounts.employee") == []


def test_target_filter_one_thing_or_a_kind(people, officer):
    one = trail_ids(officer, target=f"accounts.employee:{people.employee_a.pk}")
    assert one and one == expected(target_type="accounts.employee", target_id=str(people.employee_a.pk))
    kind = trail_ids(officer, target="inbox.queue")
    assert kind and kind == expected(target_type="inbox.queue")


def test_time_range_includes_the_start_and_excludes_the_end(people, officer):
    base = datetime(2021, 3, 1, 1, 0, tzinfo=UTC)
    early, start, middle, end = (entry(created_at=base + timedelta(hours=h)) for h in (0, 1, 2, 3))
    tokyo = timezone.get_default_timezone()

    def local(moment):
        return moment.astimezone(tokyo).strftime("%Y-%m-%dT%H:%M:%S")

    ids = trail_ids(officer, **{"from": local(start.created_at), "to": local(end.created_at)})
    assert ids == [middle.id, start.id]
    assert early.id in trail_ids(officer, to=local(start.created_at))
    assert early.id not in trail_ids(officer, **{"from": local(start.created_at)})
    # An explicit offset is honoured too.
    assert trail_ids(officer, **{"from": start.created_at.isoformat(), "to": end.created_at.isoformat()}) == ids


def test_free_text_searches_the_target_label_and_the_recorded_data(people, officer):
    labelled = entry(target_label="Refund for order 77123", payload="{}")
    recorded = entry(target_label="something else", payload='{"text":"where is ORDER 77123?"}')
    entry(target_label="unrelated", payload='{"text":"nothing"}')
    assert trail_ids(officer, q="order 77123") == [recorded.id, labelled.id]


def test_filters_combine(people, officer):
    ids = trail_ids(officer, actor="S100", action="accounts.employee.", target="accounts.employee")
    assert ids == list(
        AuditEntry.objects.filter(
            actor_number="S100", action__startswith="accounts.employee.", target_type="accounts.employee"
        )
        .order_by("-id")
        .values_list("id", flat=True)
    )


def test_rows_link_to_the_timeline_and_the_activity_pages(people, officer):
    entry(target_type="inbox.question", target_id="4242", target_label="#4242 kato")
    page = officer.get(reverse("audit:trail")).content.decode()
    assert f'href="{reverse("audit:question_timeline", args=[4242])}"' in page
    assert f'href="{reverse("audit:employee_activity", args=["S100"])}"' in page
    assert f'href="{reverse("audit:integrity")}"' in page


# --- keyset paging -------------------------------------------------------------------------------------------


def older_link(response) -> str | None:
    match = re.search(r'<a href="(\?[^"]*)" rel="next">', response.content.decode())
    return html.unescape(match.group(1)) if match else None


def walk(client, url: str) -> list[int]:
    seen, pages = [], 0
    while url:
        response = client.get(url)
        seen += shown(response)
        link = older_link(response)
        url = url.split("?")[0] + link if link else None
        pages += 1
        assert pages < 100
    return seen


def test_older_entries_pages_show_every_entry_exactly_once(people, officer, monkeypatch):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 4)
    seen = walk(officer, reverse("audit:trail"))
    assert seen == expected()
    assert len(seen) > 3 * 4


def test_the_older_link_keeps_the_filters(people, officer, monkeypatch):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    seen = walk(officer, reverse("audit:trail") + "?action=accounts.employee.&actor=s100")
    assert seen == expected(action__startswith="accounts.employee.", actor_number="S100")
    assert len(seen) > 2


def test_pages_never_count_or_skip_with_offset(people, officer):
    with CaptureQueriesContext(connection) as queries:
        officer.get(reverse("audit:trail"), {"actor": "S100", "before": last_entry_id()})
        officer.get(reverse("audit:employee_activity", args=["E100"]))
    sql = " ".join(q["sql"].upper() for q in queries.captured_queries)
    assert "OFFSET" not in sql and "COUNT(" not in sql


# --- a question's timeline -----------------------------------------------------------------------------------


@pytest.fixture
def claimed(people, routed_to_a, ask):
    from inbox import claims

    question = ask("Where is my order?")
    claims.claim(question, actor=people.employee_a)
    return question


def test_question_timeline_shows_the_claim_oldest_first(people, officer, claimed):
    entry(target_type="inbox.question", target_id=str(claimed.pk + 1000), action="inbox.question.claimed")
    response = officer.get(reverse("audit:question_timeline", args=[claimed.pk]))
    ids = shown(response)
    assert ids == list(
        AuditEntry.objects.filter(target_type="inbox.question", target_id=str(claimed.pk))
        .order_by("id")
        .values_list("id", flat=True)
    )
    page = response.content.decode()
    assert "inbox.question.claimed" in page and ">claimed <" in page
    assert "E100" in page and "lease_ends" in page
    assert f'href="{reverse("audit:employee_activity", args=["E100"])}"' in page


def test_question_timeline_pages_forward(people, officer, claimed, monkeypatch):
    from inbox import claims

    for _ in range(4):
        claimed = claims.claim(claimed, actor=people.employee_a)
    monkeypatch.setattr(selectors, "TIMELINE_PAGE_SIZE", 2)
    url = reverse("audit:question_timeline", args=[claimed.pk])
    seen = walk(officer, url)
    assert seen == sorted(expected(target_type="inbox.question", target_id=str(claimed.pk)))
    assert len(seen) == 5


def test_question_timeline_is_404_only_without_entries_and_without_question(people, officer):
    assert officer.get(reverse("audit:question_timeline", args=[987654])).status_code == 404
    entry(target_type="inbox.question", target_id="987654", action="inbox.question.claimed")
    response = officer.get(reverse("audit:question_timeline", args=[987654]))
    assert response.status_code == 200 and len(shown(response)) == 1


def test_question_timeline_of_a_question_without_entries(people, officer, ask):
    question = ask("Hello there")
    response = officer.get(reverse("audit:question_timeline", args=[question.pk]))
    assert shown(response) == []


# --- a person's activity -------------------------------------------------------------------------------------


def test_employee_activity_shows_what_they_did_and_what_was_done_to_them(people, officer, claimed):
    response = officer.get(reverse("audit:employee_activity", args=["e100"]))
    ids = shown(response)
    rows = AuditEntry.objects.filter(id__in=ids)
    by_them = set(rows.filter(actor_number="E100").values_list("action", flat=True))
    to_them = set(rows.exclude(actor_number="E100").values_list("action", flat=True))
    assert "inbox.question.claimed" in by_them
    assert "accounts.employee.approved" in to_them
    everything = AuditEntry.objects.filter(actor_number="E100") | AuditEntry.objects.filter(
        target_type="accounts.employee", target_id=str(people.employee_a.pk)
    )
    assert ids == list(everything.order_by("-id").values_list("id", flat=True))
    assert len(ids) == len(set(ids))


def test_employee_activity_pages_show_every_entry_exactly_once(people, officer, monkeypatch):
    from accounts import services

    services.suspend_employee(people.employee_a, actor=people.supervisor, reason="left")
    services.reactivate_employee(people.employee_a, actor=people.supervisor)
    for _ in range(3):
        entry(actor_number="E100", action="accounts.session.signed_in")
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    seen = walk(officer, reverse("audit:employee_activity", args=["E100"]))
    everything = AuditEntry.objects.filter(actor_number="E100") | AuditEntry.objects.filter(
        target_type="accounts.employee", target_id=str(people.employee_a.pk)
    )
    assert seen == list(everything.order_by("-id").values_list("id", flat=True))
    assert len(seen) >= 6


def test_employee_activity_of_the_worker_and_of_nobody(people, officer):
    entry(actor_number="system", action="inbox.mentions.ingested")
    assert shown(officer.get(reverse("audit:employee_activity", args=["system"])))
    assert officer.get(reverse("audit:employee_activity", args=["ZZ999"])).status_code == 404


# --- exports -------------------------------------------------------------------------------------------------


def body(response) -> str:
    assert response.status_code == 200, response
    assert response.streaming
    return b"".join(response.streaming_content).decode("utf-8")


def exported_entries(mark: int) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(id__gt=mark, action="audit.trail.exported"))


def test_csv_export_streams_the_filtered_rows(people, officer):
    filters = {"action": "accounts.employee.", "actor": "S100"}
    wanted = sorted(expected(action__startswith="accounts.employee.", actor_number="S100"))
    mark = last_entry_id()
    response = officer.post(reverse("audit:export", args=["csv"]), filters)
    assert response["Content-Type"].startswith("text/csv")
    assert re.fullmatch(r'attachment; filename="audit-trail-\d{8}-\d{4}\.csv"', response["Content-Disposition"]), (
        response["Content-Disposition"]
    )
    rows = list(csv.DictReader(io.StringIO(body(response).removeprefix("\ufeff"))))
    assert [int(row["id"]) for row in rows] == wanted
    assert all(row["actor_number"] == "S100" and row["action"].startswith("accounts.employee.") for row in rows)
    approved = next(row for row in rows if row["action"] == "accounts.employee.approved")
    assert json.loads(approved["after"])["status"] == "active"
    [export] = exported_entries(mark)
    assert export.actor_number == "C100"
    assert export.target_type == "audit.trail" and export.target_label == "csv"
    assert export.after == {"format": "csv", "filters": {"action": "accounts.employee.", "actor": "S100"}}


def test_jsonl_export_streams_one_object_per_entry_with_the_seal(people, officer):
    sealed = AuditEntry.objects.filter(actor_number="S100").order_by("id").first()
    seq = (AuditSeal.objects.order_by("-seq").values_list("seq", flat=True).first() or 0) + 1
    AuditSeal.objects.create(seq=seq, entry=sealed, prev_hash="0" * 64, hash="ab" * 32, sealed_at=timezone.now())
    wanted = sorted(expected(actor_number="S100"))
    mark = last_entry_id()
    response = officer.post(reverse("audit:export", args=["jsonl"]), {"actor": "s100"})
    assert response["Content-Disposition"].endswith('.jsonl"')
    lines = [json.loads(line) for line in body(response).splitlines()]
    assert [line["id"] for line in lines] == wanted
    first = lines[0]
    assert first["seq"] == seq and first["hash"] == "ab" * 32
    assert datetime.fromisoformat(first["created_at"]) == sealed.created_at
    assert {
        "actor_number",
        "action",
        "target_type",
        "target_id",
        "target_label",
        "before",
        "after",
        "source_address",
        "request_id",
    } <= set(first)
    assert all("seq" not in line or line["id"] == sealed.id for line in lines)
    assert len(exported_entries(mark)) == 1


def test_export_of_a_time_range_records_the_filters_in_utc(people, officer):
    mark = last_entry_id()
    response = officer.post(reverse("audit:export", args=["jsonl"]), {"from": "2021-03-01T10:00", "q": "order"})
    body(response)
    [export] = exported_entries(mark)
    assert export.after["filters"] == {"from": "2021-03-01T01:00:00+00:00", "q": "order"}


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(people, officer):
    formula = entry(target_label='=HYPERLINK("http://evil.example","x")')
    response = officer.post(reverse("audit:export", args=["csv"]), {"actor": "system", "q": "HYPERLINK"})
    [row] = list(csv.DictReader(io.StringIO(body(response).removeprefix("\ufeff"))))
    assert int(row["id"]) == formula.id
    assert row["target_label"] == "'" + formula.target_label


def test_unknown_export_formats_are_404_and_not_recorded(people, officer):
    mark = last_entry_id()
    assert officer.post(reverse("audit:export", args=["xml"])).status_code == 404
    assert exported_entries(mark) == []


def test_export_streams_in_bounded_memory(people, officer):
    """50,000 fat entries (about 30 MB of CSV) stream with a peak far below what holding them would take."""
    started = time.monotonic()
    now = timezone.now()
    AuditEntry.objects.bulk_create(
        (
            AuditEntry(
                created_at=now,
                actor_number="system",
                action="test.bulk",
                target_type="inbox.question",
                target_id=str(n),
                target_label=f"#{n} " + "x" * 190,
                after={"text": "y" * 300, "n": n},
                payload="{}",
            )
            for n in range(50_000)
        ),
        batch_size=5000,
    )
    response = officer.post(reverse("audit:export", args=["csv"]), {"action": "test.bulk"})
    assert response.streaming
    tracemalloc.start()
    try:
        total = rows = 0
        for chunk in response.streaming_content:
            total += len(chunk)
            rows += chunk.count(b"\n")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert rows == 50_001  # the header and every entry
    assert total > 25_000_000
    assert peak < 10_000_000, f"peak {peak / 1e6:.1f} MB for {total / 1e6:.1f} MB of CSV"
    assert time.monotonic() - started < 60


# --- integrity -----------------------------------------------------------------------------------------------


def test_integrity_page_without_verification_or_checkpoint(people, officer):
    page = officer.get(reverse("audit:integrity")).content.decode()
    assert "The trail has not been verified yet." in page
    assert "No checkpoint has been written yet." in page
    assert "verify_audit" in page


def test_integrity_page_shows_the_latest_verification_checkpoint_and_seals(people, officer):
    now = timezone.now()
    first = AuditEntry.objects.order_by("id").first()
    AuditSeal.objects.create(seq=1, entry=first, prev_hash="0" * 64, hash="cd" * 32, sealed_at=now)
    AuditVerification.objects.create(
        started_at=now - timedelta(days=2), finished_at=now - timedelta(days=2), checked=5, head_seq=5, problems=[]
    )
    AuditVerification.objects.create(
        started_at=now,
        finished_at=now,
        checked=1,
        head_seq=1,
        problems=["entry 7: hash does not match", {"seq": 9, "problem": "missing"}],
    )
    AuditCheckpoint.objects.create(seq=1, head_hash="cd" * 32, created_at=now, written_to="/var/log/audit-head")
    page = officer.get(reverse("audit:integrity")).content.decode()
    assert "Problems found" in page
    assert "entry 7: hash does not match" in page and "missing" in page
    assert "cd" * 32 in page and "/var/log/audit-head" in page
    assert "Waiting to be sealed" in page


# --- bad input -----------------------------------------------------------------------------------------------

BAD_TRAIL_QUERIES = [
    {"before": "²"},
    {"before": "-1"},
    {"before": "0"},
    {"before": "99999999999999999999999999"},
    {"from": "notadate"},
    {"to": "2026-13-45"},
    {"from": "0001-01-01T00:00"},
    {"to": "9999-12-31T23:59:59-12:00"},
    {"from": "2026-01-02", "to": "2026-01-01"},
    {"action": "DROP TABLE audit;"},
    {"action": "inbox..reply"},
    {"target": "inbox.question:"},
    {"target": "inbox.question:1 2"},
    {"target": ":42"},
    {"actor": "E 100"},
    {"actor": "E" * 40},
    {"q": "x\x00y"},
    {"q": "x" * 500},
]


@pytest.mark.parametrize("query", BAD_TRAIL_QUERIES, ids=lambda q: repr(q)[:40])
def test_bad_filters_show_an_error_and_no_entries(people, officer, query):
    response = officer.get(reverse("audit:trail"), query)
    assert response.status_code == 200
    assert response.context["entries"] == []
    assert "These filters could not be used" in response.content.decode()


@pytest.mark.parametrize("query", BAD_TRAIL_QUERIES[:8], ids=lambda q: repr(q)[:40])
def test_bad_filters_export_nothing_and_record_nothing(people, officer, query):
    mark = last_entry_id()
    response = officer.post(reverse("audit:export", args=["csv"]), query)
    assert response.status_code == 400 and not response.streaming
    assert "These filters could not be used" in response.content.decode()
    assert exported_entries(mark) == []


@pytest.mark.parametrize("value", ["²", "-1", "abc", "99999999999999999999999999"])
def test_bad_positions_on_the_timeline_and_activity_pages_start_from_the_top(people, officer, value):
    entry(target_type="inbox.question", target_id="31337")
    assert officer.get(reverse("audit:question_timeline", args=[31337]), {"after": value}).status_code == 200
    assert officer.get(reverse("audit:employee_activity", args=["E100"]), {"before": value}).status_code == 200


def test_odd_numbers_in_the_activity_url_are_404_not_500(people, officer):
    for number in ["Ｅ１００", "e100"]:
        assert officer.get(reverse("audit:employee_activity", args=[number])).status_code == 200
    for number in ["%00", "a b", "x" * 300, "../../etc"]:
        assert officer.get(f"/audit/people/{number}/").status_code == 404


# --- who may see it ------------------------------------------------------------------------------------------


def every_url(people) -> list[str]:
    entry(target_type="inbox.question", target_id="5150")
    return [
        reverse("audit:trail"),
        reverse("audit:trail") + "?actor=E100",
        reverse("audit:question_timeline", args=[5150]),
        reverse("audit:employee_activity", args=["E100"]),
        reverse("audit:integrity"),
    ]


# Started by a POST (the buttons on the trail page), never by opening a URL.
EXPORTS = [reverse("audit:export", args=["csv"]), reverse("audit:export", args=["jsonl"])]


@pytest.mark.parametrize("persona", ["compliance", "administrator"])
def test_trail_readers_reach_every_page(people, persona):
    client = signed_in(getattr(people, persona))
    for url in every_url(people):
        assert client.get(url).status_code == 200, url
    for url in EXPORTS:
        assert client.post(url).status_code == 200, url


@pytest.mark.parametrize("persona", ["supervisor", "employee_a", "employee_b"])
def test_everyone_else_is_refused(people, persona):
    client = signed_in(getattr(people, persona))
    mark = last_entry_id()
    for url in every_url(people):
        assert client.get(url).status_code == 403, url
    for url in EXPORTS:
        assert client.post(url).status_code == 403, url
        assert client.get(url).status_code == 403, url
    assert exported_entries(mark) == []


@pytest.mark.parametrize("persona", ["anonymous", "pending", "rejected"])
def test_strangers_and_sign_ups_are_sent_away(people, persona):
    client = Client() if persona == "anonymous" else signed_in(getattr(people, persona))
    target = reverse("account_login") if persona == "anonymous" else reverse("accounts:status")
    mark = last_entry_id()
    for url in every_url(people):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(target), url
    for url in EXPORTS:
        response = client.post(url)
        assert response.status_code == 302 and response["Location"].startswith(target), url
    assert exported_entries(mark) == []


def test_pages_are_read_only(people, officer):
    for url in [reverse("audit:trail"), reverse("audit:integrity")]:
        assert officer.post(url).status_code == 405


# --- exports are POSTs -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_opening_an_export_url_records_nothing_and_points_to_the_trail(people, officer, fmt):
    """A link or an image on another site (or an old bookmark) cannot make a reader's browser record an export."""
    mark = last_entry_id()
    response = officer.get(reverse("audit:export", args=[fmt]), {"actor": "S100", "q": "order", "before": "5"})
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert not response.streaming and "Content-Disposition" not in response
    page = response.content.decode()
    assert "Start an export from the trail page" in page
    assert f'href="{reverse("audit:trail")}?actor=S100&amp;q=order"' in page  # the filters, not the position
    assert exported_entries(mark) == []
    assert last_entry_id() == mark


def test_an_export_without_the_csrf_token_is_refused_and_records_nothing(people):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.compliance)
    mark = last_entry_id()
    response = client.post(reverse("audit:export", args=["csv"]), {"actor": "S100"})
    assert response.status_code == 403
    assert exported_entries(mark) == []


def test_the_trail_page_exports_its_filters_through_a_form_with_the_csrf_token(people, officer):
    page = officer.get(reverse("audit:trail"), {"actor": "S100", "action": "accounts.employee."}).content.decode()
    export_form = re.search(r'<form id="audit-export" method="post" action="([^"]+)"[^>]*>(.*?)</form>', page, re.S)
    assert export_form and export_form[1] == reverse("audit:export", args=["csv"])
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', export_form[2]))
    assert fields.pop("csrfmiddlewaretoken")
    assert fields == {"actor": "S100", "action": "accounts.employee."}
    buttons = re.findall(r'<button type="submit" class="link" form="audit-export" formaction="([^"]+)">', page)
    assert buttons == [reverse("audit:export", args=["csv"]), reverse("audit:export", args=["jsonl"])]
    assert f'href="{reverse("audit:export", args=["csv"])}' not in page


def test_the_trail_page_offers_no_export_for_filters_it_could_not_use(people, officer):
    page = officer.get(reverse("audit:trail"), {"from": "notadate"}).content.decode()
    assert 'id="audit-export"' not in page and 'form="audit-export"' not in page


def test_integrity_page_shows_the_last_anchor_written_outside_the_database(people, officer):
    from audit.sealer import seal_pending

    seal_pending()
    head = AuditSeal.objects.order_by("-seq").values_list("hash", flat=True).first()
    page = officer.get(reverse("audit:integrity")).content.decode()
    assert "Last anchor" in page and head in page


def test_integrity_page_says_when_no_anchor_can_be_read_here(people, officer):
    page = officer.get(reverse("audit:integrity")).content.decode()
    assert "No anchor can be read here" in page
