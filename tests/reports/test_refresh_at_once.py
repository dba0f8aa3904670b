"""Refreshes of the same day at the same moment (the 10-minute one and the nightly one overlap every night) leave
the day counted once: each waits for the other's rows before replacing them."""

import pytest
from django.utils import timezone

from inbox.models import Question
from reports import rollups
from reports.models import DayFigures
from tests.concurrency import at_once

pytestmark = pytest.mark.django_db(transaction=True)


def test_eight_refreshes_of_one_day_at_once_count_it_once(people, ask):
    for n in range(3):
        ask(f"Where is my order {n}?", customer=f"sato_{n}")
    day = rollups.local_day(Question.objects.earliest("created_at").created_at)
    now = timezone.now()

    def refresh(_: int) -> str:
        return str(rollups.refresh_day(day, now=now))

    outcomes = at_once(range(8), refresh)

    assert len(outcomes) == 8
    queue_rows = DayFigures.objects.filter(day=day, subject=DayFigures.Subject.QUEUE)
    assert sum(row.counts.get("asked", 0) for row in queue_rows) == 3
    assert DayFigures.objects.filter(day=day).count() == int(outcomes[0])
