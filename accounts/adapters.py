"""allauth hooks: sign-up goes through the accounts services, addresses are refused before a column would cut
them, reset links go to verified addresses only (and are audited), and TOTP secrets are stored encrypted."""

import base64
import hashlib
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.mfa.adapter import DefaultMFAAdapter
from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import services
from .backends import verified_addresses
from .models import Employee, IssuedEmployeeNumber
from .numbers import normalize_employee_number, validate_employee_number

# allauth copies a sign-up's address into both columns and cuts it to fit Employee.email without a word (a
# 255-character address was stored as a different one); the add-address page would fail on EmailAddress.email.
EMAIL_MAX_LENGTH = min(Employee._meta.get_field("email").max_length, EmailAddress._meta.get_field("email").max_length)


class EmployeeAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return getattr(settings, "SIGNUP_OPEN", True)

    def clean_email(self, email: str) -> str:
        """Every address a person types (sign-up, the e-mail page, a reset request) fits the columns whole."""
        if len(email) > EMAIL_MAX_LENGTH:
            raise ValidationError(
                ngettext(
                    "An e-mail address may have at most %(limit)d character; this one has %(length)d.",
                    "An e-mail address may have at most %(limit)d characters; this one has %(length)d.",
                    EMAIL_MAX_LENGTH,
                )
                % {"limit": EMAIL_MAX_LENGTH, "length": len(email)},
                code="email_too_long",
            )
        return super().clean_email(email)

    def clean_username(self, username: str, shallow: bool = False) -> str:
        number = normalize_employee_number(username)
        try:
            validate_employee_number(number)
        except ValidationError as error:
            raise ValidationError(error.messages) from None
        if (
            IssuedEmployeeNumber.objects.filter(number=number)
            .exclude(number__in=Employee.objects.values("employee_number"))
            .exists()
        ):
            # The number's employee is gone, and a number is never issued twice (the database refuses it too).
            raise ValidationError(
                _("Employee number %(number)s was used before and is never given out again. Ask your supervisor.")
                % {"number": number},
                code="number_retired",
            )
        try:
            return super().clean_username(number, shallow=shallow)
        except ValidationError as error:
            if error.code != "username_taken":
                raise
            # allauth's words are Django's "A user with that username already exists."
            raise ValidationError(
                _("Employee number %(number)s has already signed up. If it is yours, sign in instead.")
                % {"number": number},
                code="number_taken",
            ) from None

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        if commit:
            services.register_employee(user)
        return user

    def send_password_reset_mail(self, user: Employee, email: str, context: dict[str, Any]) -> None:
        """Mail the reset link only to a verified address of `user`; record either outcome.

        The page the person sees next is allauth's "check your mail" either way, so it tells nobody whether the
        address belongs to anyone, or is verified. The entry commits before the mail goes out. allauth calls
        this outside any transaction; called inside one, the durable entry refuses at once (RuntimeError), before
        any mail, which must not go out from inside a transaction either.
        """
        if not verified_addresses(email).filter(user_id=user.pk).exists():
            services.record_password_reset_refused(user, email)
            return
        services.record_password_reset_requested(user, email)
        super().send_password_reset_mail(user, email, context)

    def get_login_redirect_url(self, request) -> str:
        return reverse("home")

    def get_signup_redirect_url(self, request) -> str:
        return reverse("accounts:status")


def _fernet() -> MultiFernet:
    keys = list(settings.MFA_ENCRYPTION_KEYS)
    if not keys:
        # Derived, not the raw SECRET_KEY, so the two keys can never be confused; rotating SECRET_KEY
        # without MFA_ENCRYPTION_KEYS makes every TOTP secret unreadable (README, "Configuration").
        digest = hashlib.sha256(f"replydesk-mfa:{settings.SECRET_KEY}".encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    return MultiFernet([Fernet(key) for key in keys])


class EncryptedSecretsMFAAdapter(DefaultMFAAdapter):
    def encrypt(self, text: str) -> str:
        return _fernet().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        return _fernet().decrypt(encrypted_text.encode()).decode()

    def get_totp_label(self, user) -> str:
        return user.employee_number
