"""What the guidelines pages read: the version in force and its history, where one person stands with it, and who
accepted which version."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery

from accounts.access import ANSWERERS
from accounts.models import Employee

from .acceptance import is_up_to_date, newest_required, version_required_of
from .models import GuidelinesAcknowledgement, GuidelinesVersion


def current_version() -> GuidelinesVersion | None:
    """The newest version: the one everybody reads and accepts."""
    return GuidelinesVersion.objects.select_related("published_by").order_by("-number").first()


def version_numbered(number: int) -> GuidelinesVersion | None:
    return GuidelinesVersion.objects.select_related("published_by").filter(number=number).first()


def versions() -> QuerySet[GuidelinesVersion]:
    """Every version, newest first, with how many people accepted each."""
    return (
        GuidelinesVersion.objects.select_related("published_by")
        .annotate(accepted_by=Count("acknowledgements"))
        .order_by("-number")
    )


def last_acceptance(employee: Employee) -> GuidelinesAcknowledgement | None:
    """The newest version `employee` accepted, with when."""
    return (
        GuidelinesAcknowledgement.objects.select_related("version")
        .filter(employee=employee)
        .order_by("-version__number")
        .first()
    )


@dataclass(frozen=True)
class Standing:
    """Where one person stands with the guidelines."""

    current: GuidelinesVersion | None
    # The version they must still accept before claiming or sending (acceptance.version_required_of), or None.
    required: GuidelinesVersion | None
    accepted: GuidelinesAcknowledgement | None
    answers: bool

    @property
    def must_accept(self) -> bool:
        """They answer customers and may not until they accept the version in force."""
        return self.answers and self.required is not None

    @property
    def accepted_current(self) -> bool:
        return self.current is not None and self.accepted is not None and self.accepted.version_id == self.current.pk

    @property
    def may_accept(self) -> bool:
        """The button is offered: there is a version, and they have not accepted it yet."""
        return self.current is not None and not self.accepted_current

    @property
    def accepted_older(self) -> GuidelinesVersion | None:
        """The older version they accepted, when there is a newer one to compare it with."""
        if self.accepted is None or self.accepted_current:
            return None
        return self.accepted.version


def standing_of(employee: Employee) -> Standing:
    return Standing(
        current=current_version(),
        required=version_required_of(employee),
        accepted=last_acceptance(employee),
        answers=employee.has_role(*ANSWERERS),
    )


@dataclass(frozen=True)
class PersonRow:
    """One person of the acceptances list."""

    employee: Employee
    # Their role answers customers (employee, supervisor), whether or not they are active now.
    answers: bool
    accepted_number: int | None
    accepted_at: datetime | None
    up_to_date: bool

    @property
    def active(self) -> bool:
        return self.employee.status == Employee.Status.ACTIVE

    @property
    def must_accept(self) -> bool:
        return self.answers and self.active and not self.up_to_date


@dataclass(frozen=True)
class AcceptanceList:
    rows: list[PersonRow]
    current: GuidelinesVersion | None
    # The newest version that requires acceptance (None: nothing published yet).
    required: GuidelinesVersion | None
    # Of the active people who answer customers: how many there are, and how many accepted the rules in force.
    answering: int
    answering_up_to_date: int

    @property
    def still_to_accept(self) -> int:
        return self.answering - self.answering_up_to_date


def acceptance_list(*, only_still_to_accept: bool = False) -> AcceptanceList:
    """Every active employee and supervisor (they answer, so they must accept), and everyone else who ever accepted a
    version, with the newest version each accepted and when. Four queries, whatever the number of people."""
    required = newest_required()
    newest = GuidelinesAcknowledgement.objects.filter(employee=OuterRef("pk")).order_by("-version__number")
    people = (
        Employee.objects.filter(
            Q(status=Employee.Status.ACTIVE, groups__name__in=[role.value for role in ANSWERERS])
            | Q(Exists(GuidelinesAcknowledgement.objects.filter(employee=OuterRef("pk"))))
        )
        .distinct()
        .annotate(
            accepted_number=Subquery(newest.values("version__number")[:1]),
            accepted_at=Subquery(newest.values("acknowledged_at")[:1]),
        )
        .prefetch_related("groups")
        .order_by("employee_number")
    )
    required_number = required.number if required else None
    rows = [
        PersonRow(
            employee=person,
            answers=person.role in ANSWERERS,
            accepted_number=person.accepted_number,
            accepted_at=person.accepted_at,
            up_to_date=is_up_to_date(person.accepted_number, required_number),
        )
        for person in people
    ]
    answering = [row for row in rows if row.answers and row.active]
    shown = [row for row in rows if row.must_accept] if only_still_to_accept else rows
    return AcceptanceList(
        rows=shown,
        current=current_version(),
        required=required,
        answering=len(answering),
        answering_up_to_date=sum(1 for row in answering if row.up_to_date),
    )


def acknowledgements_for_export() -> QuerySet[GuidelinesAcknowledgement]:
    """Every acceptance, oldest first, as plain values: employee number, version, when, and the version's text hash."""
    return GuidelinesAcknowledgement.objects.order_by("acknowledged_at", "id").values_list(
        "employee__employee_number", "version__number", "acknowledged_at", "version__text_sha256"
    )
