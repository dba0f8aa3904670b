"""Who may answer, supervise or approve which queues and questions: the one place that decides.

"May answer this queue" is the object permission ANSWER_QUEUE, stored by django-guardian in a direct foreign-key
table; only this module reads or grants it. Answering takes the employee or supervisor role and a grant of the
queue; supervising (force-release, reassign, close) takes the supervisor role, in every queue.

"May approve replies in this queue" is the object permission APPROVE_QUEUE, for supervisors and administrators. A
queue that names no approver of its own is approved by every supervisor (the default); one that names approvers is
approved by them alone. Past a draft's fallback time, or at once when nobody else could approve it, the fallback
approvers (every supervisor and administrator) may approve it too. Nobody approves a draft of a round they wrote or
edited a version of, whatever their role.
"""

from collections import defaultdict

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from guardian.shortcuts import assign_perm, remove_perm

from accounts.access import ANSWERERS
from accounts.models import Employee, Role
from guidelines.acceptance import rules_unaccepted_by, version_required_of

from .errors import (
    GuidelinesNotAccepted,
    NotAllowedToAnswer,
    NotAllowedToApprove,
    NotAllowedToEscalate,
    NotAllowedToManageRules,
    NotAllowedToSupervise,
    NotInDepartment,
)
from .models import (
    ANSWER_QUEUE,
    APPROVE_QUEUE,
    HANDLE_DEPARTMENT,
    Department,
    DepartmentUserObjectPermission,
    Escalation,
    Question,
    Queue,
    QueueUserObjectPermission,
    ReplyDraft,
)

PERMISSION = f"inbox.{ANSWER_QUEUE}"
APPROVE_PERMISSION = f"inbox.{APPROVE_QUEUE}"
SUPERVISORS = (Role.SUPERVISOR,)
# Who may be named an approver of a queue, and who the fallback approvers are.
APPROVER_ROLES = (Role.SUPERVISOR, Role.ADMINISTRATOR)


def queues_for(employee: Employee) -> QuerySet[Queue]:
    """The queues `employee` was granted: explicit grants only (administrators get none implicitly)."""
    return Queue.objects.filter(
        queueuserobjectpermission__user=employee, queueuserobjectpermission__permission__codename=ANSWER_QUEUE
    )


def queue_ids_for(employee: Employee) -> list[int]:
    return list(queues_for(employee).values_list("pk", flat=True))


def may_answer(employee: Employee, question: Question) -> bool:
    """Answering a queue takes its grant. An escalated question is its department's as well: before the public
    acknowledgement is posted either may answer (the acknowledgement is the desk's duty); after it, the department
    alone (its members; for a department off the desk, the supervisors, who record what it did)."""
    if not employee.has_role(*ANSWERERS):
        return False
    if question.department_id is not None:
        if may_work_department(employee, question.department):
            return True
        if question.status == Question.Status.ESCALATED:
            return False
    return queues_for(employee).filter(pk=question.queue_id).exists()


def ensure_may_answer(employee: Employee, question: Question) -> None:
    if not may_answer(employee, question):
        raise NotAllowedToAnswer(str(employee))


def answerable_by(employee: Employee) -> Q:
    """may_answer as a condition on question rows: the claim states it in its conditional UPDATE, so that the
    access check costs no statement of its own and is read from the row as it is then, not from the caller's copy.
    The role is the employee's own (no row decides it); tests/inbox/test_access_rule.py holds the two together."""
    if not employee.has_role(*ANSWERERS):
        return Q(pk__in=[])
    queue_granted = Exists(
        QueueUserObjectPermission.objects.filter(
            user=employee, permission__codename=ANSWER_QUEUE, content_object_id=OuterRef("queue_id")
        )
    )
    escalated = Q(department__isnull=False)
    if may_supervise(employee):
        department_worked = escalated
    else:
        department_worked = escalated & Exists(
            DepartmentUserObjectPermission.objects.filter(
                user=employee, permission__codename=HANDLE_DEPARTMENT, content_object_id=OuterRef("department_id")
            )
        )
    # After the acknowledgement (status escalated) the department alone answers: the queue's grant no longer does.
    queue_answers = Q(department__isnull=True) | ~Q(status=Question.Status.ESCALATED)
    return department_worked | (queue_answers & queue_granted)


def ensure_accepted_guidelines(employee: Employee, *, actor: Employee | None = None) -> None:
    """Nobody claims, is handed or sends a reply before accepting the social-media guidelines in force; `actor` is the
    supervisor handing a question to `employee`, when it is not their own claim."""
    required = version_required_of(employee)
    if required is not None:
        raise GuidelinesNotAccepted(employee, required.number, own=actor is None or actor.pk == employee.pk)


