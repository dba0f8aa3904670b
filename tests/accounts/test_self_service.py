"""A person's own addresses and password, through allauth's pages: each change is audited once, only verified
addresses sign in or receive reset links, and an address too long for the columns is refused whole.

allauth's flows send their signals outside any transaction, so the entries are written at once; here the test's
own transaction defers them (on_commit), so each request that changes something runs inside `committed()`.
"""

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.account.signals import email_added
from django.db import transaction
from django.test import Client
from django.urls import reverse

from accounts import services
from accounts.models import Employee, Role
from audit.models import AuditEntry
from tests import cast
from tests.helpers import actions_since, last_entry_id

NEW_PASSWORD = "a-brand-new-staple-horse"


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Runs what allauth deferred to the commit at the end of the block, as the real (unwrapped) request would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def signed_in_as(person: Employee) -> Client:
    client = Client()
    client.force_login(person)
    return client


def entries_since(mark: int) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(id__gt=mark).order_by("id"))


def link_in_mail(message, url_name: str, **kwargs) -> str:
    """The path of the link to `url_name` in `message` (reversed with UID and KEY in place of its parts)."""
    prefix = re.split("UID|KEY", reverse(url_name, **kwargs))[0]
    match = re.search(rf"https?://[^/\s]+({re.escape(prefix)}\S+)", message.body)
    assert match, message.body
    return match.group(1)


def confirmation_link(message) -> str:
    return link_in_mail(message, "account_confirm_email", args=["KEY"])


def add_address(client: Client, email: str, committed) -> None:
    with committed():
        response = client.post(reverse("account_email"), {"email": email, "action_add": ""})
    assert response.status_code == 302, response


def verify_by_the_link(message, committed) -> None:
    """Follow the link as a person does from their mailbox: a browser with nobody signed in."""
    with committed():
        response = Client().post(confirmation_link(message))
    assert response.status_code == 302, response


def signs_in(login: str, password: str = cast.PASSWORD) -> bool:
    client = Client()
    client.post(reverse("account_login"), {"login": login, "password": password})
    return "_auth_user_id" in client.session


def without_csrf_tokens(html: str) -> str:
    """A page as the person reads it: the CSRF token is masked afresh for every response."""
    return re.sub(r"[A-Za-z0-9]{64}", "", html)


@pytest.fixture
def newcomer(people, committed):
    """E777, signed up through the form (allauth stored new@example.com unverified and mailed a link), approved."""
    client = Client()
    with committed():
        client.post(
            reverse("account_signup"),
            {"username": "e777", "email": "new@example.com", "password1": cast.PASSWORD, "password2": cast.PASSWORD},
        )
    employee = Employee.objects.get(employee_number="E777")
    return services.approve_employee(employee, actor=people.supervisor, role=Role.EMPLOYEE)


# Each self-service action writes exactly one entry.


def test_adding_an_address_on_the_email_page_writes_one_entry_with_the_address(people, committed, mailoutbox):
    client = signed_in_as(people.employee_a)
    mark = last_entry_id()
    add_address(client, "e100.home@example.com", committed)

    assert actions_since(mark) == ["accounts.email.added"]
    (entry,) = entries_since(mark)
    assert (entry.actor_number, entry.target_id) == ("E100", str(people.employee_a.pk))
    assert entry.after == {"email": "e100.home@example.com"}
    address = EmailAddress.objects.get(user=people.employee_a, email="e100.home@example.com")
    assert not address.verified
    assert [m.to for m in mailoutbox] == [["e100.home@example.com"]]


def test_verifying_an_address_by_the_link_in_the_mail_writes_one_entry(people, committed, mailoutbox):
    add_address(signed_in_as(people.employee_a), "e100.home@example.com", committed)
    mark = last_entry_id()
    verify_by_the_link(mailoutbox[-1], committed)

    assert actions_since(mark) == ["accounts.email.verified"]
    (entry,) = entries_since(mark)
    assert entry.actor_number == "E100"
    # E100 had no primary address, so allauth made the verified one primary on its own; the entry says so.
    assert entry.after == {"email": "e100.home@example.com", "primary": True}
    assert EmailAddress.objects.get(user=people.employee_a, email="e100.home@example.com").verified


