"""The headers every page carries: a strict Content-Security-Policy (django-csp), and `Cache-Control: no-store` on
every page of a signed-in person (replydesk.private_pages), while static files stay cacheable."""

import pytest
from django.test import Client
from django.urls import reverse

from inbox import claims
from tests.helpers import signed_in

STRICT_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {name: sources for name, *sources in directives}


def cache_control(response) -> set[str]:
    return {part.strip().lower() for part in response.get("Cache-Control", "").split(",") if part.strip()}


# --- Content-Security-Policy -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "url"),
    [
        (None, reverse("account_login")),
        (None, reverse("account_signup")),
        ("employee_a", reverse("inbox:inbox")),
        ("supervisor", reverse("accounts:staff_list")),
        ("compliance", reverse("audit:trail")),
        ("administrator", reverse("admin:index")),
        ("administrator", reverse("mfa_index")),
    ],
)
def test_pages_carry_the_strict_content_security_policy(people, persona, url):
    client = signed_in(getattr(people, persona)) if persona else Client()
    response = client.get(url)
    assert response.status_code == 200, response
    assert policy(response) == STRICT_POLICY
    assert "unsafe" not in response["Content-Security-Policy"]


def test_error_pages_and_redirects_carry_it_too(people):
    assert policy(Client().get("/no-such-page/")) == STRICT_POLICY
    assert policy(Client().get(reverse("inbox:inbox"))) == STRICT_POLICY  # to the sign-in page


def test_pages_use_no_inline_handler_or_style(people, question_in_a):
    """What the policy would block: inline <script>, <style>, on…="" handlers and style="" attributes."""
    client = signed_in(people.employee_a)
    claims.claim(question_in_a, actor=people.employee_a)
    pages = [
        client.get(reverse("inbox:inbox")),
        client.get(reverse("inbox:question", args=[question_in_a.pk])),
        signed_in(people.compliance).get(reverse("audit:trail")),
        Client().get(reverse("account_login")),
    ]
    for response in pages:
        page = response.content.decode()
        assert response.status_code == 200
        for blocked in ("<style", " style=", "onchange=", "onclick=", "onsubmit=", "javascript:"):
            assert blocked not in page, (response.wsgi_request.path, blocked)
        scripts = [tag for tag in page.split("<script")[1:]]
        assert all(tag.lstrip().startswith("src=") for tag in scripts), response.wsgi_request.path
        assert '<meta name="htmx-config"' in page and '"includeIndicatorStyles": false' in page


# --- Cache-Control: no-store -------------------------------------------------------------------------------------


def private_pages(people, question) -> list[tuple[str, str]]:
    return [
        ("employee_a", reverse("inbox:inbox")),
        ("employee_a", reverse("inbox:question", args=[question.pk])),
        ("supervisor", reverse("accounts:staff_list")),
        ("supervisor", reverse("inbox:status")),
        ("supervisor", reverse("inbox:outbox")),
        ("supervisor", reverse("inbox:overdue")),
        ("compliance", reverse("audit:trail")),
        ("compliance", reverse("audit:question_timeline", args=[question.pk])),
        ("compliance", reverse("audit:integrity")),
        ("administrator", reverse("admin:index")),
        ("employee_a", reverse("mfa_index")),
        ("pending", reverse("accounts:status")),
        ("employee_a", reverse("home")),  # a redirect to the inbox
    ]


def test_every_page_of_a_signed_in_person_is_no_store(people, question_in_a):
    for persona, url in private_pages(people, question_in_a):
        response = signed_in(getattr(people, persona)).get(url)
        assert response.status_code in (200, 302), (url, response.status_code)
        assert "no-store" in cache_control(response), (url, response.get("Cache-Control"))


def test_htmx_fragments_are_no_store_too(people, question_in_a):
    response = signed_in(people.employee_a).get(reverse("inbox:inbox"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "no-store" in cache_control(response)


def test_a_view_that_sets_its_own_cache_control_keeps_it(people):
    # The compliance pages say never_cache themselves (which includes no-store); nothing is added twice.
    response = signed_in(people.compliance).get(reverse("audit:trail"))
    assert cache_control(response) == {"max-age=0", "no-cache", "no-store", "must-revalidate", "private"}


def test_only_a_signed_in_person_gets_no_store(people):
    # The same page (the desk's 404, which sets no Cache-Control of its own), for a stranger and for an employee.
    assert "no-store" not in cache_control(Client().get("/no-such-page/"))
    assert "no-store" in cache_control(signed_in(people.employee_a).get("/no-such-page/"))


def test_static_files_stay_cacheable_for_a_signed_in_person(people, settings):
    # Whitenoise answers before the middleware; it reads the finders only when told to (as in DEBUG).
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    client = signed_in(people.employee_a)
    response = client.get("/static/css/replydesk.css")
    assert response.status_code == 200
    assert "no-store" not in cache_control(response)
    assert any(part.startswith("max-age=") and part != "max-age=0" for part in cache_control(response))
