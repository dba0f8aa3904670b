"""The "how to recognise us" block of the public check page, one row per saved version (the newest is shown)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# The block's four topics, each written in Japanese and in English: (field stem, label).
TOPICS = (
    ("official_accounts", _("Our official accounts")),
    ("how_we_sign", _("How our staff sign")),
    ("never_ask", _("What we never ask for")),
    ("report_fake", _("How to report a fake")),
)
LANGUAGES = ("ja", "en")
TEXT_FIELDS = tuple(f"{stem}_{language}" for stem, _label in TOPICS for language in LANGUAGES)
TEXT_MAX_LENGTH = 2000


class RecognitionGuide(models.Model):
    """One saved version of the block, written once by verification.services.update_recognition_guide and never
    changed: the next save adds version n+1, and two administrators saving on the same version cannot both win
    (the unique version)."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    official_accounts_ja = models.TextField(_("official accounts (Japanese)"), blank=True)
    official_accounts_en = models.TextField(_("official accounts (English)"), blank=True)
    how_we_sign_ja = models.TextField(_("how our staff sign (Japanese)"), blank=True)
    how_we_sign_en = models.TextField(_("how our staff sign (English)"), blank=True)
    never_ask_ja = models.TextField(_("what we never ask for (Japanese)"), blank=True)
    never_ask_en = models.TextField(_("what we never ask for (English)"), blank=True)
    report_fake_ja = models.TextField(_("how to report a fake (Japanese)"), blank=True)
    report_fake_en = models.TextField(_("how to report a fake (English)"), blank=True)
    saved_at = models.DateTimeField(_("saved"))
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("saved by")
    )

    class Meta:
        verbose_name = _("how to recognise us")
        verbose_name_plural = _("how to recognise us")
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"how to recognise us v{self.version}"

    def texts(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in TEXT_FIELDS}
