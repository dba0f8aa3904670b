"""In Chromium: an employee who has not accepted the desk's guidelines finds the question read-only (no claim button,
a banner leading to the guidelines), accepts them on their page, is led back to the question, and claims it."""

import pytest
from playwright.sync_api import expect

from guidelines import services
from inbox.models import Question

from .question_pages import open_as, question_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_employee_accepts_the_guidelines_then_claims(browser, live_server, people, question_in_a):
    services.publish_version(
        actor=people.administrator,
        body_ja="返信には必ず署名する。",
        body_en="# Our rules\n\n- Sign every reply.\n- Never argue.",
        based_on=0,
    )
    page = open_as(browser, live_server, people.employee_a, question_path(question_in_a))

    banner = page.locator("[data-guidelines-must-accept]")
    expect(banner).to_contain_text("Read-only until you accept the guidelines.")
    expect(page.locator("form.claim-form")).to_be_hidden()
    expect(page.locator(".nav .attention-mark")).to_be_visible()

    banner.get_by_role("link", name="Read and accept the guidelines").click()
    expect(page.locator(".guidelines-text h2")).to_have_text("Version 1")
    expect(page.locator(".markdown li").first).to_have_text("Sign every reply.")
    page.get_by_role("button", name="I have read the guidelines and accept them").click()

    expect(page).to_have_url(f"{live_server.url}{question_path(question_in_a)}")
    expect(page.locator(".messages")).to_contain_text("You accepted version 1 of the guidelines.")
    expect(page.locator("[data-guidelines-must-accept]")).to_have_count(0)
    page.locator("form.claim-form button[type=submit]").click()
    expect(page.locator("#reply-body")).to_be_visible()
    assert Question.objects.get(pk=question_in_a.pk).holder_id == people.employee_a.pk
