"""State changes of the inbox. Queues are configured by administrators (through the Django admin)."""

from django.db import transaction

from accounts.models import Employee
from audit import recorder

from .models import Queue


@transaction.atomic
def save_queue(queue: Queue, *, actor: Employee | None) -> Queue:
    """Create or edit a queue, recording what changed."""
    before = Queue.objects.filter(pk=queue.pk).values("name", "description").first() if queue.pk else None
    queue.full_clean()
    queue.save()
    after = {"name": queue.name, "description": queue.description}
    if before == after:
        return queue
    recorder.record(
        "inbox.queue.created" if before is None else "inbox.queue.changed",
        actor=actor,
        target=queue,
        before=before,
        after=after,
    )
    return queue
