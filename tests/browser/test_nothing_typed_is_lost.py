"""In Chromium: nothing typed in the reply box is lost — not by a template (inserted at the cursor), a refused send
(answered at the question's own address), a reload, a language switch, a browser restart, a suspension or a sign-out
in another tab (a banner instead of a sign-in page swapped into the page; signing in again brings the text back)."""

import pytest
from playwright.sync_api import expect

from accounts import services as staff
from inbox.configuration import save_setting
from inbox.models import Question, ReplyTemplate

from .question_pages import LIVE_TIMEOUT_MS, open_as, question_path, sign_in_on

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIGNED_OUT = "You were signed out — sign in again; your text is kept."


def claimed_page(browser, live_server, people, question, **kwargs):
    page = open_as(browser, live_server, people.employee_a, question_path(question), **kwargs)
    page.locator("[data-shortcut=claim]").click()
    expect(page.locator("#reply-body")).to_be_editable()
    return page


def test_a_template_goes_in_at_the_cursor_and_keeps_the_text(browser, live_server, people, question_in_a):
    save_setting(ReplyTemplate(title="Call centre", body="Please call 0120-000-000."), actor=None)
    page = claimed_page(browser, live_server, people, question_in_a)
    box = page.locator("#reply-body")
    box.fill("Thanks for asking. We are sorry for the wait.")
    box.evaluate("(box) => box.setSelectionRange(18, 18)")  # after "asking."

    page.locator("#template-picker").select_option(label="Call centre")
    page.get_by_role("button", name="Insert at the cursor").click()

    expected = "Thanks for asking. Please call 0120-000-000. We are sorry for the wait."
    expect(box).to_have_value(expected)
    assert box.evaluate("(box) => [box.selectionStart, box.selectionEnd]") == [44, 44]
    expect(box).to_be_focused()
    # Latin text weighs one per character, and the signature "\n^E100" six.
    expect(page.locator("[data-weighted-counter-for=reply-body]")).to_have_text(f"{len(expected) + 6} / 280")

    # A selection is replaced, and only it.
    box.evaluate("(box) => box.setSelectionRange(45, 71)")  # "We are sorry for the wait."
    page.locator("#template-picker").select_option(label="Call centre")
    page.get_by_role("button", name="Insert at the cursor").click()
    expect(box).to_have_value("Thanks for asking. Please call 0120-000-000. Please call 0120-000-000.")
    # The browser's undo takes the template out again.
    box.press("Control+z")
    expect(box).to_have_value(expected)


def test_a_refused_send_a_reload_a_language_switch_and_a_restart_keep_the_text(
    browser, live_server, people, question_in_a
):
    page = claimed_page(browser, live_server, people, question_in_a)
    too_long = "お届け日のご案内です。" * 13 + "以上"  # 145 Japanese characters: 290, and the signature
    page.locator("#reply-body").fill(too_long)
    page.locator("[data-shortcut=send]").click()

    expect(page.locator(".messages")).to_contain_text(
        "With your signature the reply is 296 characters long as X counts them; X allows 280."
    )
    assert page.url == f"{live_server.url}{question_path(question_in_a)}"
    expect(page.locator("#reply-body")).to_have_value(too_long)

    page.reload()
    expect(page.locator("#reply-body")).to_have_value(too_long)
    expect(page.locator("[data-draft-restored]")).to_be_visible()

    page.locator("#language").select_option("ja")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    assert page.url == f"{live_server.url}{question_path(question_in_a)}"
    expect(page.locator("#reply-body")).to_have_value(too_long)
    page.locator("#language").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    # A browser restart: a new browser with what the old one stored (its cookies and local storage).
    kept = page.context.storage_state()
    page.context.close()
    restarted = browser.new_context(storage_state=kept, locale="en-US").new_page()
    restarted.goto(f"{live_server.url}{question_path(question_in_a)}")
    expect(restarted.locator("#reply-body")).to_have_value(too_long)

    # Once the reply is accepted, the browser forgets it.
    restarted.locator("#reply-body").fill("お届けは明日です。")
    restarted.locator("[data-shortcut=send]").click()
    expect(restarted.locator(".messages")).to_contain_text("Your reply is queued")
    key = f"replydesk:draft:E100:{question_in_a.pk}"
    assert restarted.evaluate(f"window.localStorage.getItem('{key}')") is None


def test_a_suspension_shows_a_banner_and_signing_in_again_brings_the_text_back(
    browser, live_server, people, question_in_a
):
    page = browser.new_context(locale="en-US").new_page()
    page.goto(f"{live_server.url}{question_path(question_in_a)}")
    sign_in_on(page, "E100")
    page.locator("[data-shortcut=claim]").click()
    box = page.locator("#reply-body")
    box.fill("An answer written before the suspension")

    staff.suspend_employee(people.employee_a, actor=people.supervisor, reason="Checking an account")

    banner = page.locator("#signed-out")
    expect(banner.get_by_text(SIGNED_OUT)).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    # No sign-in page swapped into the page: one header, no sign-in form anywhere.
    expect(page.locator("header.topbar")).to_have_count(1)
    expect(page.locator("input[name=login]")).to_have_count(0)
    expect(box).to_have_value("An answer written before the suspension")
    expect(box).not_to_be_editable()
    expect(page.locator("[data-shortcut=send]")).to_be_disabled()

    staff.reactivate_employee(people.employee_a, actor=people.supervisor)
    banner.get_by_role("link", name="Sign in again").click()
    sign_in_on(page, "E100")
    expect(page).to_have_url(f"{live_server.url}{question_path(question_in_a)}")
    # The suspension freed the claim: the text waits in "Your unsent text" until the question is claimed again.
    expect(page.locator("#unsent-text")).to_have_value("An answer written before the suspension")
    page.locator("[data-shortcut=claim]").click()
    expect(page.locator("#reply-body")).to_have_value("An answer written before the suspension")


def test_a_sign_out_in_another_tab_keeps_the_text_and_signing_in_there_offers_a_reload(
    browser, live_server, people, question_in_a
):
    page = browser.new_context(locale="en-US").new_page()
    page.goto(f"{live_server.url}{question_path(question_in_a)}")
    sign_in_on(page, "E100")
    page.locator("[data-shortcut=claim]").click()
    page.locator("#reply-body").fill("Written in the first tab")

    other_tab = page.context.new_page()
    other_tab.goto(f"{live_server.url}/inbox/")
    other_tab.get_by_role("button", name="Sign out").click()

    expect(page.locator("#signed-out").get_by_text(SIGNED_OUT)).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    expect(page.locator("#reply-body")).to_have_value("Written in the first tab")
    expect(page.locator("#reply-body")).not_to_be_editable()
    # Nothing of the ended session still claims to be signed in: the signature, the links, "Sign out", the hold.
    for ended in ("header .who", "header nav", "header [action='/accounts/logout/']", ".holder.mine"):
        expect(page.locator(ended)).to_be_hidden()

    other_tab.goto(f"{live_server.url}/accounts/login/")
    sign_in_on(other_tab, "E100")
    expect(page.locator("#signed-out").get_by_text("You are signed in again.")).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    expect(page.locator("#signed-out").get_by_text(SIGNED_OUT)).to_be_hidden()
    page.locator("#signed-out").get_by_role("link", name="Reload").click()
    # Signing out does not free the claim: the reply box is back, with the text.
    expect(page.locator("#reply-body")).to_have_value("Written in the first tab")
    expect(page.locator("#reply-body")).to_be_editable()
    assert Question.objects.get(pk=question_in_a.pk).holder_id == people.employee_a.pk
