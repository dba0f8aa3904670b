"""Signing in: allauth's backend (by employee number or e-mail address), as the desk's rules narrow it.

An e-mail address counts only once its owner has verified it: allauth would also accept an address just typed
on the e-mail page, or the employee's own e-mail field, before anyone proved the mailbox is theirs. The
employee number signs in whatever the addresses.
"""

from allauth.account import app_settings
from allauth.account.app_settings import LoginMethod
from allauth.account.auth_backends import AuthenticationBackend
from allauth.account.models import EmailAddress
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet

from .models import Employee


def verified_addresses(email: str) -> QuerySet[EmailAddress]:
    """The addresses that sign in and receive reset links: `email`, where its owner has verified it."""
    # allauth stores addresses lower-cased, so the plain index serves this.
    return EmailAddress.objects.filter(email=email.lower(), verified=True)


def owners_of_verified_address(email: str) -> list[Employee]:
    return [address.user for address in verified_addresses(email).select_related("user")]


class EmployeeAuthenticationBackend(AuthenticationBackend):
    def _authenticate_by_email(self, email: str, password: str) -> AbstractBaseUser | None:
        # allauth tries a typed employee number as an address first; without "@" it cannot be one.
        if not email or "@" not in email or LoginMethod.EMAIL not in app_settings.LOGIN_METHODS:
            return None
        for employee in owners_of_verified_address(email):
            # Sets _did_check_password, so allauth's timing mitigation runs only when nobody matched.
            if self._check_password(employee, password):
                return employee
        return None
