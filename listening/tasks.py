"""The worker's listening: a thin caller of listening.polling, every minute (CELERY_BEAT_SCHEDULE); each stream is
polled only when its own interval has passed."""

from celery import shared_task

from replydesk.locks import single_flight

from . import polling

# One poll of the streams at a time, whatever the number of workers: a poll may outlast the beat's minute, and two
# at once would each read up to the same remaining budget (and X would bill the same posts twice).
POLL_LOCK = "poll-listening-streams"


@shared_task(ignore_result=True)
def poll_listening_streams() -> None:
    with single_flight(POLL_LOCK) as acquired:
        if not acquired:
            return
        channel = polling.channel_or_none()
        if channel is not None:
            polling.poll_due_streams(channel)
