"""Read-only queries of the staff pages."""

from django.core.paginator import Page, Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404

from inbox.access import department_ids_of, named_approver_queue_ids, queues_for
from inbox.models import Department, Queue

from .models import Employee

STAFF_PAGE_SIZE = 50


def staff_counts() -> dict[str, int]:
    """How many people are in each status (the tabs of the staff list)."""
    return dict(Employee.objects.values_list("status").annotate(n=Count("pk")).order_by())


def staff_page(status: str, page_number: str | None) -> Page:
    """One page of the people in `status`, longest waiting first."""
    people = Employee.objects.filter(status=status).prefetch_related("groups").order_by("date_joined", "pk")
    return Paginator(people, STAFF_PAGE_SIZE).get_page(page_number)


def queue_grants(employee: Employee) -> list[tuple[Queue, bool, bool]]:
    """Every queue, with whether `employee` may answer it and whether it names them an approver (the queue panel)."""
    granted = set(queues_for(employee).values_list("pk", flat=True))
    approves = named_approver_queue_ids(employee)
    return [(queue, queue.pk in granted, queue.pk in approves) for queue in Queue.objects.all()]


def queue_or_404(queue_id: int) -> Queue:
    return get_object_or_404(Queue, pk=queue_id)


def department_memberships(employee: Employee) -> list[tuple[Department, bool]]:
    """Every department in the desk (in-desk ones have members), with whether `employee` is one."""
    mine = set(department_ids_of(employee))
    return [(department, department.pk in mine) for department in Department.objects.filter(kind="in_desk")]


def department_or_404(department_id: int) -> Department:
    return get_object_or_404(Department, pk=department_id)
