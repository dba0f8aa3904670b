"""The outbox posts each reply exactly once, through the real tweepy client against the fake X server."""

from datetime import timedelta

import pytest
from django.utils import timezone

from channels.x import post_time
from inbox import claims, outbox, services
from inbox.models import Question, Reply
from tests.helpers import actions_since, last_entry_id


@pytest.fixture
def queued(people, routed_to_a, ask):
    """A reply by employee_a, accepted and waiting in the outbox."""

    question = ask("When does my order arrive? 注文はいつ届きますか", customer="nakamura")
    held = claims.claim(question, actor=people.employee_a)
    return services.send_reply(
        held, actor=people.employee_a, token=str(held.claim_token), body="明日お届け予定です。Tomorrow."
    )


def test_a_queued_reply_is_posted_once_as_a_reply(queued, fake_x, channel):
    mark = last_entry_id()
    assert outbox.deliver(queued.pk, channel).outcome == "sent"
    queued.refresh_from_db()
    assert queued.status == Reply.Status.SENT and queued.posted_id
    posted = fake_x.replies_posted()
    assert [p.id for p in posted] == [queued.posted_id]
    assert posted[0].body == "明日お届け予定です。Tomorrow.\n^E100"
    assert posted[0].in_reply_to_tweet_id == queued.in_reply_to
    assert actions_since(mark) == ["inbox.reply.sent"]
    # Delivering again changes nothing.
    assert outbox.deliver(queued.pk, channel).outcome == "not_due"
    assert len(fake_x.replies_posted()) == 1


def test_rate_limit_waits_until_the_reset_without_a_countdown(queued, fake_x, channel):
    fake_x.faults.queue("rate_limit", path_prefix="/2/tweets", method="POST", seconds=7200)
    delivery = outbox.deliver(queued.pk, channel)
    queued.refresh_from_db()
    assert delivery.outcome == "retry"
    assert queued.status == Reply.Status.QUEUED
    assert queued.next_attempt_at > timezone.now() + timedelta(minutes=119)
    assert outbox.due_replies(timezone.now()) == []
    assert queued.pk in outbox.due_replies(timezone.now() + timedelta(hours=2, minutes=1))
    assert outbox.deliver(queued.pk, channel, now=timezone.now() + timedelta(hours=2, minutes=1)).outcome == "sent"
    assert len(fake_x.replies_posted()) == 1


def test_server_errors_are_retried_with_back_off(queued, fake_x, channel):
    fake_x.faults.queue("server_error", count=2, path_prefix="/2/tweets", method="POST")
    first = outbox.deliver(queued.pk, channel)
    assert first.outcome == "retry"
    second = outbox.deliver(queued.pk, channel, now=first.retry_at)
    assert second.outcome == "retry" and second.retry_at - first.retry_at >= timedelta(seconds=1)
    assert outbox.deliver(queued.pk, channel, now=second.retry_at).outcome == "sent"
    queued.refresh_from_db()
    assert queued.attempts == 3
    assert len(fake_x.replies_posted()) == 1


def test_a_refusal_by_x_fails_the_reply_with_its_reason_and_reopens_the_question(queued, fake_x, channel):
    fake_x.delete_tweet(queued.in_reply_to)
    mark = last_entry_id()
    assert outbox.deliver(queued.pk, channel).outcome == "failed"
    queued.refresh_from_db()
    assert queued.status == Reply.Status.FAILED and queued.failure_reason
    assert Question.objects.get(pk=queued.question_id).status == Question.Status.OPEN
    assert actions_since(mark) == ["inbox.reply.failed"]
    assert fake_x.replies_posted() == []


def test_a_lost_answer_is_not_posted_twice(queued, fake_x, channel):
    # X posts the reply, then the connection drops before its answer arrives.
    fake_x.faults.queue("lost_response", path_prefix="/2/tweets", method="POST")
    first = outbox.deliver(queued.pk, channel)
    assert first.outcome == "retry"
    assert len(fake_x.replies_posted()) == 1
    assert outbox.deliver(queued.pk, channel, now=first.retry_at).outcome == "sent"
    queued.refresh_from_db()
    assert queued.posted_id == fake_x.replies_posted()[0].id
    assert len(fake_x.replies_posted()) == 1


def test_a_reply_found_on_x_later_counts_as_posted_when_x_took_it(queued, fake_x, channel):
    # The first report's first response counts from X's acceptance, not from when the desk learnt of it.
    fake_x.faults.queue("lost_response", path_prefix="/2/tweets", method="POST")
    first = outbox.deliver(queued.pk, channel)
    posted = fake_x.replies_posted()[0]
    later = first.retry_at + timedelta(minutes=30)
    assert outbox.deliver(queued.pk, channel, now=later).outcome == "sent"
    queued.refresh_from_db()
    assert abs(queued.sent_at - post_time(posted.id)) < timedelta(milliseconds=1)
    assert queued.sent_at < later


def test_crash_after_posting_is_reconciled_to_exactly_one_reply(queued, fake_x, channel):
    now = timezone.now()
    assert outbox._start_sending(queued.pk, now)
    channel.post_reply(text=queued.text, in_reply_to=queued.in_reply_to)  # …and the worker dies here.
    later = now + timedelta(minutes=5)
    assert [d.outcome for d in outbox.reconcile_interrupted(channel, now=later)] == ["sent"]
    assert outbox.deliver(queued.pk, channel, now=later).outcome == "not_due"
    queued.refresh_from_db()
    assert queued.status == Reply.Status.SENT
    assert len(fake_x.replies_posted()) == 1


