"""What can go wrong when people are managed; each error carries a message fit to show."""

from django.utils.translation import gettext as _


class AccountActionError(Exception):
    """Base of the errors a view shows to the person who asked for the action."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidTransition(AccountActionError):
    @classmethod
    def for_employee(cls, employee, action_label: str) -> "InvalidTransition":
        employee.refresh_from_db(fields=["status"])
        return cls(
            _("%(number)s cannot be %(action)s: the account is now “%(status)s”.")
            % {"number": employee.employee_number, "action": action_label, "status": employee.get_status_display()}
        )


class NotAllowed(AccountActionError):
    pass
