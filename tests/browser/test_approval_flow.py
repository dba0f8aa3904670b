"""In Chromium: an employee writes a reply that mentions a refund and sees, before sending, that it needs approval and
why; it waits; a supervisor in a second browser approves it from the approval list; the author's page shows it
answered without a reload, and a real Celery worker posts the approved text to the fake X server."""

import pytest
from playwright.sync_api import expect

from inbox.models import Reply

from .question_pages import LIVE_TIMEOUT_MS, open_as, question_path, worker  # noqa: F401 - the worker fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BODY = "返金の手続きをご案内します。"


@pytest.mark.usefixtures("worker")
def test_compose_see_the_reasons_wait_and_a_supervisor_approves(browser, live_server, people, routed_to_a, ask, fake_x):
    question = ask("注文した商品の返金はできますか？ order 4411", customer="yoshida_m")

    author = open_as(browser, live_server, people.employee_a, question_path(question))
    author.locator("form[action$='/claim/'] button").click()
    author.locator("#reply-body").fill(BODY)
    check = author.locator("#approval-check")
    expect(check).to_contain_text("This reply will need approval before it goes to X", timeout=LIVE_TIMEOUT_MS)
    expect(check.locator("mark")).to_have_text("返金")

    author.locator("form.composer button[type=submit]").click()
    expect(author.locator(".messages")).to_contain_text("Your reply needs approval before it goes to X")
    expect(author.locator("#approval-card")).to_contain_text("Your reply waits for approval")
    expect(author.locator("#reply-body")).to_have_count(0)

    supervisor = open_as(browser, live_server, people.supervisor, "/inbox/approvals/")
    expect(supervisor.locator("#approvals-badge .count")).to_have_text("1")
    supervisor.locator("table.approvals a").first.click()
    expect(supervisor.locator(".draft-text mark")).to_have_text("返金")
    expect(supervisor.locator(".conversation")).to_contain_text("返金はできますか")
    supervisor.get_by_role("button", name="Approve as written and send").click()
    expect(supervisor.locator(".messages")).to_contain_text("Approved; the reply is queued for X.")
    expect(supervisor.locator("#approvals-badge .count")).to_have_count(0)

    # The author's page learns of the decision by itself: the waiting card goes, the question is answered.
    expect(author.locator("#approval-card")).to_be_empty(timeout=LIVE_TIMEOUT_MS)
    expect(author.locator("#holder")).to_contain_text("Answered by E100", timeout=LIVE_TIMEOUT_MS)
    expect(author.locator("#history")).to_contain_text("approved, reasons: keyword “返金”")

    def posted():
        return [t.body for t in fake_x.replies_posted() if t.in_reply_to_tweet_id == question.source_post_id]

    for _ in range(100):
        if posted():
            break
        author.wait_for_timeout(100)
    assert posted() == [f"{BODY}\n^E100"]
    reply = Reply.objects.get(question=question)
    assert reply.status == Reply.Status.SENT and reply.approval.approver == people.supervisor
    expect(author.locator("#conversation .badge.sent")).to_be_visible(timeout=LIVE_TIMEOUT_MS)
