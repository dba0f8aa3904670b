"""Employee numbers: how typed input becomes the stored number, and what a valid one looks like."""

import re
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def normalize_employee_number(raw: str) -> str:
    # NFKC turns full-width input from a Japanese IME (Ｅ０４２) into E042; numbers compare upper-case.
    return unicodedata.normalize("NFKC", raw or "").strip().upper()


def validate_employee_number(number: str) -> None:
    """Raise a ValidationError that tells the person what a valid number looks like."""
    if not number:
        raise ValidationError(_("Enter your employee number."), code="required")
    if not re.fullmatch(settings.EMPLOYEE_NUMBER_PATTERN, number):
        raise ValidationError(
            _("“%(number)s” is not a valid employee number. Use the number on your staff card, for example %(hint)s.")
            % {"number": number[:40], "hint": settings.EMPLOYEE_NUMBER_HINT},
            code="invalid",
        )
