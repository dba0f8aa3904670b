from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


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


@register(Tags.security, deploy=True)
def x_api_is_the_real_one_in_production(app_configs, **kwargs):
    """X_API_BASE_URL sends every X call (and the account's signed requests) elsewhere: it exists for the fake X
    server of the tests and the demo, never for a desk that answers real customers."""
    if settings.X_API_BASE_URL and not settings.DEBUG:
        return [
            Warning(
                f"X_API_BASE_URL is set ({settings.X_API_BASE_URL}): mentions are read from and replies posted "
                "to that address, not to X.",
                hint="Unset X_API_BASE_URL in production; it is meant for the fake X server (tests and demo).",
                id="replydesk.W001",
            )
        ]
    return []
