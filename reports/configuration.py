"""Business hours set by an administrator, each change audited with what it was before."""

from django.db import transaction

from accounts.models import Employee
from audit import recorder

from .models import BusinessHours

FIELDS = ("queue", "opens_at", "closes_at", "weekdays", "closed_on_holidays")


def _values(pk: int | None) -> dict | None:
    if pk is None:
        return None
    return BusinessHours.objects.filter(pk=pk).values(*FIELDS).first()


@transaction.atomic(durable=True)
def save_business_hours(hours: BusinessHours, *, actor: Employee | None) -> BusinessHours:
    """Create or change a queue's (or the desk's) business hours; the reports count business time by them from the
    next refresh of their day figures."""
    before = _values(hours.pk)
    hours.full_clean()
    hours.save()
    after = _values(hours.pk)
    if before is None:
        recorder.record("reports.business_hours.created", actor=actor, target=hours, after=after)
    elif before != after:
        recorder.record("reports.business_hours.changed", actor=actor, target=hours, before=before, after=after)
    return hours
