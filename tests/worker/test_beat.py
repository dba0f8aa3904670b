"""Only one beat runs the schedule: a second one waits on celery-redbeat's lock in Redis until the first goes."""

import uuid

import redis
from django.conf import settings

from .processes import CeleryProcess, process_env


def test_a_second_beat_waits_until_the_first_one_stops(tmp_path):
    prefix = f"replydesk:test-redbeat-{uuid.uuid4().hex[:8]}"
    queue = f"beat-test-{uuid.uuid4().hex[:8]}"
    env = process_env(REDBEAT_KEY_PREFIX=prefix, REDBEAT_LOCK_TIMEOUT_SECONDS="10", CELERY_QUEUE=queue)
    first = CeleryProcess(["beat", "--loglevel=INFO"], tmp_path / "first.log", env)
    second = None
    try:
        first.wait_for_output("beat: Acquired lock")
        second = CeleryProcess(["beat", "--loglevel=INFO"], tmp_path / "second.log", env)
        second.wait_for_output("beat: Starting...")
        # The first beat is still alive and renewing its lock: the second one is waiting for it.
        first.wait_for_output("Scheduler: Sending due task")
        assert "Acquired lock" not in second.output()
        first.stop()
        second.wait_for_output("beat: Acquired lock")
        second.wait_for_output("Scheduler: Sending due task")
    finally:
        first.stop()
        if second:
            second.stop()
        client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
        client.delete(queue, *client.keys(f"{prefix}*"))
