from django.conf import settings
from django.core.checks import Error, register


@register()
def worker_timings_fit_the_broker(app_configs, **kwargs):
    """Redis redelivers a message not acknowledged within its visibility timeout: a countdown or a lock that
    outlives it would run a task twice at once, or let a second beat in while the first still runs."""
    errors = []
    visibility = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}).get("visibility_timeout")
    if visibility is not None and settings.OUTBOX_MAX_COUNTDOWN.total_seconds() >= visibility:
        errors.append(
            Error(
                "CELERY_VISIBILITY_TIMEOUT must be longer than the outbox's longest countdown "
                f"({settings.OUTBOX_MAX_COUNTDOWN.total_seconds():.0f} s).",
                id="replydesk.E002",
            )
        )
    lock_timeout = getattr(settings, "CELERY_REDBEAT_LOCK_TIMEOUT", None)
    if lock_timeout is not None and lock_timeout <= settings.CELERY_BEAT_MAX_LOOP_INTERVAL:
        errors.append(
            Error(
                "REDBEAT_LOCK_TIMEOUT_SECONDS must be longer than beat's loop interval "
                f"({settings.CELERY_BEAT_MAX_LOOP_INTERVAL} s), or the running beat loses its lock between ticks.",
                id="replydesk.E003",
            )
        )
    return errors
