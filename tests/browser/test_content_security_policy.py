"""In Chromium, under the desk's Content-Security-Policy: the pages that run script or draw something unusual still
work (htmx, the composer and its templates, the language switcher, the trail's export, allauth's TOTP set-up with
its QR code, the admin), and the policy blocks nothing on them. The autouse `csp_watch` (conftest.py) fails any
browser test on whose pages the policy blocked something; the first test shows that it would."""

import csv
import io
from pathlib import Path

import pytest
from django.test import Client
from playwright.sync_api import expect

from accounts.models import Role
from audit.models import AuditEntry
from inbox.configuration import save_setting
from inbox.models import ReplyTemplate, RoutingRule
from tests import cast
from tests.helpers import last_entry_id

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in_page(browser, live_server, person, locale="en-US"):
    """A page whose browser holds a session of `person`, without the sign-in form (and its TOTP step)."""
    client = Client()
    client.force_login(person)
    context = browser.new_context(locale=locale)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    return context.new_page()


def test_the_watch_sees_what_the_policy_blocks(browser, live_server, csp_watch):
    page = browser.new_context().new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.evaluate(
        """() => {
        document.body.insertAdjacentHTML("beforeend", '<p style="color: red">inline style</p>');
        const script = document.createElement("script");
        script.textContent = "window.ran = true";
        document.body.append(script);
    }"""
    )
    assert page.evaluate("window.ran") is None
    blocked = csp_watch.take()
    assert any("style-src" in report for report in blocked), blocked
    assert any("script-src" in report for report in blocked), blocked


def test_htmx_runs_without_inline_style_or_eval(browser, live_server, people):
    page = signed_in_page(browser, live_server, people.employee_a)
    page.goto(f"{live_server.url}/inbox/")
    page.wait_for_function("window.htmx !== undefined")
    assert page.evaluate("[htmx.config.includeIndicatorStyles, htmx.config.allowEval]") == [False, False]
    assert page.locator("head style").count() == 0
    # The question list refreshes itself every 5 s through htmx.
    with page.expect_request(lambda request: request.headers.get("hx-request") == "true", timeout=10_000):
        pass


def test_an_employee_signs_in_answers_with_a_template_and_switches_language(browser, live_server, people, ask):
    save_setting(RoutingRule(name="to A", keywords="order", queue=people.queue_a), actor=None)
    save_setting(ReplyTemplate(title="Call centre", body="Please call 0120-000-000."), actor=None)
    question = ask("Where is my order?")

    page = browser.new_context(locale="en-US").new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("input[name=login]").fill("E100")
    page.locator("input[name=password]").fill(cast.PASSWORD)
    page.locator("form button[type=submit]").last.click()
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()

    page.goto(f"{live_server.url}/inbox/questions/{question.pk}/")
    page.locator("form[action$='/claim/'] button").click()
    page.locator("#template-picker").select_option(label="Call centre")
    page.locator("[data-template-insert]").click()
    expect(page.locator("#reply-body")).to_have_value("Please call 0120-000-000.")
    counter = page.locator("[data-weighted-counter-for=reply-body]")
    expect(counter).to_have_text("31 / 280")
    page.locator("#reply-body").fill("\u200b\u200b")
    expect(counter).to_have_class("refused")
    page.locator("form.composer button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text("The reply shows nothing")

    # The language switcher sends its form on change, from a static script (no inline onchange=""); the refused
    # form answered with a redirect to the question, and the switch returns to it.
    page.locator("#language").select_option("ja")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    assert page.url == f"{live_server.url}/inbox/questions/{question.pk}/"
    expect(page.locator("#language")).to_have_value("ja")
    page.locator("#language").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_a_compliance_officer_exports_the_filtered_trail_with_the_button(browser, live_server, people):
    page = signed_in_page(browser, live_server, people.compliance)
    page.goto(f"{live_server.url}/audit/?actor=S100")
    mark = last_entry_id()
    with page.expect_download() as started:
        page.get_by_role("button", name="CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(started.value.path()).read_text(encoding="utf-8-sig"))))
    assert rows and {row["actor_number"] for row in rows} == {"S100"}
    [export] = AuditEntry.objects.filter(id__gt=mark, action="audit.trail.exported")
    assert export.actor_number == "C100" and export.after["filters"] == {"actor": "S100"}
    expect(page.get_by_role("heading", name="Audit trail")).to_be_visible()  # the page stays


def test_totp_set_up_shows_its_qr_code(browser, live_server, people):
    supervisor = cast.approved("S600", by=people.administrator, role=Role.SUPERVISOR, with_totp=False)
    page = signed_in_page(browser, live_server, supervisor)
    page.goto(f"{live_server.url}/inbox/")  # a supervisor without TOTP is sent to set it up, after the password
    page.locator("input[name=password]").fill(cast.PASSWORD)
    page.locator("main form button[type=submit]").click()
    qr = page.locator("img[src^='data:image/svg+xml']")
    expect(qr).to_be_visible()
    assert qr.evaluate("image => image.complete && image.naturalWidth > 0")


def test_the_admin_works_under_the_policy(browser, live_server, people):
    page = signed_in_page(browser, live_server, people.administrator)
    page.goto(f"{live_server.url}/admin/")
    expect(page.locator("#site-name")).to_contain_text("replydesk")
    page.goto(f"{live_server.url}/admin/accounts/employee/?status=active")
    expect(page.locator("#result_list")).to_contain_text("E100")
    page.goto(f"{live_server.url}/admin/inbox/queue/add/")
    expect(page.locator("input[name=name]")).to_be_visible()
