"""From sign-up to the inbox, and the ways out: rejection, suspension, reactivation."""

from django.test import Client
from django.urls import reverse

from accounts.models import Employee
from tests.helpers import actions_since, last_entry_id

from ..cast import PASSWORD


def sign_up_through_the_form(client: Client, number: str = "e777", email: str = "new@example.com"):
    return client.post(
        reverse("account_signup"),
        {
            "username": number,
            "email": email,
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )


def test_sign_up_waits_for_approval_then_reaches_the_inbox(people):
    newcomer = Client()
    mark = last_entry_id()
    response = sign_up_through_the_form(newcomer)
    assert response.status_code == 302
    employee = Employee.objects.get(employee_number="E777")
    assert employee.status == Employee.Status.PENDING
    assert employee.signature == "^E777"
    assert actions_since(mark) == ["accounts.employee.signed_up", "accounts.session.signed_in"]

    # Pending: the status page says so, and nothing else is reachable.
    page = newcomer.get(reverse("accounts:status"))
    assert "Waiting for approval" in page.content.decode()
    for name in ["inbox:inbox", "home", "accounts:staff_list", "audit:trail", "mfa_index"]:
        assert newcomer.get(reverse(name))["Location"] == reverse("accounts:status"), name

    supervisor = Client()
    supervisor.force_login(people.supervisor)
    response = supervisor.post(
        reverse("accounts:approve", args=[employee.pk]),
        {"approve-role": "employee", "approve-queues": [people.queue_a.pk]},
    )
    assert response.status_code == 302

    inbox = newcomer.get(reverse("inbox:inbox"))
    assert inbox.status_code == 200
    assert "Queue A" in inbox.content.decode()
    assert newcomer.get(reverse("inbox:queue", args=[people.queue_a.pk])).status_code == 302
    assert newcomer.get(reverse("inbox:queue", args=[people.queue_b.pk])).status_code == 404


def test_rejected_sign_up_sees_the_reason_and_nothing_else(people):
    newcomer = Client()
    sign_up_through_the_form(newcomer)
    employee = Employee.objects.get(employee_number="E777")
    supervisor = Client()
    supervisor.force_login(people.supervisor)
    supervisor.post(reverse("accounts:reject", args=[employee.pk]), {"reason": "No such staff number"})

    employee.refresh_from_db()
    assert employee.status == Employee.Status.REJECTED
    assert "No such staff number" in newcomer.get(reverse("accounts:status")).content.decode()
    assert newcomer.get(reverse("inbox:inbox"))["Location"] == reverse("accounts:status")


def test_suspension_ends_a_live_session_at_once(people):
    employee = Client()
    employee.post(reverse("account_login"), {"login": "E100", "password": PASSWORD})
    assert employee.get(reverse("inbox:inbox")).status_code == 200

    supervisor = Client()
    supervisor.force_login(people.supervisor)
    response = supervisor.post(reverse("accounts:suspend", args=[people.employee_a.pk]), {"reason": "Left the shop"})
    assert response.status_code == 302

    response = employee.get(reverse("inbox:inbox"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    # Signing in again is refused while suspended.
    response = employee.post(reverse("account_login"), {"login": "E100", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("account_inactive")
    assert employee.get(reverse("inbox:inbox")).status_code == 302


def test_reactivated_employee_signs_in_with_old_role_and_queues(people):
    supervisor = Client()
    supervisor.force_login(people.supervisor)
    supervisor.post(reverse("accounts:reactivate", args=[people.suspended.pk]))

    person = Client()
    response = person.post(reverse("account_login"), {"login": "x100", "password": PASSWORD})
    assert response.status_code == 302
    assert person.get(reverse("inbox:queue", args=[people.queue_a.pk])).status_code == 302


def test_sign_in_works_with_the_email_address_too_once_it_is_verified(people):
    from allauth.account.models import EmailAddress

    unverified = Client()
    unverified.post(reverse("account_login"), {"login": "e100@example.com", "password": PASSWORD})
    assert unverified.get(reverse("inbox:inbox")).status_code == 302
    # As following the confirmation link leaves it (tests/accounts/test_self_service.py follows the real link).
    EmailAddress.objects.create(user=people.employee_a, email="e100@example.com", primary=True, verified=True)
    person = Client()
    person.post(reverse("account_login"), {"login": "e100@example.com", "password": PASSWORD})
    assert person.get(reverse("inbox:inbox")).status_code == 200


def test_supervisor_sees_pending_sign_ups_first(people):
    supervisor = Client()
    supervisor.force_login(people.supervisor)
    page = supervisor.get(reverse("accounts:staff_list")).content.decode()
    assert "P100" in page and "E100" not in page
    active = supervisor.get(reverse("accounts:staff_list") + "?status=active").content.decode()
    assert "E100" in active and "P100" not in active


def test_queue_permission_toggle_answers_htmx_with_the_panel(people):
    supervisor = Client()
    supervisor.force_login(people.supervisor)
    url = reverse("accounts:set_queue_permission", args=[people.employee_b.pk, people.queue_a.pk])
    response = supervisor.post(url, {"allowed": "1"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "Revoke" in response.content.decode()
    employee = Client()
    employee.force_login(people.employee_b)
    assert employee.get(reverse("inbox:queue", args=[people.queue_a.pk])).status_code == 302

    supervisor.post(url, {"allowed": "0"}, headers={"HX-Request": "true"})
    assert employee.get(reverse("inbox:queue", args=[people.queue_a.pk])).status_code == 404


def test_a_refused_action_tells_the_supervisor_why(people):
    supervisor = Client()
    supervisor.force_login(people.supervisor)
    # Approving someone who is already active: the page explains, nothing changes.
    mark = last_entry_id()
    response = supervisor.post(
        reverse("accounts:approve", args=[people.employee_a.pk]), {"approve-role": "employee"}, follow=True
    )
    assert "cannot be approved" in response.content.decode()
    assert actions_since(mark) == []


def test_supervisor_cannot_make_an_administrator_or_touch_one(people):
    supervisor = Client()
    supervisor.force_login(people.supervisor)
    response = supervisor.post(
        reverse("accounts:change_role", args=[people.employee_a.pk]), {"role": "administrator"}, follow=True
    )
    assert "Select a valid choice" in response.content.decode()
    response = supervisor.post(
        reverse("accounts:suspend", args=[people.administrator.pk]), {"reason": "x"}, follow=True
    )
    assert "Only an administrator" in response.content.decode()
    people.administrator.refresh_from_db()
    assert people.administrator.status == Employee.Status.ACTIVE