def has_accepted_guidelines(employee: Employee) -> Exists:
    """ensure_accepted_guidelines as a condition (for the claim's conditional UPDATE): nothing left to accept."""
    return ~Exists(rules_unaccepted_by(employee))


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
    """The questions `employee` may see: those of the queues they may answer, and those ever escalated to their
    departments; supervisors see every queue."""
    if may_supervise(employee):
        return questions
    # One statement (the open page's poll reads it every few seconds): the department grants as a subquery.
    mine = DepartmentUserObjectPermission.objects.filter(user=employee, permission__codename=HANDLE_DEPARTMENT)
    escalated_here = Escalation.objects.filter(
        question=OuterRef("pk"), department_id__in=mine.values("content_object_id")
    )
    return questions.filter(Q(queue__in=queues_for(employee)) | Exists(escalated_here))


def access_question(employee: Employee, question_id: int) -> Question:
    """A question in a queue the employee may answer (supervisors see every queue); else 404."""
    questions = _visible_to(employee, Question.objects.select_related("queue", "customer", "holder", "department"))
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


# --- approving -----------------------------------------------------------------------------------------------------


def _named_approvers() -> QuerySet[QueueUserObjectPermission]:
    """The grants of APPROVE_QUEUE that count: held by someone active in an approver role."""
    return QueueUserObjectPermission.objects.filter(
        permission__codename=APPROVE_QUEUE,
        user__status=Employee.Status.ACTIVE,
        user__groups__name__in=[role.value for role in APPROVER_ROLES],
    )


def queue_ids_approved_by(employee: Employee) -> list[int]:
    """The queues whose replies `employee` approves: those that name them, and, for a supervisor, every queue that
    names no approver of its own. Two small reads (the grants of approving, the queue ids), decided here."""
    if not employee.has_role(*APPROVER_ROLES):
        return []
    grants = list(_named_approvers().values_list("content_object_id", "user_id"))
    mine = {queue_id for queue_id, user_id in grants if user_id == employee.pk}
    if not employee.has_role(Role.SUPERVISOR):
        return sorted(mine)
    named = {queue_id for queue_id, _user_id in grants}
    return sorted(mine | {pk for pk in Queue.objects.values_list("pk", flat=True) if pk not in named})


def is_fallback_approver(employee: Employee) -> bool:
    return employee.has_role(*APPROVER_ROLES)


def may_manage_approval_rules(employee: Employee) -> bool:
    """Supervisors and administrators publish the risk rules."""
    return employee.has_role(*APPROVER_ROLES)


def ensure_may_manage_approval_rules(employee: Employee) -> None:
    if not may_manage_approval_rules(employee):
        raise NotAllowedToManageRules(str(employee))


def may_approve_anything(employee: Employee) -> bool:
    """Whether the approval list is theirs to open (what they find there is drafts_approvable_by)."""
    return is_fallback_approver(employee)


def drafts_approvable_by(employee: Employee) -> QuerySet[ReplyDraft]:
    """The pending drafts `employee` may decide on now: in a queue they approve, or opened to the fallback approvers;
    never one of a round they wrote or edited a version of."""
    if not is_fallback_approver(employee):
        return ReplyDraft.objects.none()
    # The queue ids first (a few rows): the drafts are then read on their own partial index, not joined to questions.
    where = Q(queue__in=queue_ids_approved_by(employee)) | Q(escalation=ReplyDraft.Escalation.FALLBACK)
    own_words = versions_of_round(OuterRef("question"), OuterRef("round")).filter(written_by=employee)
    return ReplyDraft.objects.filter(where, status=ReplyDraft.Status.PENDING).exclude(Exists(own_words))


def ensure_may_approve(employee: Employee, draft: ReplyDraft) -> None:
    if not drafts_approvable_by(employee).filter(pk=draft.pk).exists():
        raise NotAllowedToApprove.for_(employee, own_words=wrote_a_version(employee, draft))


def versions_of_round(question, round_) -> QuerySet[ReplyDraft]:
    """Every version of a question's reply in one round: whoever wrote one of them never approves that round."""
    return ReplyDraft.objects.filter(question=question, round=round_)


def wrote_a_version(employee: Employee, draft: ReplyDraft) -> bool:
    return versions_of_round(draft.question_id, draft.round).filter(written_by=employee).exists()


