"""What the question-page browser tests share: a person's page opened with a session made server-side (as
Client.force_login makes one), or through the sign-in form, and a real Celery worker."""

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.test import Client

from replydesk.celery import app as celery_app
from tests import cast

# The page polls every 3 s: anything it must show appears well within this (bounded waits, never sleeps).
LIVE_TIMEOUT_MS = 15_000


def open_as(browser, live_server, employee, path: str = "/", *, locale: str = "en-US", context=None):
    """A page of `employee`'s own browser (a new context unless given), signed in, at `path`."""
    client = Client()
    client.force_login(employee)
    context = context or browser.new_context(locale=locale)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.goto(f"{live_server.url}{path}")
    return page


def sign_in_on(page, number: str) -> None:
    """Fill in the sign-in form the page shows."""
    page.locator("input[name=login]").fill(number)
    page.locator("input[name=password]").fill(cast.PASSWORD)
    page.locator("form button[type=submit]").last.click()


def question_path(question) -> str:
    return f"/inbox/questions/{question.pk}/"


@pytest.fixture
def worker():
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield
