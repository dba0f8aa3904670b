"""The audit trail: one row per action, written only through audit.recorder.record."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


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
    """A verification of the trail, shown on the compliance pages: rows inserted, never changed (the desk's database
    role may only insert into the audit tables), so a run started from the integrity page is several rows: its
    request, the worker's progress notes, and the outcome. `verify_audit` writes the outcome alone."""

    class Kind(models.TextChoices):
        REQUESTED = "requested", pgettext_lazy("verification state", "requested")
        PROGRESS = "progress", pgettext_lazy("verification state", "in progress")
        FINISHED = "finished", pgettext_lazy("verification state", "finished")
        INTERRUPTED = "interrupted", pgettext_lazy("verification state", "interrupted")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.FINISHED)
    # The request a progress note or an outcome belongs to (none for verify_audit's runs).
    run = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_constraint=False
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
        db_constraint=False,
    )
    # A request names the request before it (0: none); two requests naming the same one cannot both be saved, so of
    # two started at the same moment one is refused (audit_one_verification_at_a_time).
    follows = models.BigIntegerField(null=True, blank=True)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # When a request or a progress note was written: a run whose newest row is old was interrupted.
    noted_at = models.DateTimeField(_("noted"), null=True, blank=True)
    checked = models.BigIntegerField(_("entries checked"))
    # About how many seals the run walks: the chain's head when the worker began.
    to_check = models.BigIntegerField(_("entries to check"), null=True, blank=True)
    head_seq = models.BigIntegerField(_("last sequence"), null=True)
    problems = models.JSONField(_("problems"), default=list)

    class Meta:
        verbose_name = _("audit verification")
        verbose_name_plural = _("audit verifications")
        ordering = ["-finished_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["follows"], condition=models.Q(kind="requested"), name="audit_one_verification_at_a_time"
            )
        ]

    def __str__(self) -> str:
        if self.kind != self.Kind.FINISHED:
            return f"verification {self.run_id or self.pk}: {self.kind}"
        return f"verification {self.finished_at:%Y-%m-%d %H:%M}: {len(self.problems)} problems"

    @property
    def ok(self) -> bool:
        return not self.problems
