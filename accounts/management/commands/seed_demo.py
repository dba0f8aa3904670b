"""Create the demo desk of `make run`: queues and one account per role, all made through the services."""

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts import services
from accounts.models import Employee, Role
from inbox import services as inbox_services
from inbox.models import Queue

DEMO_PASSWORD = "replydesk-demo"
QUEUES = [
    ("General", "Questions that no rule routes elsewhere."),
    ("Orders & delivery", "Order status, delivery dates, shipping."),
    ("Returns & repairs", "Returns, exchanges, repairs and warranty."),
]
# (number, e-mail, role or None for a pending sign-up, queue names)
PEOPLE = [
    ("S001", "supervisor@example.com", Role.SUPERVISOR, ["General", "Orders & delivery", "Returns & repairs"]),
    ("E001", "employee1@example.com", Role.EMPLOYEE, ["General", "Orders & delivery"]),
    ("E002", "employee2@example.com", Role.EMPLOYEE, ["Returns & repairs"]),
    ("C001", "compliance@example.com", Role.COMPLIANCE, []),
    ("P001", "newcomer@example.com", None, []),
]


class Command(BaseCommand):
    help = "Create demo queues and one account per role (skips what exists). For the embedded desk only."

    def handle(self, *args, **options):
        if Employee.objects.filter(employee_number="A001").exists():
            self.stdout.write("Demo accounts exist already.")
        else:
            with transaction.atomic():
                self._seed()
        self._print_accounts()

    def _seed(self) -> None:
        admin = services.bootstrap_administrator(
            employee_number="A001", email="admin@example.com", password=DEMO_PASSWORD
        )
        queues = {}
        for name, description in QUEUES:
            queues[name] = Queue.objects.filter(name=name).first() or inbox_services.save_queue(
                Queue(name=name, description=description), actor=admin
            )
        for number, email, role, queue_names in PEOPLE:
            person = Employee(employee_number=number, email=email)
            person.set_password(DEMO_PASSWORD)
            services.register_employee(person)
            if role is not None:
                services.approve_employee(person, actor=admin, role=role, queues=[queues[name] for name in queue_names])

    def _print_accounts(self) -> None:
        self.stdout.write(self.style.SUCCESS(f"\nDemo accounts (password for all: {DEMO_PASSWORD})"))
        rows = [("A001", "administrator")] + [(n, r.value if r else "pending sign-up") for n, _e, r, _q in PEOPLE]
        for number, role in rows:
            self.stdout.write(f"  {number:6} {role}")
        self.stdout.write("Sign in at http://127.0.0.1:8000/accounts/login/ with the number and the password.\n")
