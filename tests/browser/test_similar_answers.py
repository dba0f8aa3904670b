"""The compose page's similar past answers in Chromium: a Japanese paraphrase finds how the desk answered before, and
one click puts that reply at the cursor, without its author's signature, where the approval check sees it."""

import pytest
from playwright.sync_api import expect

from inbox.configuration import save_setting
from inbox.models import RoutingRule
from tests.past_answers import answered

from .question_pages import LIVE_TIMEOUT_MS, open_as, question_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REFUND_ANSWER = "返金は手続き完了から5営業日ほどで口座に反映されます。"


def test_a_past_answer_goes_in_at_the_cursor(browser, live_server, people, ask, channel):
    save_setting(RoutingRule(name="返金", keywords="返金", queue=people.queue_a), actor=None)
    answered(
        ask,
        channel,
        "返金したいのですが",
        REFUND_ANSWER,
        customer="sato",
        author=people.employee_a,
        approver=people.supervisor,
    )
    asking = ask("返金の方法を教えてください", customer="kato")
    page = open_as(browser, live_server, people.employee_a, question_path(asking), locale="ja-JP")
    page.locator("[data-shortcut=claim]").click()
    box = page.locator("#reply-body")
    expect(box).to_be_editable()

    past = page.locator(".past-answer")
    expect(past).to_have_count(1, timeout=LIVE_TIMEOUT_MS)
    expect(past.locator(".past-answer-asked")).to_contain_text("返金したいのですが")
    expect(past.locator(".past-answer-reply")).not_to_contain_text("^E100")

    box.fill("お問い合わせありがとうございます。よろしくお願いいたします。")
    box.evaluate("(box) => box.setSelectionRange(17, 17)")  # after 「ありがとうございます。」
    past.locator("button[data-insert-text]").click()

    expected = f"お問い合わせありがとうございます。{REFUND_ANSWER}よろしくお願いいたします。"
    expect(box).to_have_value(expected)
    caret = 17 + len(REFUND_ANSWER)
    assert box.evaluate("(box) => [box.selectionStart, box.selectionEnd]") == [caret, caret]
    # The inserted words are checked like typed ones: 返金 is a keyword, so the reply will wait for an approver.
    expect(page.locator("#approval-check mark")).to_have_text(["返金"], timeout=LIVE_TIMEOUT_MS)
