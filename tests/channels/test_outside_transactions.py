"""No network call inside a database transaction: the channel refuses it before anything reaches X."""

import pytest
from django.db import transaction

from channels.base import CalledInsideTransaction


def test_posting_inside_a_transaction_is_refused_and_x_hears_nothing(db, fake_x, channel):
    post_id = fake_x.mention("sato", "Where is my order?")
    fake_x.clear_requests()
    with pytest.raises(CalledInsideTransaction), transaction.atomic():
        channel.post_reply(text="It ships today. ^E100", in_reply_to=post_id)
    assert fake_x.requests == []
    assert fake_x.replies_posted() == []


@pytest.mark.parametrize(
    "call",
    [
        lambda channel: channel.mentions(since_id=None, pagination_token=None),
        lambda channel: channel.find_reply(conversation_id="1", in_reply_to="1", text="x"),
    ],
    ids=["mentions", "find_reply"],
)
def test_reading_inside_a_transaction_is_refused_too(db, fake_x, channel, call):
    fake_x.clear_requests()
    with pytest.raises(CalledInsideTransaction), transaction.atomic():
        call(channel)
    assert fake_x.requests == []


def test_outside_a_transaction_the_same_call_goes_through(db, fake_x, channel):
    post_id = fake_x.mention("sato", "Where is my order?")
    posted = channel.post_reply(text="It ships today. ^E100", in_reply_to=post_id)
    assert [t.id for t in fake_x.replies_posted()] == [posted.id]
