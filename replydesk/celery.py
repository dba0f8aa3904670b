"""The Celery application shared by the worker, beat and the web processes that enqueue tasks."""

import os

from celery import Celery
from celery.signals import setup_logging

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


@setup_logging.connect
def _use_the_desks_logging(loglevel=None, **kwargs) -> None:
    """The worker logs as the web does (settings.LOGGING: one line per 4xx, tracebacks for errors), instead of Celery
    replacing the root logger's handlers and level with its own; `--loglevel` still sets Celery's own chatter.

    Also keeps an embedded test worker (celery.contrib.testing) from raising the root logger to its ERROR level for
    the rest of the test process."""
    import logging
    import logging.config

    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
    if loglevel is not None:
        logging.getLogger("celery").setLevel(loglevel)
