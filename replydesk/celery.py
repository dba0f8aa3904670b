"""The Celery application shared by the worker, beat and the web processes that enqueue tasks."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "replydesk.settings")

app = Celery("replydesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _redbeat_settings() -> dict:
    # celery-redbeat looks its settings up by their own names (redbeat_redis_url, ...) among the configuration's
    # keys, where the CELERY_ namespace hides them; hand them over under those names.
    from django.conf import settings

    return {
        name.removeprefix("CELERY_").lower(): getattr(settings, name)
        for name in dir(settings)
        if name.startswith("CELERY_REDBEAT_")
    }


app.conf.update(_redbeat_settings())
