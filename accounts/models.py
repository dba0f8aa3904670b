"""Employees: numbered staff who sign up, wait for a supervisor, and answer under their public number."""

from functools import cached_property

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import Group, PermissionsMixin
from django.db import models, transaction
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from audit import recorder

from .numbers import normalize_employee_number, validate_employee_number


class Role(models.TextChoices):
    """Each role is a Django group of the same name; an employee holds at most one."""

    EMPLOYEE = "employee", _("Employee")
    SUPERVISOR = "supervisor", _("Supervisor")
    COMPLIANCE = "compliance", _("Compliance officer")
    ADMINISTRATOR = "administrator", _("Administrator")


# Roles whose holders must have TOTP before they reach their pages.
PRIVILEGED_ROLES = frozenset({Role.SUPERVISOR, Role.COMPLIANCE, Role.ADMINISTRATOR})


class EmployeeManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, employee_number: str, email: str, password: str | None = None, **fields):
        employee = self.model(
            employee_number=normalize_employee_number(employee_number),
            email=self.normalize_email(email),
            **fields,
        )
        employee.set_password(password)
        employee.save(using=self._db)
        return employee

    def create_superuser(self, employee_number: str, email: str, password: str | None = None, **fields) -> "Employee":
        """An active administrator without an approver, with its audit entry: `createsuperuser` and the demo seed.

        Django's command calls the manager, so this one state change of people lives here rather than in
        accounts.services (which sits above this module and may not be imported by it).
        """
        number = normalize_employee_number(employee_number)
        validate_employee_number(number)
        with transaction.atomic(durable=True):
            employee = self.model(
                employee_number=number,
                email=self.normalize_email(email),
                status=self.model.Status.ACTIVE,
                status_changed_at=timezone.now(),
            )
            employee.set_password(password)
            employee.save(using=self._db)
            assign_role(employee, Role.ADMINISTRATOR)
            recorder.record(
                "accounts.employee.bootstrapped",
                actor=None,
                target=employee,
                after={"status": employee.status, "role": Role.ADMINISTRATOR.value},
            )
        return employee


class Employee(AbstractBaseUser, PermissionsMixin):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        REJECTED = "rejected", _("Rejected")

    # Stored upper-case, so the plain unique index serves lookups; the constraint below also refuses
    # a differently-cased twin written by anything that skips normalisation.
    employee_number = models.CharField(_("employee number"), max_length=32, unique=True)
    email = models.EmailField(_("e-mail address"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    status_reason = models.TextField(_("reason"), blank=True)
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)
    status_changed_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("changed by")
    )
    date_joined = models.DateTimeField(_("signed up"), default=timezone.now)
    # Raised to end every open session at once (suspension); part of the session hash below.
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    objects = EmployeeManager()

    USERNAME_FIELD = "employee_number"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        ordering = ["employee_number"]
        constraints = [
            models.UniqueConstraint(Upper("employee_number"), name="employee_number_unique_ignoring_case"),
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "active", "suspended", "rejected"]),
                name="employee_status_known",
            ),
        ]
        indexes = [models.Index(fields=["status", "date_joined"], name="employee_status_joined")]

    def __str__(self) -> str:
        return self.employee_number

    @property
    def is_active(self) -> bool:
        # Pending and rejected people may sign in, to their status page only; suspended ones may not,
        # and Django's auth backend drops their sessions on their next request.
        return self.status != self.Status.SUSPENDED

    @property
    def is_staff(self) -> bool:
        """The Django admin is the administrators' alone."""
        return self.status == self.Status.ACTIVE and self.role == Role.ADMINISTRATOR

    @property
    def signature(self) -> str:
        """What customers see under a reply instead of any name, e.g. ``^E042``."""
        return f"{settings.REPLY_SIGNATURE_PREFIX}{self.employee_number}"

    @cached_property
    def role(self) -> Role | None:
        names = [group.name for group in self.groups.all()]
        return next((role for role in Role if role.value in names), None)

    def has_role(self, *roles: Role) -> bool:
        return self.status == self.Status.ACTIVE and self.role in roles

    def get_full_name(self) -> str:
        return self.employee_number

    def get_short_name(self) -> str:
        return self.employee_number

    def _get_session_auth_hash(self, secret=None):
        key_salt = "accounts.Employee.get_session_auth_hash"
        return salted_hmac(
            key_salt, f"{self.password}:{self.session_generation}", secret=secret, algorithm="sha256"
        ).hexdigest()


class IssuedEmployeeNumber(models.Model):
    """Every employee number the desk ever issued, kept after its employee is gone, so none is issued twice.

    Written only by the database (migration 0003's triggers): each INSERT into the employees' table adds its
    number here, and fails if the number was issued before; a number is never changed (renumbering), nor an issued
    one removed. A signature seen under an old reply therefore always meant the same person (the public check,
    verification/).
    """

    number = models.CharField(_("employee number"), max_length=32, primary_key=True)
    issued_at = models.DateTimeField(_("issued"))

    class Meta:
        verbose_name = _("issued employee number")
        verbose_name_plural = _("issued employee numbers")

    def __str__(self) -> str:
        return self.number


def assign_role(employee: Employee, role: Role) -> None:
    """Make `role` the employee's one role group (administrators are also Django superusers, for the admin).

    Part of a state change that its caller audits: approval, a role change, the first administrator.
    """
    group, _created = Group.objects.get_or_create(name=Role(role).value)
    employee.groups.set([group])
    is_superuser = role == Role.ADMINISTRATOR
    Employee.objects.filter(pk=employee.pk).update(is_superuser=is_superuser)
    employee.is_superuser = is_superuser
    employee.__dict__.pop("role", None)
