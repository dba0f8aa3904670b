"""What the public check's tests share: replies the desk sent through the fake X (ids as X gives them, beyond
2**53), and a reply X refused."""

import pytest

from inbox import claims, outbox, services
from inbox.models import Reply


def answer_and_post(question, employee, channel, body: str = "明日お届け予定です。Tomorrow.") -> Reply:
    held = claims.claim(question, actor=employee)
    reply = services.send_reply(held, actor=employee, token=str(held.claim_token), body=body)
    assert outbox.deliver(reply.pk, channel).outcome in ("sent", "failed")
    reply.refresh_from_db()
    return reply


@pytest.fixture
def sent(people, routed_to_a, ask, channel) -> Reply:
    """E100's reply to a customer's question, posted on X: X's id in posted_id."""
    reply = answer_and_post(ask("When does my order arrive?", customer="nakamura"), people.employee_a, channel)
    assert reply.status == Reply.Status.SENT and reply.posted_id
    return reply


@pytest.fixture
def failed(people, routed_to_a, ask, fake_x, channel) -> Reply:
    """E100's reply that X refused (the customer's post was deleted before it went out)."""
    question = ask("Is my order on its way?", customer="kato")
    fake_x.delete_tweet(question.last_post_id)
    reply = answer_and_post(question, people.employee_a, channel, body="It left the warehouse today.")
    assert reply.status == Reply.Status.FAILED
    return reply