def test_making_another_verified_address_primary_writes_one_entry_with_both_addresses(people, committed, mailoutbox):
    client = signed_in_as(people.employee_a)
    for email in ["e100.home@example.com", "e100.work@example.com"]:
        add_address(client, email, committed)
        verify_by_the_link(mailoutbox[-1], committed)
    mark = last_entry_id()
    with committed():
        response = client.post(reverse("account_email"), {"email": "e100.work@example.com", "action_primary": ""})

    assert response.status_code == 302
    assert actions_since(mark) == ["accounts.email.made_primary"]
    (entry,) = entries_since(mark)
    assert (entry.before, entry.after) == ({"email": "e100.home@example.com"}, {"email": "e100.work@example.com"})
    people.employee_a.refresh_from_db()
    assert people.employee_a.email == "e100.work@example.com"


def test_removing_an_address_writes_one_entry_with_the_address(people, committed):
    client = signed_in_as(people.employee_a)
    add_address(client, "e100.home@example.com", committed)
    mark = last_entry_id()
    with committed():
        response = client.post(reverse("account_email"), {"email": "e100.home@example.com", "action_remove": ""})

    assert response.status_code == 302
    assert actions_since(mark) == ["accounts.email.removed"]
    assert entries_since(mark)[0].before == {"email": "e100.home@example.com"}
    assert not EmailAddress.objects.filter(email="e100.home@example.com").exists()


