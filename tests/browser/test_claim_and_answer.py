"""In Chromium: one employee claims a question and answers in Japanese while a colleague sees it held; a real
Celery worker then posts the reply to the fake X server."""

import pytest
from celery.contrib.testing.worker import start_worker
from playwright.sync_api import expect

from accounts.models import Role
from inbox.configuration import save_setting
from inbox.models import Reply, RoutingRule
from replydesk.celery import app as celery_app
from tests import cast

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(browser, live_server, number: str):
    page = browser.new_context(locale="ja-JP").new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("input[name=login]").fill(number)
    page.locator("input[name=password]").fill(cast.PASSWORD)
    page.locator("form button[type=submit]").last.click()
    return page


@pytest.fixture
def worker():
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


def test_claim_and_answer_in_japanese_while_a_colleague_sees_it_held(browser, live_server, people, ask, fake_x, worker):
    save_setting(RoutingRule(name="to A", keywords="注文", queue=people.queue_a), actor=None)
    question = ask("注文した洗濯機はいつ届きますか？", customer="yoshida_m")
    cast.approved("E101", by=people.supervisor, role=Role.EMPLOYEE, queues=[people.queue_a])

    answering = sign_in(browser, live_server, "E100")
    watching = sign_in(browser, live_server, "E101")
    watching.goto(f"{live_server.url}/inbox/questions/{question.pk}/")
    expect(watching.locator("#holder")).to_contain_text("誰も")

    answering.goto(f"{live_server.url}/inbox/questions/{question.pk}/")
    answering.locator("form[action$='/claim/'] button").click()
    box = answering.locator("#reply-body")
    box.fill("明日お届けします。")
    # The counter counts as X does: 9 Japanese characters weigh 18, plus "\n^E100".
    expect(answering.locator("[data-weighted-counter-for=reply-body]")).to_have_text("24 / 280")

    # The colleague's page notices the claim by itself (htmx) and offers no claim button.
    expect(watching.locator("#holder")).to_contain_text("E100", timeout=10_000)
    expect(watching.locator("form[action$='/claim/']")).to_have_count(0)

    answering.locator("form.composer button[type=submit]").click()
    expect(answering.locator(".messages")).to_be_visible()

    def posted():
        return [t for t in fake_x.replies_posted() if t.in_reply_to_tweet_id == question.source_post_id]

    answering.wait_for_timeout(100)
    for _ in range(100):
        if posted():
            break
        answering.wait_for_timeout(100)
    assert [t.body for t in posted()] == ["明日お届けします。\n^E100"]
    reply = Reply.objects.get(question=question)
    assert reply.status == Reply.Status.SENT and reply.posted_id == posted()[0].id
    answering.reload()
    expect(answering.locator(".badge.sent")).to_be_visible()
