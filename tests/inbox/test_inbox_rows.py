"""The inbox's rows as inbox/templatetags/inbox_rows.py draws them: every state a row shows, in both languages,
escaped as the templates were, and with the same queries for one row as for a full page (the rows read only the
columns the selector fetches: a column it left out would cost a query per row)."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from inbox import claims
from inbox.configuration import save_setting
from inbox.escalations import escalate
from inbox.models import Department, Escalation, Question
from inbox.services import close_question
from tests import cast


def signed_in(employee, **headers) -> Client:
    client = Client(headers=headers)
    client.force_login(employee)
    return client


def inbox_page(client, query: str = "") -> str:
    response = client.get(reverse("inbox:inbox") + query)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def refunds(people) -> Department:
    return save_setting(
        Department(code="refunds", name_ja="返金チーム", name_en="Payments & <refunds>", accept_within_minutes=30),
        actor=people.administrator,
    )


@pytest.fixture
def every_kind_of_row(people, routed_to_a, ask, refunds) -> dict[str, Question]:
    """Open rows that are free, held by E100, held by a colleague, escalated (customer not told yet) and long."""
    colleague = cast.approved("E101", by=people.supervisor, role=Role.EMPLOYEE, queues=[people.queue_a])
    rows = {
        "free": ask("order free", customer="free"),
        "mine": ask("order mine", customer="mine"),
        "theirs": ask("order theirs", customer="theirs"),
        "escalated": ask("order escalated", customer="escalated"),
        "long": ask("order " + "長い質問です。" * 20, customer="long"),
    }
    claims.claim(rows["mine"], actor=people.employee_a)
    claims.claim(rows["theirs"], actor=colleague)
    escalate(rows["escalated"], actor=people.supervisor, department=refunds, reason=Escalation.Reason.values[0])
    return rows


def test_a_full_page_of_rows_costs_the_queries_of_one_row(people, routed_to_a, ask, every_kind_of_row):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in(people.employee_a)
    inbox_page(client)  # the session and the caches settled
    with CaptureQueriesContext(connection) as one_row:
        assert inbox_page(client, "?mine=on").count("data-question-row") == 1
    with CaptureQueriesContext(connection) as full_page:
        page = inbox_page(client)
    assert page.count("data-question-row") == len(every_kind_of_row)
    assert len(full_page) == len(one_row), [q["sql"] for q in full_page.captured_queries]


def test_every_state_of_a_row_is_shown(people, every_kind_of_row):
    rows = every_kind_of_row
    page = inbox_page(signed_in(people.employee_a))
    assert '<span class="qrow-holder free">free</span>' in page
    assert '<span class="qrow-holder mine">you hold it until ' in page
    assert '<span class="qrow-holder other"><span class="mono">E101</span> until ' in page
    assert "escalated to Payments &amp; &lt;refunds&gt;, customer not told yet" in page
    assert '<details class="qrow-text">' in page and "Show all" in page and "Show less" in page
    question = rows["free"]
    assert f'<a class="qrow-link" href="{reverse("inbox:question", args=[question.pk])}">' in page
    assert f'<input type="hidden" name="row" value="{question.pk}:{question.version}">' in page


def test_the_rows_speak_japanese(people, every_kind_of_row):
    page = inbox_page(signed_in(people.employee_a, **{"Accept-Language": "ja"}))
    assert '<span class="qrow-holder free">未担当</span>' in page
    assert "返金チーム へエスカレーション（お客様に未連絡）" in page
    # The wait's words, not its length: the fixture's work may take a minute on a loaded machine.
    assert re.search(r'<span class="waited" title="[^"]+">待ち時間 ', page) and "すべて表示" in page


def test_what_a_customer_wrote_is_escaped(people, routed_to_a, ask):
    ask('order <script>alert("x")</script> & <b>more</b>', customer="mallory")
    page = inbox_page(signed_in(people.employee_a))
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;more&lt;/b&gt;" in page
    assert "<script>alert" not in page and "<b>more" not in page


def test_a_row_of_a_closed_question_says_when_it_was_asked(people, routed_to_a, ask):
    question = ask("order closed", customer="closed")
    close_question(question, actor=people.supervisor, reason="Spam")
    page = inbox_page(signed_in(people.employee_a), "?status=closed")
    assert '<span class="badge closed">Closed</span>' in page
    assert re.search(r'<span class="asked" title="[^"]+">asked [^<]+ ago</span>', page) and ">free<" not in page
