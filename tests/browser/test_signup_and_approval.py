"""In Chromium: a newcomer signs up, a supervisor approves them from a second browser, the newcomer signs in."""

import re

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from playwright.sync_api import expect

from accounts.models import Role
from tests import cast
from tests.helpers import current_totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUPERVISOR_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture
def desk(db):
    queue = cast.make_queue("Orders")
    admin = cast.administrator()
    supervisor = cast.approved("S500", by=admin, role=Role.SUPERVISOR, with_totp=False)
    TOTP.activate(supervisor, SUPERVISOR_SECRET)
    return queue


def test_sign_up_approval_in_a_second_browser_then_sign_in(browser, live_server, desk):
    newcomer = browser.new_context(locale="en-US").new_page()
    newcomer.goto(f"{live_server.url}/accounts/signup/")
    newcomer.get_by_label("Employee number").fill("e501")
    newcomer.get_by_label("Work e-mail").fill("e501@example.com")
    newcomer.locator("input[name=password1]").fill(cast.PASSWORD)
    newcomer.locator("input[name=password2]").fill(cast.PASSWORD)
    newcomer.get_by_role("button", name="Sign Up").click()
    expect(newcomer.get_by_role("heading", name="Waiting for approval")).to_be_visible()
    expect(newcomer.locator(".who")).to_have_text("^E501")

    supervisor = browser.new_context(locale="en-US").new_page()
    supervisor.goto(f"{live_server.url}/accounts/login/")
    supervisor.get_by_placeholder("Employee number or e-mail").fill("S500")
    supervisor.get_by_placeholder("Password").fill(cast.PASSWORD)
    supervisor.get_by_role("button", name="Sign In").click()
    supervisor.get_by_placeholder("Code").fill(current_totp_code(SUPERVISOR_SECRET))
    supervisor.get_by_role("button", name="Sign In").click()
    expect(supervisor.get_by_role("heading", name="Staff")).to_be_visible()
    supervisor.get_by_role("row", name=re.compile("E501")).get_by_role("link", name="Review").click()
    supervisor.get_by_label("Role").select_option("employee")
    supervisor.get_by_label("Orders").check()
    supervisor.get_by_role("button", name="Approve").click()
    expect(supervisor.get_by_text("E501 is approved.")).to_be_visible()

    # The waiting page notices the approval by itself (htmx polling), without a reload.
    expect(newcomer.get_by_role("heading", name="You are approved")).to_be_visible(timeout=20_000)

    newcomer.get_by_role("button", name="Sign out").click()
    newcomer.goto(f"{live_server.url}/accounts/login/")
    newcomer.get_by_placeholder("Employee number or e-mail").fill("E501")
    newcomer.get_by_placeholder("Password").fill(cast.PASSWORD)
    newcomer.get_by_role("button", name="Sign In").click()
    expect(newcomer.get_by_role("heading", name="Inbox")).to_be_visible()
    # The inbox names the queues the newcomer may answer.
    expect(newcomer.get_by_role("navigation", name="Open questions by queue")).to_contain_text("Orders")
