"""The tasks as beat runs them: single-flight polling, X's rate-limit reset honoured, health noted."""

import json
import threading

import pytest
import redis
from django.conf import settings

from channels.base import RateLimited, TemporaryChannelError
from inbox import tasks
from inbox.models import MentionCursor, Question, WorkerRun
from replydesk.locks import single_flight


def _mentions_requests(fake_x) -> int:
    return sum(1 for r in fake_x.requests if "/mentions" in r.path)


def test_a_poll_while_another_is_running_does_nothing(desk, fake_x, settings):
    fake_x.mention("sato", "Where is my order?")
    holding, done = threading.Event(), threading.Event()

    def another_poll_in_flight():
        from django.db import connection

        try:
            with single_flight("poll-mentions") as acquired:
                assert acquired
                holding.set()
                done.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=another_poll_in_flight)
    thread.start()
    try:
        assert holding.wait(timeout=30)
        tasks.poll_mentions()
        assert _mentions_requests(fake_x) == 0 and Question.objects.count() == 0
    finally:
        done.set()
        thread.join(timeout=30)
    tasks.poll_mentions()
    assert Question.objects.count() == 1
    assert WorkerRun.objects.get(job="poll-mentions").last_outcome["new_questions"] == 1


def test_a_rate_limited_poll_is_noted_and_the_next_ones_wait_for_the_reset(desk, fake_x):
    fake_x.mention("sato", "Where is my order?")
    fake_x.faults.queue("rate_limit", path_prefix="/2/users")
    with pytest.raises(RateLimited):
        tasks.poll_mentions()
    run = WorkerRun.objects.get(job="poll-mentions")
    assert run.last_failure_at is not None and "RateLimited" in run.last_error
    assert MentionCursor.objects.get().paused_until is not None
    fake_x.clear_requests()
    tasks.poll_mentions()
    assert _mentions_requests(fake_x) == 0 and Question.objects.count() == 0


def test_the_sweep_task_notes_its_outcome_for_the_health_panel(desk):
    tasks.flag_unanswered()
    run = WorkerRun.objects.get(job="flag-unanswered")
    assert run.last_success_at is not None
    assert run.last_outcome == {
        "flagged": 0,
        "warned": 0,
        "approvers_warned": 0,
        "fallback_opened": 0,
        "escalations_accept_warned": 0,
        "escalations_resolve_warned": 0,
        "mailed": 0,
    }


def _queued_polls(broker) -> int:
    """poll_mentions messages waiting in this process's default queue (which no worker of this test reads)."""
    return sum(
        1
        for message in broker.lrange(settings.CELERY_TASK_DEFAULT_QUEUE, 0, -1)
        if json.loads(message)["headers"]["task"] == "inbox.tasks.poll_mentions"
    )


@pytest.mark.parametrize("kind", ["server_error", "drop"])
def test_a_poll_that_x_failed_is_tried_again_within_seconds_not_at_the_next_beat(desk, fake_x, kind):
    fake_x.mention("sato", "Where is my order?")
    fake_x.faults.queue(kind, path_prefix="/2/users")
    with redis.Redis.from_url(settings.CELERY_BROKER_URL) as broker:
        broker.delete(settings.CELERY_TASK_DEFAULT_QUEUE)
        try:
            with pytest.raises(TemporaryChannelError):
                tasks.poll_mentions()
            assert _queued_polls(broker) == 1
            message = json.loads(broker.lrange(settings.CELERY_TASK_DEFAULT_QUEUE, 0, -1)[0])
            assert message["headers"]["eta"] is not None
        finally:
            broker.delete(settings.CELERY_TASK_DEFAULT_QUEUE)
    # What the early poll does when it runs: the question comes in.
    tasks.poll_mentions()
    assert Question.objects.count() == 1


def test_a_rate_limited_poll_is_not_tried_again_early(desk, fake_x):
    fake_x.faults.queue("rate_limit", path_prefix="/2/users")
    with redis.Redis.from_url(settings.CELERY_BROKER_URL) as broker:
        broker.delete(settings.CELERY_TASK_DEFAULT_QUEUE)
        try:
            with pytest.raises(RateLimited):
                tasks.poll_mentions()
            assert _queued_polls(broker) == 0
        finally:
            broker.delete(settings.CELERY_TASK_DEFAULT_QUEUE)
