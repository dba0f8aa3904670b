"""In Chromium: an employee finds a question by a two-character Japanese word, then answers one with the keyboard
alone (j/k, Enter, c, r, Ctrl+Enter); the inbox announces a new arrival without moving the list; ? lists the keys."""

import re

import pytest
from playwright.sync_api import expect

from inbox.configuration import save_setting
from inbox.ingest import ingest_mentions
from inbox.models import Question, Reply, RoutingRule
from tests import cast

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(browser, live_server, number: str, *, locale: str = "en-US", viewport=None):
    context = browser.new_context(locale=locale, viewport=viewport or {"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("input[name=login]").fill(number)
    page.locator("input[name=password]").fill(cast.PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"^(?!.*/accounts/login/).*$"))
    return page


@pytest.fixture
def questions(people, ask):
    save_setting(RoutingRule(name="to A", keywords="注文\norder", queue=people.queue_a), actor=None)
    return [
        ask("注文した掃除機が壊れていました。返金してもらえますか", customer="yoshida_m"),
        ask("注文した冷蔵庫の配送日を変えたいです", customer="kimura_t"),
        ask("注文のサイズを交換できますか", customer="ono_h"),
        ask("My order #12345 never arrived", customer="jsmith"),
    ]


def test_search_finds_a_two_character_japanese_word(browser, live_server, people, questions):
    page = sign_in(browser, live_server, "E100")
    page.goto(f"{live_server.url}/inbox/")
    expect(page.locator("[data-question-row]")).to_have_count(4)
    page.locator("#id_q").fill("返金")
    page.locator("#id_q").press("Enter")
    expect(page).to_have_url(re.compile(r"q=%E8%BF%94%E9%87%91"))
    rows = page.locator("[data-question-row]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("返金してもらえますか")
    expect(rows.first).to_contain_text("@yoshida_m")

    # An order number, typed as the customer wrote it or without the "#".
    page.wait_for_load_state("load")
    page.keyboard.press("/")
    expect(page.locator("#id_q")).to_be_focused()
    page.keyboard.type("#12345")
    page.keyboard.press("Enter")
    expect(page.locator("[data-question-row]")).to_have_count(1)
    expect(page.locator("[data-question-row]").first).to_contain_text("#12345 never arrived")


def test_claim_and_send_with_the_keyboard_alone(browser, live_server, people, questions):
    page = sign_in(browser, live_server, "E100")
    page.goto(f"{live_server.url}/inbox/")
    rows = page.locator("[data-question-row]")
    expect(rows).to_have_count(4)

    page.keyboard.press("j")
    expect(rows.nth(0)).to_have_class(re.compile(r"\bselected\b"))
    expect(rows.nth(0).locator(".qrow-link")).to_be_focused()
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    expect(rows.nth(1)).to_have_class(re.compile(r"\bselected\b"))
    expect(rows.nth(0)).not_to_have_class(re.compile(r"\bselected\b"))
    # The focus is visible: the link of the selected row has an outline.
    outline = rows.nth(1).locator(".qrow-link").evaluate("link => getComputedStyle(link).outlineStyle")
    assert outline != "none"
    target = questions[1]

    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/inbox/questions/{target.pk}/")
    # The keys work once the page's scripts have run (deferred: before "load").
    page.wait_for_load_state("load")
    expect(page.locator("[data-shortcut=claim]")).to_be_visible()
    page.keyboard.press("c")
    expect(page.locator("[data-shortcut=reply]")).to_be_visible()
    page.wait_for_load_state("load")
    page.keyboard.press("r")
    box = page.locator("[data-shortcut=reply]")
    expect(box).to_be_focused()
    page.keyboard.type("配送日の変更を承りました。")
    # Keys typed into the reply box are text, not shortcuts.
    page.keyboard.type(" jkcr?")
    expect(box).to_have_value("配送日の変更を承りました。 jkcr?")
    page.keyboard.press("Control+Enter")
    expect(page.locator(".messages")).to_be_visible()
    reply = Reply.objects.get(question=target)
    assert reply.text == "配送日の変更を承りました。 jkcr?\n^E100"
    assert Question.objects.get(pk=target.pk).status == Question.Status.ANSWERED


def test_question_mark_lists_the_shortcuts_and_escape_closes_the_list(browser, live_server, people, questions):
    page = sign_in(browser, live_server, "E100")
    page.goto(f"{live_server.url}/inbox/")
    page.keyboard.press("?")
    dialog = page.locator("#shortcuts-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Claim the question")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # On the question page (which does not carry the list) it is fetched.
    page.goto(f"{live_server.url}/inbox/questions/{questions[0].pk}/")
    page.keyboard.press("?")
    expect(page.locator("#shortcuts-dialog")).to_be_visible()
    page.locator("[data-shortcuts-close]").click()
    expect(page.locator("#shortcuts-dialog")).to_be_hidden()


def test_a_new_arrival_is_announced_without_moving_the_list(browser, live_server, people, questions, fake_x, channel):
    page = sign_in(browser, live_server, "E100")
    page.goto(f"{live_server.url}/inbox/")
    page.keyboard.press("j")
    page.keyboard.press("j")
    rows_before = page.locator("[data-question-row]").evaluate_all("rows => rows.map(row => row.id)")

    fake_x.mention("newcomer", "注文した本が届きません")
    ingest_mentions(channel)
    # The page polls every few seconds; the test asks at once, as the timer would.
    page.evaluate("htmx.trigger(document.getElementById('arrivals'), 'arrivals-poll')")
    announcement = page.locator(".arrivals-show")
    expect(announcement).to_have_text("1 new question — show")
    assert page.locator("[data-question-row]").evaluate_all("rows => rows.map(row => row.id)") == rows_before
    expect(page.locator("[data-question-row]").nth(1)).to_have_class(re.compile(r"\bselected\b"))

    announcement.click()
    expect(page.locator("[data-question-row]").first).to_contain_text("注文した本が届きません")


def test_the_inbox_in_japanese_on_a_phone(browser, live_server, people, questions):
    page = sign_in(browser, live_server, "E100", locale="ja-JP", viewport={"width": 390, "height": 844})
    page.goto(f"{live_server.url}/inbox/")
    rows = page.locator("[data-question-row]")
    expect(rows).to_have_count(4)
    # Every row fits the phone's width: nothing to scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
