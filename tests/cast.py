"""The fixed cast every permission test runs over, made through the services as a real desk would be."""

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from accounts import services
from accounts.models import Employee, Role
from inbox import configuration
from inbox.models import Queue

PASSWORD = "correct-horse-battery-staple"


def make_queue(name: str) -> Queue:
    return configuration.save_setting(Queue(name=name, description=f"{name} questions"), actor=None)


def sign_up(number: str, email: str | None = None, password: str = PASSWORD) -> Employee:
    person = Employee(employee_number=number, email=email or f"{number.lower()}@example.com")
    person.set_password(password)
    return services.register_employee(person)


def approved(number: str, *, by: Employee, role: Role, queues=(), with_totp: bool | None = None) -> Employee:
    person = services.approve_employee(sign_up(number), actor=by, role=role, queues=queues)
    if with_totp if with_totp is not None else role != Role.EMPLOYEE:
        TOTP.activate(person, generate_totp_secret())
    return person


def administrator(number: str = "A900") -> Employee:
    admin = Employee.objects.create_superuser(number, f"{number.lower()}@example.com", PASSWORD)
    TOTP.activate(admin, generate_totp_secret())
    return admin
