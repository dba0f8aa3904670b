"""In Chromium, in Japanese: a supervisor warned about a question left unanswered follows the banner to the
overdue page and closes the question (it was spam); the desk status page then counts nothing waiting."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from playwright.sync_api import expect

from accounts import services as accounts_services
from accounts.models import Role
from inbox import overdue
from inbox.configuration import save_setting
from inbox.models import Question, RoutingRule
from tests import cast
from tests.helpers import current_totp_code, wind_back

from .test_signup_and_approval import SUPERVISOR_SECRET

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_warned_supervisor_finds_and_closes_the_overdue_question(browser, live_server, people, ask):
    save_setting(RoutingRule(name="to A", keywords="注文", queue=people.queue_a), actor=None)
    supervisor = cast.approved("S500", by=people.administrator, role=Role.SUPERVISOR, with_totp=False)
    TOTP.activate(supervisor, SUPERVISOR_SECRET)
    accounts_services.grant_queue(supervisor, people.queue_a, actor=people.administrator)
    question = ask("注文の件で至急連絡ください！！ http://spam.example.com", customer="spammer")
    wind_back([question], 5 * 60)
    overdue.flag_unanswered()

    page = browser.new_context(locale="ja-JP").new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("input[name=login]").fill("S500")
    page.locator("input[name=password]").fill(cast.PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.locator("input[name=code]").fill(current_totp_code(SUPERVISOR_SECRET))
    page.locator("input[name=code]").press("Enter")

    banner = page.locator(".overdue-banner")
    expect(banner).to_contain_text("1 件の質問が、スーパーバイザーに警告されるほど長く待っています。")
    banner.get_by_role("link").click()
    expect(page.get_by_role("heading", name="期限超過の質問")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=f"#{question.pk}")
    expect(row).to_contain_text("スーパーバイザーに警告済み")
    row.get_by_role("link", name=f"#{question.pk}").click()

    close_form = page.locator("form[action$='/close/']")
    close_form.locator("textarea, input[name=reason]").first.fill("スパム")
    close_form.get_by_role("button", name="回答せずにクローズ").click()
    expect(page.locator(".messages")).to_contain_text("質問をクローズしました。")
    expect(page.locator(".overdue-banner")).to_have_count(0)

    page.goto(f"{live_server.url}/inbox/status/")
    expect(page.locator("[data-fact=unanswered]")).to_have_text("0")
    expect(page.locator("[data-fact=warned]")).to_have_text("0")
    assert Question.objects.get(pk=question.pk).status == Question.Status.CLOSED
