"""The audit trail: one row per action, written only through audit.recorder.record."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    # The primary key is the trail's sequence number.
    id = models.BigAutoField(primary_key=True, verbose_name=_("sequence"))
    created_at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
        db_constraint=False,
    )
    # Kept beside the key so the entry reads the same even if the number is ever reused elsewhere.
    actor_number = models.CharField(_("actor number"), max_length=32, blank=True)
    action = models.CharField(_("action"), max_length=64)
    target_type = models.CharField(_("target type"), max_length=64, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    target_label = models.CharField(_("target"), max_length=200, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    source_address = models.GenericIPAddressField(_("source address"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    # The entry as canonical JSON, written once at insert: the hash chain covers these exact bytes, never a
    # re-serialisation of the jsonb columns (whose key order and number format PostgreSQL may change).
    payload = models.TextField(_("canonical record"), default="")

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id", "id"], name="audit_target"),
            models.Index(fields=["actor_number", "id"], name="audit_actor"),
            models.Index(fields=["action", "id"], name="audit_action"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.target_label}"


class AuditSeal(models.Model):
    """An entry's place in the hash chain, added by the sealer after the entry's transaction committed.

    Kept apart from the entry so that entries are only ever inserted: the chain position is assigned by one
    sealer in commit order, so a transaction that commits late is sealed later, never leaving a hole.
    """

    seq = models.BigIntegerField(_("sequence"), primary_key=True)
    entry = models.OneToOneField(AuditEntry, on_delete=models.PROTECT, related_name="seal", db_constraint=False)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    sealed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("audit seal")
        verbose_name_plural = _("audit seals")

    def __str__(self) -> str:
        return f"seal {self.seq} of entry {self.entry_id}"


class AuditCheckpoint(models.Model):
    """The chain's head at a moment, also written outside the database (README, "Audit trail")."""

    seq = models.BigIntegerField(_("sequence"))
    head_hash = models.CharField(_("head hash"), max_length=64)
    created_at = models.DateTimeField(_("time"))
    written_to = models.CharField(_("written to"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("audit checkpoint")
        verbose_name_plural = _("audit checkpoints")
        ordering = ["-seq"]

    def __str__(self) -> str:
        return f"checkpoint at {self.seq}"


class AuditVerification(models.Model):
    """The outcome of one run of verify_audit, shown on the compliance pages."""

    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"))
    checked = models.BigIntegerField(_("entries checked"))
    head_seq = models.BigIntegerField(_("last sequence"), null=True)
    problems = models.JSONField(_("problems"), default=list)

    class Meta:
        verbose_name = _("audit verification")
        verbose_name_plural = _("audit verifications")
        ordering = ["-finished_at"]

    def __str__(self) -> str:
        return f"verification {self.finished_at:%Y-%m-%d %H:%M}: {len(self.problems)} problems"

    @property
    def ok(self) -> bool:
        return not self.problems
