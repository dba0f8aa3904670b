"""Service levels: how soon each question must be answered, and when its queue's supervisors are warned.

A question's deadlines are stored on it (`due_at`, `warn_at`) when its round begins, so that the sweep reads
them through an index instead of joining the levels for every open question. Changing a level
(configuration.save_service_level) reschedules the open questions it governs in one statement.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q

from .models import CHANGED, Question, ServiceLevel


@dataclass(frozen=True)
class Deadlines:
    due_at: datetime
    warn_at: datetime


def default_minutes(priority: int) -> tuple[int, int]:
    """The level from the settings, for a priority no administrator gave one: (answer within, warn after)."""
    within = settings.SERVICE_LEVEL_MINUTES[priority]
    return within, within * settings.SERVICE_LEVEL_WARN_FACTOR


class ServiceLevels:
    """Every configured level, read once: ingestion sets the deadlines of a whole batch of questions."""

    def __init__(self) -> None:
        self._configured = {
            (level.queue_id, level.priority): (level.answer_within_minutes, level.warn_after_minutes)
            for level in ServiceLevel.objects.all()
        }

    def minutes(self, queue_id: int, priority: int) -> tuple[int, int]:
        return (
            self._configured.get((queue_id, priority))
            or self._configured.get((None, priority))
            or default_minutes(priority)
        )

    def deadlines(self, queue_id: int, priority: int, waiting_since: datetime) -> Deadlines:
        within, warn_after = self.minutes(queue_id, priority)
        return Deadlines(waiting_since + timedelta(minutes=within), waiting_since + timedelta(minutes=warn_after))


def reschedule_open_questions(queue_id: int | None, priority: int) -> int:
    """Recompute the deadlines of the open questions whose level is the one of (queue_id, priority), inside the
    transaction that changed the level."""
    governed = Question.objects.open().filter(priority=priority)
    if queue_id is not None:
        governed = governed.filter(queue_id=queue_id)
    else:
        own = ServiceLevel.objects.filter(priority=priority, queue__isnull=False).values("queue_id")
        governed = governed.exclude(queue_id__in=own)
    within, warn_after = ServiceLevels().minutes(queue_id, priority)
    moved = governed.filter(overdue=Question.Overdue.ON_TIME).update(
        due_at=F("waiting_since") + timedelta(minutes=within), **CHANGED
    )
    moved += governed.filter(~Q(overdue=Question.Overdue.SUPERVISORS_WARNED)).update(
        warn_at=F("waiting_since") + timedelta(minutes=warn_after), **CHANGED
    )
    return moved
