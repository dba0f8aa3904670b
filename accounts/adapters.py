"""allauth hooks: sign-up goes through the accounts services, and TOTP secrets are stored encrypted."""

import base64
import hashlib

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from . import services
from .numbers import normalize_employee_number, validate_employee_number


class EmployeeAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return getattr(settings, "SIGNUP_OPEN", True)

    def clean_username(self, username: str, shallow: bool = False) -> str:
        number = normalize_employee_number(username)
        try:
            validate_employee_number(number)
        except ValidationError as error:
            raise ValidationError(error.messages) from None
        return super().clean_username(number, shallow=shallow)

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        if commit:
            services.register_employee(user)
        return user

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
