"""What the listening tests share: streams made through the services, and a poll at a chosen moment."""

from datetime import timedelta

import pytest
from django.utils import timezone

from listening import polling, services
from listening.services import StreamSettings


def settings_for(query: str = "レプリ電機", **changes) -> StreamSettings:
    chosen = {
        "name": "Brand",
        "query": query,
        "language": "",
        "daily_read_budget": 100,
        "poll_interval_minutes": 15,
    } | changes
    return StreamSettings(**chosen)


class Clock:
    """The moments the tests pass as `now=`: never frozen, only moved on by the test. It starts at noon today (in
    TIME_ZONE), so that a test moving it by minutes or hours never crosses into the next day, whenever it runs."""

    def __init__(self):
        self.now = timezone.localtime(timezone.now()).replace(hour=12, minute=0, second=0, microsecond=0)

    def later(self, **delta) -> "Clock":
        self.now += timedelta(**delta)
        return self


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_stream(people, clock):
    def making(query: str = "レプリ電機", **changes):
        return services.create_stream(settings_for(query, **changes), actor=people.administrator, now=clock.now)

    return making


@pytest.fixture
def poll(channel, clock):
    """Poll one stream at the clock's moment (after moving the clock past its interval when asked)."""

    def polling_(stream, **delta):
        if delta:
            clock.later(**delta)
        return polling.poll_stream(stream.pk, channel, now=clock.now)

    return polling_
