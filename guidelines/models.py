"""The desk's social-media guidelines: numbered versions, each published once and never edited, and who accepted
which version. Which version is in force for whom is decided in acceptance.py."""

import hashlib
import json

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def text_sha256(body_ja: str, body_en: str) -> str:
    """The hash of a version's text: both bodies in one canonical JSON object (sorted keys, UTF-8, no spaces), so the
    same words always give the same hash and an edit of either language changes it."""
    canonical = json.dumps(
        {"body_en": body_en, "body_ja": body_ja}, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


class GuidelinesVersion(models.Model):
    """One published version of the guidelines. A change is a new version; the database refuses to change or delete
    a published one (migration 0002)."""

    number = models.PositiveIntegerField(_("version"), unique=True)
    # Markdown, rendered without raw HTML (guidelines.rendering). One language may be empty: the page shows the other.
    body_ja = models.TextField(_("text (Japanese)"), blank=True)
    body_en = models.TextField(_("text (English)"), blank=True)
    summary = models.CharField(_("summary of the changes"), max_length=300, blank=True)
    requires_acknowledgement = models.BooleanField(_("everyone must accept it again"), default=True)
    text_sha256 = models.CharField(_("SHA-256 of the text"), max_length=64)
    published_at = models.DateTimeField(_("published"))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("guidelines version")
        verbose_name_plural = _("guidelines versions")
        ordering = ["-number"]
        constraints = [
            models.CheckConstraint(condition=models.Q(number__gte=1), name="guidelines_version_number_positive"),
            # The first guidelines are accepted by everyone: before them nothing was required.
            models.CheckConstraint(
                condition=models.Q(number__gt=1) | models.Q(requires_acknowledgement=True),
                name="guidelines_first_version_required",
            ),
            models.CheckConstraint(condition=~models.Q(body_ja="", body_en=""), name="guidelines_version_has_text"),
        ]
        indexes = [
            # "The newest version that requires acceptance", asked before every claim and every send.
            models.Index(
                fields=["-number"],
                condition=models.Q(requires_acknowledgement=True),
                name="guidelines_required_newest",
            )
        ]

    def __str__(self) -> str:
        return f"v{self.number}"

    def body_for(self, language: str) -> str:
        """The text in `language` ("ja" or "en"), or the other language's when this one is empty."""
        own, other = (self.body_ja, self.body_en) if language == "ja" else (self.body_en, self.body_ja)
        return own or other

    def has_body(self, language: str) -> bool:
        return bool(self.body_ja if language == "ja" else self.body_en)


class GuidelinesAcknowledgement(models.Model):
    """An employee said they read a version and accept it (the button on the guidelines page). Never changed."""

    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="guidelines_acknowledgements"
    )
    version = models.ForeignKey(GuidelinesVersion, on_delete=models.PROTECT, related_name="acknowledgements")
    acknowledged_at = models.DateTimeField(pgettext_lazy("guidelines", "accepted"))

    class Meta:
        verbose_name = _("acceptance of the guidelines")
        verbose_name_plural = _("acceptances of the guidelines")
        # Also the index of "has this employee accepted version N or later" (acceptance.py): employee first.
        constraints = [
            models.UniqueConstraint(fields=["employee", "version"], name="guidelines_acknowledged_once"),
        ]

    def __str__(self) -> str:
        return f"{self.employee_id} accepted {self.version_id}"
