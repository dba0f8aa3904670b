"""Supervisors, compliance officers and administrators set up TOTP before they reach their pages."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from tests import cast
from tests.helpers import current_totp_code


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.COMPLIANCE])
def test_privileged_person_without_totp_is_sent_to_set_it_up(people, role):
    cast.approved("Q100", by=people.administrator, role=role, with_totp=False)
    client = Client()
    client.post(reverse("account_login"), {"login": "Q100", "password": cast.PASSWORD})
    for name in ["home", "accounts:staff_list", "audit:trail", "inbox:inbox"]:
        response = client.get(reverse(name), follow=False)
        if response.status_code == 302 and response["Location"] == reverse("home"):
            continue
        assert response["Location"] == reverse("mfa_activate_totp"), name
    # allauth asks for the password once more before showing the secret; that page is reachable too.
    response = client.get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    response = client.post(response["Location"], {"password": cast.PASSWORD})
    assert response["Location"] == reverse("mfa_activate_totp")
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200 and "Authenticator" in page.content.decode()


def test_employee_needs_no_totp(people):
    client = Client()
    client.force_login(people.employee_a)
    assert client.get(reverse("inbox:inbox")).status_code == 200


def test_demo_mode_relaxes_totp_and_says_so_on_every_page(people, settings):
    settings.DEMO_MODE = True
    person = cast.approved("Q100", by=people.administrator, role=Role.SUPERVISOR, with_totp=False)
    client = Client()
    client.force_login(person)
    page = client.get(reverse("accounts:staff_list"))
    assert page.status_code == 200
    assert "Demo mode" in page.content.decode()
    assert "Demo mode" in Client().get(reverse("account_login")).content.decode()


def test_totp_secret_is_stored_encrypted(people):
    person = cast.approved("Q100", by=people.administrator, role=Role.SUPERVISOR, with_totp=False)
    secret = generate_totp_secret()
    TOTP.activate(person, secret)
    stored = Authenticator.objects.get(user=person, type=Authenticator.Type.TOTP).data["secret"]
    assert secret not in stored
    code = current_totp_code(secret)
    assert TOTP(Authenticator.objects.get(user=person, type=Authenticator.Type.TOTP)).validate_code(code)


def test_sign_in_of_a_supervisor_asks_for_the_totp_code(people):
    client = Client()
    response = client.post(reverse("account_login"), {"login": "S100", "password": cast.PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("accounts:staff_list")).status_code == 302


def test_setting_up_totp_through_the_pages_is_audited(people, django_capture_on_commit_callbacks):
    from tests.helpers import actions_since, last_entry_id

    person = cast.approved("Q100", by=people.administrator, role=Role.SUPERVISOR, with_totp=False)
    client = Client()
    signed_in = client.post(reverse("account_login"), {"login": "Q100", "password": cast.PASSWORD})
    assert signed_in.status_code == 302, signed_in.content.decode()[:500]
    response = client.get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    reauthenticated = client.post(response["Location"], {"password": cast.PASSWORD})
    assert reauthenticated["Location"] == reverse("mfa_activate_totp")
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    # The view's own context: `page.context` gathers every template rendered in the process meanwhile, another
    # thread's sign-in page included (CI saw an EmployeeLoginForm there once).
    secret = page.context_data["form"].secret
    mark = last_entry_id()
    code = current_totp_code(secret)
    # allauth announces the new authenticator after its transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("mfa_activate_totp"), {"code": code})
    assert Authenticator.objects.filter(user=person, type=Authenticator.Type.TOTP).exists()
    assert "accounts.mfa.added" in actions_since(mark)
