"""What the access matrix (tests/accounts/test_access_matrix.py) needs of listening, made on first use by the rows
that name it: a stream the administrator created, polled once on the fake X, where it found the cast's questions (they
mention the account, so they stay the questions they are)."""

from channels.x import x_channel_from_settings
from listening import polling, services
from listening.services import StreamSettings

STREAM_FORM = {"name": "", "query": "", "daily_read_budget": "", "poll_interval_minutes": ""}


def listening_objects(people):
    if not hasattr(people, "listening_stream"):
        stream = services.create_stream(
            StreamSettings(name="Orders", query="order", language="", daily_read_budget=100, poll_interval_minutes=15),
            actor=people.administrator,
        )
        polling.poll_stream(stream.pk, x_channel_from_settings(), now=stream.next_poll_at)
        people.listening_stream = stream
        people.listening_hit = stream.hits.order_by("pk").first()
    return people
