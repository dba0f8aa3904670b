"""The worker's listening: a thin caller of listening.polling, every minute (CELERY_BEAT_SCHEDULE); each stream is
polled only when its own interval has passed."""

from celery import shared_task

from . import polling


@shared_task(ignore_result=True)
def poll_listening_streams() -> None:
    channel = polling.channel_or_none()
    if channel is not None:
        polling.poll_due_streams(channel)
