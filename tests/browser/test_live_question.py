"""In Chromium: an open question page stays true without a reload while the reply is being written: a customer's
follow-up and the reply's status appear on it (a real Celery worker posts to the fake X server), and the old
holder's page says so when a supervisor takes the question away, keeping the text read-only."""

import pytest
from playwright.sync_api import expect

from inbox import claims
from inbox.ingest import ingest_mentions
from inbox.models import Question

from .question_pages import LIVE_TIMEOUT_MS, open_as, question_path, worker  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.usefixtures("worker")
def test_a_follow_up_and_the_sent_status_appear_on_the_open_page_while_the_text_stays(
    browser, live_server, people, question_in_a, fake_x, channel
):
    question = question_in_a
    page = open_as(browser, live_server, people.employee_a, question_path(question))
    page.locator("[data-shortcut=claim]").click()
    box = page.locator("#reply-body")
    box.fill("Your parcel left today")
    page.evaluate("window.__noReload = true")

    fake_x.mention("tanaka_k", "Also, can I change the address?", in_reply_to=question.source_post_id)
    ingest_mentions(channel)

    expect(page.locator("#conversation")).to_contain_text("Also, can I change the address?", timeout=LIVE_TIMEOUT_MS)
    expect(box).to_have_value("Your parcel left today")
    expect(box).to_be_editable()
    assert page.evaluate("window.__noReload") is True

    box.press("End")
    box.press_sequentially("; the address can be changed on the tracking page.")
    page.locator("[data-shortcut=send]").click()
    expect(page.locator(".messages")).to_contain_text("Your reply is queued")
    assert page.url.endswith(question_path(question))
    page.evaluate("window.__noReload = true")
    # Queued (or already on its way) first; the worker's "sent" arrives by the poll.
    expect(page.locator("#conversation .badge.sent")).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    expect(page.locator("#conversation")).to_contain_text("the address can be changed on the tracking page.")
    expect(page.locator("#holder")).to_contain_text("Answered by E100")
    assert page.evaluate("window.__noReload") is True
    posted = [t for t in fake_x.replies_posted() if t.in_reply_to_tweet_id == Question.objects.get().last_post_id]
    assert len(posted) == 1
    expect(page.locator("#conversation .post.account a", has_text="View on X")).to_have_attribute(
        "href", f"https://x.com/{fake_x.account_username}/status/{posted[0].id}"
    )


def test_the_old_holder_s_page_after_a_force_release_keeps_the_text_read_only(
    browser, live_server, people, question_in_a
):
    question = question_in_a
    holder = open_as(browser, live_server, people.employee_a, question_path(question))
    holder.locator("[data-shortcut=claim]").click()
    box = holder.locator("#reply-body")
    box.fill("Half of a careful answer")

    supervisor = open_as(browser, live_server, people.supervisor, question_path(question))
    expect(supervisor.locator("#holder")).to_contain_text("E100 is answering this question")
    supervisor.get_by_label("Reason for the force release").fill("The customer asked for a manager")
    supervisor.get_by_role("button", name="Force release").click()
    expect(supervisor.locator(".messages")).to_contain_text("The question is free again.")

    notice = holder.locator("#holder .holder.taken")
    expect(notice).to_contain_text(
        "A supervisor (S100) force-released your claim on this question: The customer asked for a manager",
        timeout=LIVE_TIMEOUT_MS,
    )
    expect(notice.get_by_text("Your text is kept in the reply box; copy it if you need it.")).to_be_visible()
    expect(box).to_have_value("Half of a careful answer")
    expect(box).not_to_be_editable()
    expect(holder.locator("[data-shortcut=send]")).to_be_disabled()
    expect(holder.locator("[data-composer-locked]")).to_be_visible()
    expect(holder.get_by_role("button", name="Copy the text")).to_be_enabled()
    expect(holder.locator("#history")).to_contain_text("force-released: The customer asked for a manager")
    # The text is selectable (read-only, not disabled): it can be copied out.
    assert holder.evaluate("document.getElementById('reply-body').disabled") is False

    # Reloaded, the page is no longer theirs: the text waits in "Your unsent text"; claimed again, in the reply box.
    holder.reload()
    expect(holder.locator("#unsent-text")).to_have_value("Half of a careful answer")
    expect(holder.locator("#holder")).to_contain_text("A supervisor (S100) force-released your claim on this question")
    holder.locator("[data-shortcut=claim]").click()
    expect(holder.locator("#reply-body")).to_have_value("Half of a careful answer")
    expect(holder.locator("#holder .holder.taken")).to_have_count(0)
    assert Question.objects.get(pk=question.pk).holder_id == people.employee_a.pk


def test_a_colleague_s_page_shows_the_claim_and_the_overdue_flag(browser, live_server, people, question_in_a):
    from django.conf import settings

    from inbox import overdue
    from tests.helpers import wind_back

    question = question_in_a
    watching = open_as(browser, live_server, people.supervisor, question_path(question))
    expect(watching.locator("#holder")).to_contain_text("Nobody holds this question.")
    claims.claim(question, actor=people.employee_a)
    expect(watching.locator("#holder")).to_contain_text("E100 is answering this question", timeout=LIVE_TIMEOUT_MS)
    expect(watching.get_by_label("Reason for the force release")).to_be_visible()
    wind_back([question], settings.SERVICE_LEVEL_MINUTES[question.priority] + 5)
    overdue.flag_unanswered()
    expect(watching.locator("#status-line")).to_contain_text("Overdue", timeout=LIVE_TIMEOUT_MS)
    expect(watching.locator("#status-line .due.late")).to_contain_text("min overdue")
