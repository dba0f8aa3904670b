"""How long ago, in words: never "0 minutes ago", plurals by ngettext, on the overdue page and Desk status; and the
worker's scheduler named in words a person (and a translator) reads."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from inbox import tasks
from inbox.templatetags.desk_time import ago
from tests.helpers import wind_back

from .test_status_page import NORMAL_MINUTES, fact

NOW = timezone.now()


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0, "less than a minute ago"),
        (59, "less than a minute ago"),
        (-30, "less than a minute ago"),
        (60, "1 minute ago"),
        (150, "2 minutes ago"),
        (3600 + 5 * 60, "1 hour, 5 minutes ago"),
    ],
)
def test_ago_says_less_than_a_minute_instead_of_0_minutes_and_inflects(seconds, words):
    # timesince joins a number and its unit with a no-break space.
    assert ago(NOW - timedelta(seconds=seconds), NOW).replace("\xa0", " ") == words


def test_ago_of_nothing_is_empty():
    assert ago(None, NOW) == ""


def test_the_overdue_page_never_says_0_minutes(desk, ask_many, client):
    (question,) = ask_many(1)
    # Due a few seconds ago: the sweep flags it, the page says how long ago it fell due.
    wind_back([question], NORMAL_MINUTES + 0.1)
    tasks.flag_unanswered()
    client.force_login(desk.supervisor)
    page = client.get(reverse("inbox:overdue")).content.decode()
    assert f"#{question.pk}</a>" in page
    assert "(less than a minute ago)" in page and "0 minutes" not in page


def test_desk_status_says_a_job_ran_less_than_a_minute_ago(desk, client):
    tasks.flag_unanswered()
    client.force_login(desk.supervisor)
    page = client.get(reverse("inbox:status")).content.decode()
    assert fact(page, "flag-unanswered") == "less than a minute ago"
    assert "check that the worker and its scheduler are running" in page
    assert " beat " not in page


def test_the_outbox_says_1_post_and_2_posts(desk, client, settings):
    client.force_login(desk.supervisor)
    settings.POSTING_BUDGET = 1
    assert "1 post left in the current window." in client.get(reverse("inbox:outbox")).content.decode()
    settings.POSTING_BUDGET = 2
    assert "2 posts left in the current window." in client.get(reverse("inbox:outbox")).content.decode()
