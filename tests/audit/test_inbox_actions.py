"""Every inbox action writes exactly one audit entry, and a refused one writes none."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Role
from inbox import claims, configuration, outbox, services
from inbox.errors import InboxError
from inbox.models import Queue, RoutingRule
from tests import cast
from tests.helpers import actions_since, last_entry_id


@pytest.fixture
def desk(people, routed_to_a, ask):
    people.question = ask("Where is my order?")
    people.colleague = cast.approved("E101", by=people.supervisor, role=Role.EMPLOYEE, queues=[people.queue_a])
    return people


def held(desk):
    return claims.claim(desk.question, actor=desk.employee_a)


def queued(desk):
    question = held(desk)
    return services.send_reply(question, actor=desk.employee_a, token=str(question.claim_token), body="Tomorrow.")


ACTIONS = {
    "claim": (lambda d, x, c: held(d), "inbox.question.claimed"),
    "renew": (
        lambda d, x, c: claims.renew(held(d), actor=d.employee_a, token=d.question.claim_token),
        "inbox.question.renewed",
    ),
    "release": (lambda d, x, c: claims.release(held(d), actor=d.employee_a), "inbox.question.released"),
    "force_release": (
        lambda d, x, c: claims.force_release(held(d), actor=d.supervisor, reason="journalist"),
        "inbox.question.force_released",
    ),
    "reassign": (
        lambda d, x, c: claims.reassign(d.question, actor=d.supervisor, to=d.colleague, reason="expert"),
        "inbox.question.reassigned",
    ),
    "lock_expired": (
        lambda d, x, c: (
            claims.claim(d.question, actor=d.employee_a, now=timezone.now() - timedelta(hours=1)),
            claims.release_expired(),
        ),
        "inbox.question.lock_expired",
    ),
    "reply_queued": (lambda d, x, c: queued(d), "inbox.reply.queued"),
    "reply_sent": (lambda d, x, c: outbox.deliver(queued(d).pk, c), "inbox.reply.sent"),
    "reply_retried": (
        lambda d, x, c: (
            x.faults.queue("server_error", path_prefix="/2/tweets", method="POST"),
            outbox.deliver(queued(d).pk, c),
        ),
        "inbox.reply.retried",
    ),
    "reply_failed": (
        lambda d, x, c: (x.delete_tweet(d.question.last_post_id), outbox.deliver(queued(d).pk, c)),
        "inbox.reply.failed",
    ),
    "queue_created": (
        lambda d, x, c: configuration.save_setting(Queue(name="New queue"), actor=d.administrator),
        "inbox.queue.created",
    ),
    "rule_changed": (
        lambda d, x, c: configuration.save_setting(_changed_rule(), actor=d.administrator),
        "inbox.routingrule.changed",
    ),
}


def _changed_rule():
    rule = RoutingRule.objects.get(name="to A")
    rule.keywords = "order\nparcel"
    return rule


# Actions that need earlier steps of their own: only the entries after those steps are compared.
SETUP_STEPS = {
    "reply_queued": 1,
    "renew": 1,
    "release": 1,
    "force_release": 1,
    "lock_expired": 1,
    "reply_sent": 2,
    "reply_retried": 2,
    "reply_failed": 2,
}


@pytest.mark.parametrize("name", ACTIONS)
def test_each_inbox_action_writes_exactly_one_entry(desk, fake_x, channel, name):
    action, code = ACTIONS[name]
    mark = last_entry_id()
    action(desk, fake_x, channel)
    written = actions_since(mark)
    assert written[SETUP_STEPS.get(name, 0) :] == [code]


def test_refused_inbox_actions_write_nothing(desk):
    question = held(desk)
    mark = last_entry_id()
    for refused in [
        lambda: claims.claim(desk.question, actor=desk.colleague),
        lambda: claims.claim(desk.question, actor=desk.employee_b),
        lambda: claims.renew(desk.question, actor=desk.colleague, token=question.claim_token),
        lambda: claims.release(desk.question, actor=desk.colleague),
        lambda: claims.force_release(desk.question, actor=desk.supervisor, reason="  "),
        lambda: services.send_reply(desk.question, actor=desk.employee_a, token=str(question.claim_token), body=""),
        lambda: services.send_reply(desk.question, actor=desk.employee_a, token="stale", body="Hi"),
    ]:
        with pytest.raises(InboxError):
            refused()
    assert actions_since(mark) == []
