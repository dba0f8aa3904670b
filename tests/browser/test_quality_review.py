"""In Chromium: a supervisor reviews a reply of E100's that reached X from the week's list, on the one-screen form;
E100 finds the review under My reviews, reads the score and the comment, and marks it seen."""

import pytest
from playwright.sync_api import expect

from inbox import claims, outbox, services
from quality import reviews
from quality.models import Review

from .question_pages import open_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COMMENT = "Say when it arrives, and thank them for waiting."


def test_a_supervisor_reviews_a_reply_and_the_employee_sees_it(browser, live_server, people, routed_to_a, ask, channel):
    question = claims.claim(ask("Where is my order? 注文はどこですか", customer="ishii_t"), actor=people.employee_a)
    reply = services.send_reply(
        question, actor=people.employee_a, token=str(question.claim_token), body="明日お届けします。"
    )
    assert outbox.deliver(reply.pk, channel).outcome == "sent"
    reviews.add_sample_by_hand(reply, actor=people.supervisor)

    supervisor = open_as(browser, live_server, people.supervisor, "/quality/")
    group = supervisor.locator(".sample-group", has_text="E100")
    expect(group.locator(".chip.reason-manual")).to_have_text("Added by hand")
    expect(group.locator(".chip.flag")).to_have_text("one of E100's first replies")
    group.get_by_role("link", name="Review").click()
    expect(supervisor.locator(".reply-text.posted")).to_contain_text("明日お届けします。")
    expect(supervisor.locator(".reply-under-review")).to_contain_text("注文はどこですか")
    supervisor.locator("input[name=rating_accuracy][value='2']").check()
    supervisor.locator("input[name=rating_policy][value='1']").check()
    supervisor.locator("input[name=rating_tone][value='1']").check()
    supervisor.locator("input[name=rating_clarity][value='na']").check()
    supervisor.locator("textarea[name=comment]").fill(COMMENT)
    supervisor.get_by_role("button", name="Submit the review").click()
    expect(supervisor.locator(".messages")).to_contain_text("Review saved.")
    expect(group.locator(".score-small")).to_have_text("91.2")

    employee = open_as(browser, live_server, people.employee_a, "/inbox/")
    employee.locator("nav.nav").get_by_role("link", name="My reviews").click()
    expect(employee.locator(".unseen")).to_have_text("1 review not seen yet")
    card = employee.locator(".review-card").first
    expect(card.locator(".score-figure")).to_have_text("91.2")
    expect(card.locator(".comment")).to_contain_text(COMMENT)
    expect(card.locator(".ratings")).to_contain_text("Partly met")
    card.get_by_role("button", name="Seen").click()
    expect(employee.locator(".unseen")).to_have_text("All reviews seen")
    expect(employee.locator(".review-card").first).to_contain_text("Seen ")
    assert Review.objects.get().seen_at is not None
