"""The one place that decides which queues a person may see."""

from django.http import Http404

from accounts.models import Employee
from accounts.services import employee_queues

from .models import Queue


def queues_for(employee: Employee):
    return employee_queues(employee)


def access_queue(employee: Employee, queue_id: int) -> Queue:
    """A queue the employee may answer; one they may not answers the same 404 as one that does not exist."""
    queue = queues_for(employee).filter(pk=queue_id).first()
    if queue is None:
        raise Http404
    return queue
