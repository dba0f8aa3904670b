"""What a person types to name a signature (``^E042``, ``E042``, ``＾Ｅ０４２``, ``^e042``), turned into the number."""

import re
import unicodedata

from django.conf import settings

from accounts.numbers import normalize_employee_number

MAX_INPUT_LENGTH = 100


def number_from(raw: str) -> str | None:
    """The employee number a signature names, or None when it cannot be one of ours."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if not text or len(text) > MAX_INPUT_LENGTH:
        return None
    prefix = unicodedata.normalize("NFKC", settings.REPLY_SIGNATURE_PREFIX).strip()
    if prefix and text.startswith(prefix):
        text = text[len(prefix) :].strip()
    number = normalize_employee_number(text)
    return number if re.fullmatch(settings.EMPLOYEE_NUMBER_PATTERN, number) else None
