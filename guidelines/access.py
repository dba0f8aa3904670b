"""Who may do what with the guidelines: the one place that decides.

- Every active member of the desk reads the guidelines in force and their history, and may accept them; those who
  answer customers (employees and supervisors) must accept them before they claim or send (acceptance.py).
- Administrators publish new versions.
- Supervisors, administrators and compliance officers see who accepted which version; they and only they export it.
"""

from accounts.models import Employee, Role

from .errors import NotAllowedToAcknowledge, NotAllowedToOversee, NotAllowedToPublish

READER_ROLES = tuple(Role)
PUBLISHER_ROLES = (Role.ADMINISTRATOR,)
OVERSEER_ROLES = (Role.SUPERVISOR, Role.ADMINISTRATOR, Role.COMPLIANCE)


def may_publish(actor: Employee) -> bool:
    return actor.has_role(*PUBLISHER_ROLES)


def may_oversee(actor: Employee) -> bool:
    return actor.has_role(*OVERSEER_ROLES)


def ensure_may_publish(actor: Employee) -> None:
    if not may_publish(actor):
        raise NotAllowedToPublish()


def ensure_may_acknowledge(actor: Employee) -> None:
    if not actor.has_role(*READER_ROLES):
        raise NotAllowedToAcknowledge()


def ensure_may_oversee(actor: Employee) -> None:
    if not may_oversee(actor):
        raise NotAllowedToOversee()
