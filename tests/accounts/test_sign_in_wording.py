"""The sign-in pages in the desk's words: "Sign in" (never allauth's "Sign In"), the employee number (never
"username"), each error on its own field; and allauth's strings the desk shows listed for the desk's catalog, where
the Japanese says サインイン."""

from pathlib import Path

import allauth
import polib
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from accounts.allauth_strings import ALLAUTH_MSGIDS
from tests import cast

ALLAUTH_JA = Path(allauth.__file__).parent / "locale/ja/LC_MESSAGES/django.po"


def sign_up(client: Client, number: str, email: str = "newcomer@example.com"):
    password = "a-long-enough-passphrase-9"
    return client.post(
        reverse("account_signup"), {"username": number, "email": email, "password1": password, "password2": password}
    )


def test_a_number_already_signed_up_is_refused_on_the_number_field_in_the_desks_words(people):
    response = sign_up(Client(), "e100")
    form = response.context["form"]
    assert response.status_code == 200
    assert form.errors == {"username": ["Employee number E100 has already signed up. If it is yours, sign in instead."]}
    page = response.content.decode()
    assert "username" not in page.replace('name="username"', "").replace('autocomplete="username"', "").replace(
        "id_username", ""
    )
    # Under the number's input, before the next field's label: not at the top of the form.
    assert page.index('id="id_username"') < page.index("has already signed up") < page.index('for="id_email"')
    assert 'id="id_username_error"' in page


def test_an_invalid_number_is_also_shown_on_its_field(db):
    response = sign_up(Client(), "E-1")
    assert list(response.context["form"].errors) == ["username"]


def test_a_wrong_password_says_number_or_e_mail_not_username(people):
    for login in ("E100", "e100@example.com"):
        response = Client().post(reverse("account_login"), {"login": login, "password": "wrong-password-123"})
        assert response.context["form"].non_field_errors() == [
            "The employee number or e-mail, or the password, is not correct."
        ]


def test_the_right_password_still_signs_in(people):
    response = Client().post(reverse("account_login"), {"login": "E100", "password": cast.PASSWORD})
    assert response.status_code == 302


@pytest.mark.parametrize("page", ["account_login", "account_signup", "account_reset_password"])
def test_the_entrance_pages_say_sign_in_as_the_desk_does(db, page):
    html = Client().get(reverse(page)).content.decode()
    assert "Sign In" not in html and "Sign Up" not in html and "Signup" not in html
    assert "Sign in" in html


def test_the_sign_in_page_names_what_the_desk_signs_in_with(db):
    html = Client().get(reverse("account_login")).content.decode()
    assert "<h1>Sign in</h1>" in html and "<title>Sign in · replydesk</title>" in html
    assert "Keep me signed in on this browser" in html and "Remember Me" not in html


def test_the_sign_out_page_says_sign_out(people):
    client = Client()
    client.force_login(people.employee_a)
    html = client.get(reverse("account_logout")).content.decode()
    assert "<h1>Sign out</h1>" in html and "Sign Out" not in html


def test_the_second_step_of_signing_in_says_sign_in(people):
    client = Client()
    response = client.post(reverse("account_login"), {"login": "S100", "password": cast.PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    html = client.get(reverse("mfa_authenticate")).content.decode()
    assert "<h1>Two-factor sign-in</h1>" in html and "Sign In" not in html
    assert 'name="code"' in html


def test_every_listed_allauth_msgid_is_allauths_own():
    theirs = {entry.msgid for entry in polib.pofile(str(ALLAUTH_JA)) if not entry.obsolete}
    assert [msgid for msgid in ALLAUTH_MSGIDS if msgid not in theirs] == []


def test_the_desks_catalog_wins_over_allauths_japanese():
    """Fails until the lead translates the listed msgids in locale/ja (with サインイン, 社員番号, 二要素認証)."""
    with translation.override("ja"):
        said = {msgid: gettext(msgid) for msgid in ALLAUTH_MSGIDS}
    allauths_words = ("ログイン", "ログアウト", "ユーザー名", "ユーザー登録", "多要素認証")
    assert {msgid: text for msgid, text in said.items() if any(word in text for word in allauths_words)} == {}
