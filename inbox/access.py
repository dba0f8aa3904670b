"""Who may answer or supervise which queues and questions: the one place that decides.

"May answer this queue" is the object permission ANSWER_QUEUE, stored by django-guardian in a direct foreign-key
table; only this module reads or grants it. Answering takes the employee or supervisor role and a grant of the
queue; supervising (force-release, reassign, close) takes the supervisor role, in every queue.
"""

from collections import defaultdict

from django.db.models import QuerySet
from django.http import Http404
from guardian.shortcuts import assign_perm, remove_perm

from accounts.access import ANSWERERS
from accounts.models import Employee, Role

from .errors import NotAllowedToAnswer, NotAllowedToSupervise
from .models import ANSWER_QUEUE, Question, Queue, QueueUserObjectPermission

PERMISSION = f"inbox.{ANSWER_QUEUE}"
SUPERVISORS = (Role.SUPERVISOR,)


def queues_for(employee: Employee) -> QuerySet[Queue]:
    """The queues `employee` was granted: explicit grants only (administrators get none implicitly)."""
    return Queue.objects.filter(
        queueuserobjectpermission__user=employee, queueuserobjectpermission__permission__codename=ANSWER_QUEUE
    )


def queue_ids_for(employee: Employee) -> list[int]:
    return list(queues_for(employee).values_list("pk", flat=True))


def may_answer(employee: Employee, question: Question) -> bool:
    return employee.has_role(*ANSWERERS) and queues_for(employee).filter(pk=question.queue_id).exists()


def ensure_may_answer(employee: Employee, question: Question) -> None:
    if not may_answer(employee, question):
        raise NotAllowedToAnswer(str(employee))


def may_supervise(employee: Employee) -> bool:
    """Supervisors act on the questions of every queue (they see them all; see access_question)."""
    return employee.has_role(*SUPERVISORS)


def ensure_may_supervise(employee: Employee, question: Question) -> None:
    if not may_supervise(employee):
        raise NotAllowedToSupervise(str(employee))


def answerers_of(queue: Queue) -> QuerySet[Employee]:
    """Everyone who may answer `queue` now: whom a supervisor can hand one of its questions to."""
    return Employee.objects.filter(
        status=Employee.Status.ACTIVE,
        groups__name__in=[role.value for role in ANSWERERS],
        queueuserobjectpermission__content_object=queue,
        queueuserobjectpermission__permission__codename=ANSWER_QUEUE,
    ).order_by("employee_number")


def supervisors_by_queue(queue_ids: set[int]) -> dict[int, list[str]]:
    """The numbers of the active supervisors who answer each queue; a queue with none gets every active
    supervisor, so that no warning goes unread."""
    granted = (
        QueueUserObjectPermission.objects.filter(
            content_object_id__in=queue_ids,
            permission__codename=ANSWER_QUEUE,
            user__status=Employee.Status.ACTIVE,
            user__groups__name=Role.SUPERVISOR,
        )
        .order_by("user__employee_number")
        .values_list("content_object_id", "user__employee_number")
    )
    numbers: dict[int, list[str]] = defaultdict(list)
    for queue_id, number in granted:
        numbers[queue_id].append(number)
    if len(numbers) < len(queue_ids):
        everyone = list(
            Employee.objects.filter(status=Employee.Status.ACTIVE, groups__name=Role.SUPERVISOR)
            .order_by("employee_number")
            .values_list("employee_number", flat=True)
        )
        for queue_id in queue_ids - numbers.keys():
            numbers[queue_id] = everyone
    return numbers


def grant_answering(employee: Employee, queue: Queue) -> bool:
    """Store the grant; False if it was there already. The caller (accounts.services) audits and transacts."""
    if queues_for(employee).filter(pk=queue.pk).exists():
        return False
    assign_perm(PERMISSION, employee, queue)
    return True


def revoke_answering(employee: Employee, queue: Queue) -> bool:
    """Remove the grant; False if there was none. The caller frees the claims it held there."""
    if not queues_for(employee).filter(pk=queue.pk).exists():
        return False
    remove_perm(PERMISSION, employee, queue)
    return True


def access_queue(employee: Employee, queue_id: int) -> Queue:
    """A queue the employee may answer; one they may not answers the same 404 as one that does not exist."""
    queue = queues_for(employee).filter(pk=queue_id).first()
    if queue is None:
        raise Http404
    return queue


def _visible_to(employee: Employee, questions: QuerySet[Question]) -> QuerySet[Question]:
    """The questions `employee` may see: those of the queues they may answer; supervisors see every queue."""
    return questions if may_supervise(employee) else questions.filter(queue__in=queues_for(employee))


def access_question(employee: Employee, question_id: int) -> Question:
    """A question in a queue the employee may answer (supervisors see every queue); else 404."""
    questions = _visible_to(employee, Question.objects.select_related("queue", "customer", "holder"))
    question = questions.filter(pk=question_id).first()
    if question is None:
        raise Http404
    return question


def access_question_version(employee: Employee, question_id: int) -> int:
    """The version of a question `employee` may see (access_question's rule), else 404: what an open question
    page's poll reads every few seconds, one column of one row by primary key."""
    version = _visible_to(employee, Question.objects.filter(pk=question_id)).values_list("version", flat=True).first()
    if version is None:
        raise Http404
    return version
