"""Small helpers the tests share: what the audit trail says happened, a clock that moves for questions, and a
signed-in client."""

import time
from datetime import timedelta

from django.db.models import F
from django.test import Client

from audit.models import AuditEntry
from inbox.models import Question


def last_entry_id() -> int:
    """The newest entry's sequence number (0 for an empty trail): mark a moment, then ask `actions_since`."""
    return AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


def actions_since(entry_id: int) -> list[str]:
    """The action codes recorded after `entry_id`, oldest first."""
    return list(AuditEntry.objects.filter(id__gt=entry_id).order_by("id").values_list("action", flat=True))


def actions_for(target) -> list[str]:
    """The action codes recorded about one object, oldest first."""
    return list(
        AuditEntry.objects.filter(target_type=target._meta.label_lower, target_id=str(target.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


def wind_back(questions, minutes: float) -> None:
    """Time travel: the questions were asked `minutes` earlier than they were (deadlines move with them).

    The one place tests write question rows themselves: no service makes the past, and every time stored on
    the question moves together, so its state stays one the desk could have reached.
    """
    shift = timedelta(minutes=minutes)
    Question.objects.filter(pk__in=[q.pk for q in questions]).update(
        created_at=F("created_at") - shift,
        waiting_since=F("waiting_since") - shift,
        due_at=F("due_at") - shift,
        warn_at=F("warn_at") - shift,
    )


def signed_in(person) -> Client:
    """A test client signed in as `person` (no password, no second factor: the sign-in itself is tested elsewhere)."""
    client = Client()
    client.force_login(person)
    return client


def current_totp_code(secret: str) -> str:
    """The TOTP code of the current step. (allauth's counters from time begin one step early: that code fails when a
    step ends between making it and the server checking it, as it did once in CI.)"""
    from allauth.mfa import app_settings as mfa_settings
    from allauth.mfa.totp.internal.auth import hotp_value

    return f"{hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD):06d}"
