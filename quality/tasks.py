"""The worker's weekly quality sample: a thin caller of quality.sampling."""

from celery import shared_task

from . import sampling


@shared_task
def sample_replies_for_review() -> dict:
    run = sampling.sample_last_week()
    return {"week": run.week_start.isoformat(), "samples": run.samples.count()}
