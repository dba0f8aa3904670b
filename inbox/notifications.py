"""What the desk tells one person about their own work, in the desk: a question handed to them or taken from
them, a reply of theirs that X refused. Written by the services that make the change, in their transaction."""

from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Employee

from .models import Notification, Question

Kind = Notification.Kind


def tell(recipient: Employee | None, kind: str, question: Question, *, by: str = "", reason: str = "") -> None:
    """Part of the change it tells about (the caller's transaction); nobody is told of their own action."""
    if recipient is None or (by and by == recipient.employee_number):
        return
    Notification.objects.create(
        recipient=recipient, kind=kind, question=question, by=by, reason=reason, created_at=timezone.now()
    )


def unseen(employee: Employee) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=employee, seen_at__isnull=True)


def unseen_count(employee: Employee) -> int:
    """The count in the navigation (index notification_unseen)."""
    return unseen(employee).count()


def recent(employee: Employee, *, limit: int = 50) -> list[Notification]:
    return list(
        Notification.objects.filter(recipient=employee).select_related("question__customer").order_by("-id")[:limit]
    )


@transaction.atomic(durable=True)
def mark_seen(employee: Employee, *, up_to: int | None = None, now: datetime | None = None) -> int:
    """Mark the person's notifications seen (those up to id `up_to`: what the page showed, not what came since)."""
    notifications = unseen(employee)
    if up_to is not None:
        notifications = notifications.filter(pk__lte=up_to)
    return notifications.update(seen_at=now or timezone.now())