def approvers_of(queue: Queue) -> QuerySet[Employee]:
    """Who approves `queue`'s replies before the fallback: the approvers it names, else every active supervisor."""
    named = _named_approvers().filter(content_object=queue).values("user_id")
    people = Employee.objects.filter(status=Employee.Status.ACTIVE)
    if named.exists():
        return people.filter(pk__in=named).order_by("employee_number")
    return people.filter(groups__name=Role.SUPERVISOR).order_by("employee_number")


def fallback_approvers() -> QuerySet[Employee]:
    return Employee.objects.filter(
        status=Employee.Status.ACTIVE, groups__name__in=[role.value for role in APPROVER_ROLES]
    ).order_by("employee_number")


def named_approver_queue_ids(employee: Employee) -> set[int]:
    """The queues that name `employee` an approver (the staff page's switches)."""
    return set(
        QueueUserObjectPermission.objects.filter(user=employee, permission__codename=APPROVE_QUEUE).values_list(
            "content_object_id", flat=True
        )
    )


def grant_approving(employee: Employee, queue: Queue) -> bool:
    """Name `employee` an approver of `queue`; False if they were already. The caller audits and transacts."""
    if queue.pk in named_approver_queue_ids(employee):
        return False
    assign_perm(APPROVE_PERMISSION, employee, queue)
    return True


def revoke_approving(employee: Employee, queue: Queue) -> bool:
    if queue.pk not in named_approver_queue_ids(employee):
        return False
    remove_perm(APPROVE_PERMISSION, employee, queue)
    return True


# --- departments ---------------------------------------------------------------------------------------------------


def department_ids_of(employee: Employee) -> list[int]:
    """The departments `employee` is a member of (the object permission HANDLE_DEPARTMENT), active or not."""
    return list(
        DepartmentUserObjectPermission.objects.filter(
            user=employee, permission__codename=HANDLE_DEPARTMENT
        ).values_list("content_object_id", flat=True)
    )


def may_work_department(employee: Employee, department: Department) -> bool:
    """Accept, resolve or return its escalations: its active members, and every supervisor (who also acts for the
    departments off the desk, which have no members)."""
    if not employee.is_active:
        return False
    if may_supervise(employee):
        return True
    return employee.has_role(*ANSWERERS) and department.pk in department_ids_of(employee)


def ensure_may_work_department(employee: Employee, department: Department) -> None:
    if not may_work_department(employee, department):
        raise NotInDepartment(str(employee))


def may_see_escalations(employee: Employee) -> bool:
    """Whether the Escalations page is theirs to open: supervisors, and department members."""
    return may_supervise(employee) or (employee.has_role(*ANSWERERS) and bool(department_ids_of(employee)))


def escalations_visible_to(employee: Employee, department_ids: list[int] | None = None) -> QuerySet[Escalation]:
    """Every escalation for a supervisor; those of their departments (`department_ids`, when read already) for a
    member."""
    if may_supervise(employee):
        return Escalation.objects.all()
    if department_ids is None:
        department_ids = department_ids_of(employee)
    return Escalation.objects.filter(department_id__in=department_ids)


def ensure_may_escalate(employee: Employee, question: Question) -> None:
    """The employee answering the question (the service checks they hold it), or a supervisor."""
    if not (may_supervise(employee) or may_answer(employee, question)):
        raise NotAllowedToEscalate()


def members_of(department: Department) -> QuerySet[Employee]:
    return Employee.objects.filter(
        status=Employee.Status.ACTIVE,
        groups__name__in=[role.value for role in ANSWERERS],
        departmentuserobjectpermission__content_object=department,
        departmentuserobjectpermission__permission__codename=HANDLE_DEPARTMENT,
    ).order_by("employee_number")


def active_supervisors() -> QuerySet[Employee]:
    return Employee.objects.filter(status=Employee.Status.ACTIVE, groups__name=Role.SUPERVISOR).order_by(
        "employee_number"
    )


def grant_department(employee: Employee, department: Department) -> bool:
    """Make `employee` a member; False if they were already. The caller audits and transacts."""
    if department.pk in department_ids_of(employee):
        return False
    assign_perm(f"inbox.{HANDLE_DEPARTMENT}", employee, department)
    return True


def revoke_department(employee: Employee, department: Department) -> bool:
    if department.pk not in department_ids_of(employee):
        return False
    remove_perm(f"inbox.{HANDLE_DEPARTMENT}", employee, department)
    return True


def access_escalation(employee: Employee, escalation_id: int) -> Escalation:
    """An escalation of a department the employee works (supervisors: every one); else 404."""
    escalation = (
        escalations_visible_to(employee).select_related("department", "question").filter(pk=escalation_id).first()
    )
    if escalation is None:
        raise Http404
    return escalation
