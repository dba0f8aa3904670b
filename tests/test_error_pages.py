"""Errors are pages of the desk: styled, translated, with the navigation where the request allows it and a way back;
the 500 page renders with the database gone. A 403 logs one line, without a traceback. (The test settings run the
desk as production does: DEBUG off.)"""

import logging

import pytest
from django.test import Client
from django.urls import path, reverse

from replydesk.urls import urlpatterns as desk_urls


def _fails(request):
    raise RuntimeError("a bug in a view")


urlpatterns = [path("test-500/", _fails), *desk_urls]


def main(response) -> str:
    page = response.content.decode()
    return page[page.index("<main") : page.index("</main>")]


@pytest.fixture
def employee(people) -> Client:
    client = Client()
    client.force_login(people.employee_a)
    return client


def test_a_page_of_another_role_answers_a_desk_page_with_the_navigation_and_a_way_back(employee):
    response = employee.get(reverse("audit:trail"))
    page = response.content.decode()
    assert response.status_code == 403
    assert "<h1>Not a page for your role</h1>" in page
    assert 'href="/inbox/"' in page and "Back to the desk" in page
    assert 'href="/static/css/replydesk.css"' in page
    assert "403 Forbidden" not in page


def test_the_403_page_is_in_the_persons_language(employee):
    employee.post(reverse("set_language"), {"language": "ja", "next": "/"})
    page = employee.get(reverse("audit:trail")).content.decode()
    assert '<html lang="ja">' in page
    assert "受信箱" in page  # the navigation, already translated


def test_a_403_logs_one_line_without_a_traceback(employee, caplog):
    with caplog.at_level(logging.INFO):
        employee.get(reverse("audit:trail"))
    records = [r for r in caplog.records if r.name == "django.request"]
    assert [(r.levelname, r.getMessage()) for r in records] == [("WARNING", "Forbidden (Permission denied): /audit/")]
    assert records[0].exc_info is None and records[0].exc_text is None


def test_a_server_error_keeps_its_traceback_in_the_log(people, caplog, settings):
    settings.ROOT_URLCONF = __name__
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.INFO):
        client.get("/test-500/")
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.levelname == "ERROR" and record.exc_info is not None


def test_an_unknown_address_answers_a_desk_page(employee):
    response = employee.get("/inbox/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in page and "Back to the desk" in page and 'href="/inbox/"' in page


def test_a_question_one_may_not_see_answers_the_same_404(people, question_in_a):
    client = Client()
    client.force_login(people.employee_b)
    unknown = client.get(reverse("inbox:question", args=[question_in_a.pk + 1000]))
    not_theirs = client.get(reverse("inbox:question", args=[question_in_a.pk]))
    assert unknown.status_code == not_theirs.status_code == 404
    assert "<h1>Page not found</h1>" in not_theirs.content.decode()
    assert main(not_theirs) == main(unknown)


def test_a_stranger_gets_the_404_page_too(db):
    page = Client().get("/no-such-page/").content.decode()
    assert "<h1>Page not found</h1>" in page and 'href="/accounts/login/"' in page


def test_a_server_error_answers_the_desks_500_page(db, settings):
    settings.ROOT_URLCONF = __name__
    response = Client(raise_request_exception=False).get("/test-500/", headers={"Accept-Language": "ja"})
    page = response.content.decode()
    assert response.status_code == 500
    assert '<html lang="ja">' in page
    assert 'href="/static/css/replydesk.css"' in page and 'href="/"' in page


def test_the_500_page_renders_without_the_database(settings):
    """No `db` fixture: any query while the page renders raises, as it would with the database down."""
    settings.ROOT_URLCONF = __name__
    response = Client(raise_request_exception=False).get("/test-500/")
    page = response.content.decode()
    assert response.status_code == 500
    assert "<h1>The desk ran into an error</h1>" in page and "Back to the desk" in page


def test_a_form_sent_after_signing_out_and_in_again_is_refused_with_a_desk_page(people):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.employee_a)
    response = client.post(reverse("account_logout"), {})
    page = response.content.decode()
    assert response.status_code == 403
    assert "<h1>The form could not be accepted</h1>" in page and "Nothing was saved." in page
    assert 'href="/inbox/"' in page