def test_crash_before_posting_is_sent_after_reconciliation(queued, fake_x, channel):
    now = timezone.now()
    assert outbox._start_sending(queued.pk, now)  # …and the worker dies before calling X.
    later = now + timedelta(minutes=5)
    assert outbox.reconcile_interrupted(channel, now=now + timedelta(seconds=10)) == []  # not stale yet
    assert [d.outcome for d in outbox.reconcile_interrupted(channel, now=later)] == ["retry"]
    assert outbox.deliver(queued.pk, channel, now=later).outcome == "sent"
    assert len(fake_x.replies_posted()) == 1


def test_spent_budget_keeps_replies_waiting_in_order(queued, fake_x, channel, settings):
    settings.POSTING_BUDGET = 1
    Reply.objects.filter(pk=queued.pk)  # the only reply
    assert outbox.deliver(queued.pk, channel).outcome == "sent"
    budget = outbox.posting_budget(timezone.now())
    assert budget.remaining == 0
    assert budget.frees_at > timezone.now() + timedelta(minutes=14)


@pytest.mark.django_db(transaction=True)
def test_a_broker_outage_does_not_fail_the_send_and_the_drain_sends_it_later(
    people, routed_to_a, ask, fake_x, channel, monkeypatch, caplog
):
    from kombu.exceptions import OperationalError

    from inbox import tasks

    question = ask("Where is my order?", customer="oda")
    held = claims.claim(question, actor=people.employee_a)

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis: Connection refused.")

    monkeypatch.setattr(tasks.deliver_reply, "apply_async", broker_down)
    reply = services.send_reply(held, actor=people.employee_a, token=str(held.claim_token), body="Soon.")
    assert "Could not enqueue reply" in caplog.text
    reply.refresh_from_db()
    assert reply.status == Reply.Status.QUEUED
    assert outbox.due_replies(timezone.now()) == [reply.pk]
    assert outbox.deliver(reply.pk, channel).outcome == "sent"


def test_a_late_result_of_an_old_attempt_cannot_overwrite_a_newer_one(queued, fake_x, channel):
    now = timezone.now()
    assert outbox._start_sending(queued.pk, now)
    old_attempt = Reply.objects.select_related("question").get(pk=queued.pk)
    # The old attempt is taken over by reconciliation and sent again…
    later = now + timedelta(minutes=5)
    outbox.reconcile_interrupted(channel, now=later)
    assert outbox._start_sending(queued.pk, later)
    # …and the old worker's late answer arrives: it changes nothing.
    assert outbox._retry_later(old_attempt, reason="late", at=later).outcome == "lost_race"
    assert outbox._fail(old_attempt, "late").outcome == "lost_race"
    assert Reply.objects.get(pk=queued.pk).status == Reply.Status.SENDING


def test_a_lost_answer_on_the_last_attempt_is_not_failed(queued, fake_x, channel, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    fake_x.faults.queue("lost_response", path_prefix="/2/tweets", method="POST")
    first = outbox.deliver(queued.pk, channel)
    assert first.outcome == "retry"
    assert outbox.deliver(queued.pk, channel, now=first.retry_at).outcome == "sent"
    assert Question.objects.get(pk=queued.question_id).status == Question.Status.ANSWERED
    assert len(fake_x.replies_posted()) == 1


def test_a_reply_x_never_got_fails_after_the_last_attempt_and_reopens_the_question(queued, fake_x, channel, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    fake_x.faults.queue("server_error", path_prefix="/2/tweets", method="POST")
    first = outbox.deliver(queued.pk, channel)
    assert outbox.deliver(queued.pk, channel, now=first.retry_at).outcome == "failed"
    assert Question.objects.get(pk=queued.question_id).status == Question.Status.OPEN
    assert fake_x.replies_posted() == []


def test_a_search_refusal_during_reconciliation_leaves_the_reply_for_later(queued, fake_x, channel):
    now = timezone.now()
    assert outbox._start_sending(queued.pk, now)
    fake_x.faults.queue("rate_limit", path_prefix="/2/tweets/search")
    outcomes = outbox.reconcile_interrupted(channel, now=now + timedelta(minutes=5))
    assert [d.outcome.split(":")[0] for d in outcomes] == ["unreconciled"]
    settled = outbox.reconcile_interrupted(channel, now=now + timedelta(minutes=15))
    assert [d.outcome for d in settled] == ["retry"]


@pytest.mark.django_db(transaction=True)
def test_workers_delivering_at_once_never_spend_the_last_slot_twice(
    people, routed_to_a, ask, fake_x, channel, settings
):
    from tests.concurrency import at_once

    settings.POSTING_BUDGET = 1
    replies = []
    for n in range(4):
        held = claims.claim(ask(f"Where is my order {n}?", customer=f"c{n}"), actor=people.employee_a)
        replies.append(services.send_reply(held, actor=people.employee_a, token=str(held.claim_token), body="Soon."))
    outcomes = at_once(replies, lambda reply: outbox.deliver(reply.pk, channel).outcome)
    assert sorted(outcomes) == ["budget_spent", "budget_spent", "budget_spent", "sent"]
    assert len(fake_x.replies_posted()) == 1