def test_changing_the_password_writes_one_entry_and_never_the_password(people, committed):
    client = signed_in_as(people.employee_a)
    mark = last_entry_id()
    with committed():
        response = client.post(
            reverse("account_change_password"),
            {"oldpassword": cast.PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )

    assert response.status_code == 302
    assert actions_since(mark) == ["accounts.password.changed"]
    (entry,) = entries_since(mark)
    assert entry.actor_number == "E100" and entry.before is None and entry.after is None
    assert cast.PASSWORD not in entry.payload and NEW_PASSWORD not in entry.payload
    assert signs_in("E100", NEW_PASSWORD)


def test_setting_a_first_password_writes_one_entry(people, committed):
    person = services.approve_employee(cast.sign_up("E300", password=None), actor=people.supervisor, role=Role.EMPLOYEE)
    assert not person.has_usable_password()
    client = signed_in_as(person)
    mark = last_entry_id()
    with committed():
        response = client.post(reverse("account_set_password"), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert response.status_code == 302
    assert actions_since(mark) == ["accounts.password.set"]
    assert NEW_PASSWORD not in entries_since(mark)[0].payload
    assert signs_in("E300", NEW_PASSWORD)


def test_a_reset_for_a_verified_address_mails_the_link_and_each_step_writes_one_entry(people, committed, mailoutbox):
    add_address(signed_in_as(people.employee_a), "e100.home@example.com", committed)
    verify_by_the_link(mailoutbox[-1], committed)
    mailoutbox.clear()
    stranger = Client()

    mark = last_entry_id()
    with committed():
        response = stranger.post(reverse("account_reset_password"), {"email": "e100.home@example.com"})
    assert response.status_code == 302
    assert actions_since(mark) == ["accounts.password.reset_requested"]
    (requested,) = entries_since(mark)
    assert requested.actor_number == "system" and requested.target_id == str(people.employee_a.pk)
    assert requested.after == {"email": "e100.home@example.com"}
    assert [m.to for m in mailoutbox] == [["e100.home@example.com"]]

    link = link_in_mail(mailoutbox[0], "account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
    key = link.rstrip("/").rsplit("/", 1)[-1]
    form_page = stranger.get(link)
    assert form_page.status_code == 302  # allauth moves the key into the session, out of the address
    mark = last_entry_id()
    with committed():
        response = stranger.post(form_page["Location"], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert response.status_code == 302
    assert actions_since(mark) == ["accounts.password.reset_completed"]
    (completed,) = entries_since(mark)
    assert completed.actor_number == "E100"
    for entry in (requested, completed):
        assert key.split("-", 1)[1] not in entry.payload and NEW_PASSWORD not in entry.payload
    assert signs_in("E100", NEW_PASSWORD)


def test_a_reset_for_an_unverified_address_sends_nothing_shows_the_same_page_and_records_the_refusal(
    people, committed, mailoutbox
):
    client = signed_in_as(people.employee_a)
    add_address(client, "e100.home@example.com", committed)
    add_address(client, "e100.work@example.com", committed)
    verify_by_the_link(mailoutbox[-1], committed)
    mailoutbox.clear()

    with committed():
        verified = Client().post(reverse("account_reset_password"), {"email": "e100.work@example.com"}, follow=True)
    assert len(mailoutbox) == 1
    mailoutbox.clear()
    mark = last_entry_id()
    with committed():
        unverified = Client().post(reverse("account_reset_password"), {"email": "e100.home@example.com"}, follow=True)

    assert mailoutbox == []
    assert unverified.redirect_chain == verified.redirect_chain == [(reverse("account_reset_password_done"), 302)]
    assert without_csrf_tokens(unverified.content.decode()) == without_csrf_tokens(verified.content.decode())
    assert actions_since(mark) == ["accounts.password.reset_refused"]
    (entry,) = entries_since(mark)
    assert entry.target_id == str(people.employee_a.pk)
    assert entry.after == {"email": "e100.home@example.com", "verified": False}


def test_a_reset_for_the_unverified_sign_up_address_sends_nothing(newcomer, committed, mailoutbox):
    mailoutbox.clear()
    mark = last_entry_id()
    with committed():
        response = Client().post(reverse("account_reset_password"), {"email": "new@example.com"})

    assert response["Location"] == reverse("account_reset_password_done")
    assert mailoutbox == []
    assert actions_since(mark) == ["accounts.password.reset_refused"]


# Only verified addresses sign in; the employee number always does.


def test_signing_in_with_an_unverified_self_added_address_is_refused(people, committed):
    add_address(signed_in_as(people.employee_a), "e100.home@example.com", committed)
    mark = last_entry_id()

    assert not signs_in("e100.home@example.com")
    assert actions_since(mark) == ["accounts.session.sign_in_failed"]


def test_signing_in_with_the_address_once_verified_is_accepted(people, committed, mailoutbox):
    add_address(signed_in_as(people.employee_a), "e100.home@example.com", committed)
    assert not signs_in("e100.home@example.com")
    verify_by_the_link(mailoutbox[-1], committed)
    mark = last_entry_id()

    assert signs_in("E100.Home@Example.com")
    assert actions_since(mark) == ["accounts.session.signed_in"]
    assert not signs_in("e100.home@example.com", "a wrong password")


def test_the_sign_up_address_signs_in_once_the_link_mailed_at_sign_up_is_followed(newcomer, committed, mailoutbox):
    assert EmailAddress.objects.get(user=newcomer).verified is False
    assert not signs_in("new@example.com")
    (sign_up_mail,) = mailoutbox
    verify_by_the_link(sign_up_mail, committed)

    assert signs_in("new@example.com")


def test_the_employee_field_alone_is_no_verified_address(people):
    # The cast's e-mail is in Employee.email only, never verified by anyone.
    assert not EmailAddress.objects.filter(user=people.employee_a).exists()
    assert not signs_in("e100@example.com")


def test_signing_in_by_employee_number_works_whatever_the_addresses(people, committed):
    assert signs_in("E100")
    add_address(signed_in_as(people.employee_a), "e100.home@example.com", committed)

    assert signs_in("E100")
    assert signs_in("e100")
    assert not signs_in("E100", "a wrong password")


# An address too long for the columns is refused whole, never cut.


def test_a_sign_up_address_of_255_characters_is_refused_with_a_field_error_and_nothing_is_saved(people):
    email = "a" * 243 + "@example.com"
    assert len(email) == 255
    mark = last_entry_id()
    response = Client().post(
        reverse("account_signup"),
        {"username": "E777", "email": email, "password1": cast.PASSWORD, "password2": cast.PASSWORD},
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "email": ["An e-mail address may have at most 254 characters; this one has 255."]
    }
    assert not Employee.objects.filter(employee_number="E777").exists()
    assert not EmailAddress.objects.filter(email__startswith="aaa").exists()
    assert actions_since(mark) == []


def test_a_sign_up_address_of_254_characters_is_stored_whole(people):
    email = "a" * 242 + "@example.com"
    response = Client().post(
        reverse("account_signup"),
        {"username": "E777", "email": email, "password1": cast.PASSWORD, "password2": cast.PASSWORD},
    )

    assert response.status_code == 302
    assert Employee.objects.get(employee_number="E777").email == email
    assert EmailAddress.objects.get(email=email).user.employee_number == "E777"


def test_an_address_of_255_characters_is_refused_on_the_email_page(people):
    email = "a" * 243 + "@example.com"
    mark = last_entry_id()
    response = signed_in_as(people.employee_a).post(reverse("account_email"), {"email": email, "action_add": ""})

    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [
        "An e-mail address may have at most 254 characters; this one has 255."
    ]
    assert not EmailAddress.objects.filter(email__startswith="aaa").exists()
    assert actions_since(mark) == ["accounts.session.signed_in"]


# A signal sent inside a transaction (a future allauth flow, ATOMIC_REQUESTS) is recorded after it commits.


@pytest.mark.django_db(transaction=True)
def test_an_address_added_inside_a_transaction_is_recorded_once_after_it_commits():
    person = cast.sign_up("E300")
    mark = last_entry_id()
    with transaction.atomic():
        address = EmailAddress.objects.create(user=person, email="e300.home@example.com")
        email_added.send(sender=EmailAddress, request=None, user=person, email_address=address)
        assert actions_since(mark) == []

    assert actions_since(mark) == ["accounts.email.added"]


@pytest.mark.django_db(transaction=True)
def test_an_address_added_in_a_transaction_that_rolls_back_is_not_recorded():
    person = cast.sign_up("E300")
    mark = last_entry_id()
    with pytest.raises(RuntimeError, match="changed my mind"), transaction.atomic():
        address = EmailAddress.objects.create(user=person, email="e300.home@example.com")
        email_added.send(sender=EmailAddress, request=None, user=person, email_address=address)
        raise RuntimeError("changed my mind")

    assert actions_since(mark) == []
    assert not EmailAddress.objects.filter(email="e300.home@example.com").exists()


def test_a_pending_sign_up_verifies_its_address_from_the_browser_it_signed_up_in(people, committed, mailoutbox):
    browser = Client()
    with committed():
        browser.post(
            reverse("account_signup"),
            {"username": "p777", "email": "p777@example.com", "password1": cast.PASSWORD, "password2": cast.PASSWORD},
        )
    assert Employee.objects.get(employee_number="P777").status == Employee.Status.PENDING
    mark = last_entry_id()
    with committed():
        response = browser.post(confirmation_link(mailoutbox[-1]))
    # Not sent to the waiting page: the link is for anyone who holds the mailbox.
    assert response.status_code == 302 and response["Location"] != reverse("accounts:status")
    assert EmailAddress.objects.get(email="p777@example.com").verified
    assert actions_since(mark) == ["accounts.email.verified"]
