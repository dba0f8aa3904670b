"""In Chromium: an employee hands a question to a department, sends the department's acknowledgement offered in the
reply box, a real Celery worker posts it to the fake X server, and a member of the department accepts and resolves
it from the Escalations page."""

import pytest
from playwright.sync_api import expect

from accounts import services as staff
from accounts.models import Role
from inbox.configuration import save_setting
from inbox.models import Department, Escalation, Question
from tests import cast

from .question_pages import LIVE_TIMEOUT_MS, open_as, question_path, worker  # noqa: F401 - the worker fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ACKNOWLEDGEMENT = "Our payments team will look into this and contact you."


@pytest.mark.usefixtures("worker")
def test_escalate_send_the_acknowledgement_and_the_department_resolves(
    browser, live_server, people, routed_to_a, ask, fake_x
):
    payments = save_setting(
        Department(
            code="payments",
            name_ja="決済チーム",
            name_en="Payments team",
            acknowledgement_en=ACKNOWLEDGEMENT,
            acknowledgement_ja="決済担当よりご連絡いたします。",
        ),
        actor=people.administrator,
    )
    member = cast.approved("D100", by=people.supervisor, role=Role.EMPLOYEE)
    staff.join_department(member, payments, actor=people.supervisor)
    question = ask("I was charged twice for my order", customer="yoshida_m")

    employee = open_as(browser, live_server, people.employee_a, question_path(question))
    employee.locator("form[action$='/claim/'] button").click()
    employee.locator(".escalate-card summary").click()
    employee.locator("#escalate_department").select_option(label="Payments team")
    employee.locator("#escalate_reason").select_option("responsibility")
    employee.locator("#escalate_note").fill("Charged twice: card ending 4242")
    employee.get_by_role("button", name="Escalate", exact=True).click()
    expect(employee.locator(".messages")).to_contain_text("Escalated to Payments team")
    expect(employee.locator(".escalation-card")).to_contain_text("not told yet")

    employee.get_by_role("button", name="Claim and send the acknowledgement").click()
    expect(employee.locator("#compose-title")).to_have_text("Acknowledgement for the customer")
    expect(employee.locator("#reply-body")).to_have_value(ACKNOWLEDGEMENT)
    employee.locator("form.composer button[type=submit]").click()
    expect(employee.locator(".messages")).to_contain_text("Your reply is queued for X")

    def posted():
        return [t.body for t in fake_x.replies_posted() if t.in_reply_to_tweet_id == question.source_post_id]

    for _ in range(100):
        if posted():
            break
        employee.wait_for_timeout(100)
    assert posted() == [f"{ACKNOWLEDGEMENT}\n^E100"]

    department = open_as(browser, live_server, member, "/inbox/escalations/")
    expect(department.locator("table.escalations")).to_contain_text("yoshida_m")
    expect(department.locator("table.escalations")).to_contain_text("told at", timeout=LIVE_TIMEOUT_MS)
    department.locator("table.escalations a").first.click()
    expect(department.locator(".escalation-card")).to_contain_text("Charged twice: card ending 4242")
    department.get_by_role("button", name="Accept for the department").click()
    expect(department.locator(".messages")).to_contain_text("You accepted the escalation")
    department.locator(".escalation-actions summary", has_text="Resolve").click()
    department.locator("#resolve_outcome").select_option("refund_issued")
    department.locator("#resolve_note").fill("Second charge refunded")
    department.locator(".escalation-actions form[action$='/resolve/'] button").click()
    expect(department.locator(".messages")).to_contain_text("The escalation is resolved.")
    expect(department.locator("#history")).to_contain_text("escalation resolved")
    expect(department.locator("#history")).to_contain_text("Refund issued — Second charge refunded")

    escalation = Escalation.objects.get(question=question)
    assert escalation.status == Escalation.Status.RESOLVED and escalation.accepted_by == member
    assert escalation.acknowledged_at is not None
    assert Question.objects.get(pk=question.pk).status == Question.Status.ANSWERED
