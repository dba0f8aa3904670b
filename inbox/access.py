"""The one place that decides which queues and questions a person may see and act on."""

from django.http import Http404

from accounts.access import ANSWERERS
from accounts.models import Employee, Role
from accounts.services import employee_queues

from .errors import NotAllowedToAnswer
from .models import Question, Queue


def queues_for(employee: Employee):
    return employee_queues(employee)


def access_queue(employee: Employee, queue_id: int) -> Queue:
    """A queue the employee may answer; one they may not answers the same 404 as one that does not exist."""
    queue = queues_for(employee).filter(pk=queue_id).first()
    if queue is None:
        raise Http404
    return queue


def may_answer(employee: Employee, question: Question) -> bool:
    return employee.has_role(*ANSWERERS) and queues_for(employee).filter(pk=question.queue_id).exists()


def ensure_may_answer(employee: Employee, question: Question) -> None:
    if not may_answer(employee, question):
        raise NotAllowedToAnswer(str(employee))


def access_question(employee: Employee, question_id: int) -> Question:
    """A question in a queue the employee may answer (supervisors see every queue); else 404."""
    questions = Question.objects.select_related("queue", "customer", "holder")
    if not employee.has_role(Role.SUPERVISOR):
        questions = questions.filter(queue__in=queues_for(employee))
    question = questions.filter(pk=question_id).first()
    if question is None:
        raise Http404
    return question
