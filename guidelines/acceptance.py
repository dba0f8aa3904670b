"""The one definition of "has accepted the rules in force", asked by the claim and send services before anyone answers.

The rules in force for acceptance are the newest version published with "everyone must accept it again" (version 1
always is). An employee has accepted them when they acknowledged that version or a later one: a later version that
did not require acceptance leaves everyone who accepted an earlier one free to go on. While nothing was ever published
(a fresh install) nothing is required.
"""

from django.db.models import Exists, OuterRef, QuerySet, Subquery

from accounts.models import Employee

from .models import GuidelinesAcknowledgement, GuidelinesVersion


def newest_required() -> GuidelinesVersion | None:
    """The newest version that requires acceptance, or None while none was published."""
    return GuidelinesVersion.objects.filter(requires_acknowledgement=True).order_by("-number").first()


def rules_unaccepted_by(employee: Employee) -> QuerySet[GuidelinesVersion]:
    """The version in force when `employee` has not accepted it, else no row: the rule as a query, which the claim
    states as a condition of its conditional UPDATE (NOT EXISTS), so that it costs no statement of its own.

    The newest required version is found on a partial index; whether the employee acknowledged it or a later one
    on the acknowledgements' unique index, which starts with the employee."""
    newest = GuidelinesVersion.objects.filter(requires_acknowledgement=True).order_by("-number").values("pk")[:1]
    accepted = GuidelinesAcknowledgement.objects.filter(employee=employee, version__number__gte=OuterRef("number"))
    return GuidelinesVersion.objects.filter(pk=Subquery(newest)).exclude(Exists(accepted))


def version_required_of(employee: Employee) -> GuidelinesVersion | None:
    """The version `employee` must still accept before claiming or sending, or None when they may answer (one
    query)."""
    # Never the bodies: the text is read on the guidelines page, not before every claim or send.
    return rules_unaccepted_by(employee).only("pk", "number", "requires_acknowledgement").first()


def has_accepted_rules_in_force(employee: Employee) -> bool:
    return version_required_of(employee) is None


def is_up_to_date(accepted_number: int | None, required_number: int | None) -> bool:
    """The same rule for lists of people (guidelines.selectors), given the newest version each accepted and the
    newest required one, read once for the whole list."""
    return required_number is None or (accepted_number is not None and accepted_number >= required_number)
