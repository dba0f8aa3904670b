"""State changes of the guidelines: an administrator publishes a version, an employee accepts the one in force, and a
supervisor or compliance officer takes the list of acceptances out of the desk. Each checks its actor and writes its
audit entry in its own transaction."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Employee
from audit import recorder
from replydesk.locks import TransactionLock, transaction_lock

from .access import ensure_may_acknowledge, ensure_may_oversee, ensure_may_publish
from .errors import NoSuchVersion, NothingToPublish, OutdatedVersion, PublishedMeanwhile, UnchangedText
from .models import GuidelinesAcknowledgement, GuidelinesVersion, text_sha256


def normalized(text: str) -> str:
    """A body as stored: the line endings a browser sends (CRLF) as LF, no trailing blank space, so that the hash and
    the changes between versions see only what a reader sees."""
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")).strip()


@transaction.atomic(durable=True)
def publish_version(
    *,
    actor: Employee,
    body_ja: str,
    body_en: str,
    summary: str = "",
    requires_acknowledgement: bool = True,
    based_on: int,
    now: datetime | None = None,
) -> GuidelinesVersion:
    """Publish the next version of the guidelines, in force at once.

    `based_on` is the number of the version the text was written from (0: none was published), so that of two
    administrators publishing at once the second is told, instead of replacing the first's words unseen. Version 1
    always requires acceptance. The audit entry records the number, whether acceptance is required, and the text's
    hash (models.text_sha256), which a reader can recompute from the version's text.
    """
    ensure_may_publish(actor)
    body_ja, body_en, summary = normalized(body_ja), normalized(body_en), summary.strip()
    if not body_ja and not body_en:
        raise NothingToPublish()
    # The lock orders publications; its second reader then sees the first's version (READ COMMITTED reads anew).
    transaction_lock(TransactionLock.GUIDELINES_PUBLISH)
    current = GuidelinesVersion.objects.select_related("published_by").order_by("-number").first()
    if current is not None and current.number != based_on:
        raise PublishedMeanwhile(current.number, str(current.published_by))
    digest = text_sha256(body_ja, body_en)
    if current is not None and current.text_sha256 == digest:
        raise UnchangedText(current.number)
    number = current.number + 1 if current else 1
    version = GuidelinesVersion.objects.create(
        number=number,
        body_ja=body_ja,
        body_en=body_en,
        summary=summary,
        requires_acknowledgement=requires_acknowledgement or number == 1,
        text_sha256=digest,
        published_at=now or timezone.now(),
        published_by=actor,
    )
    recorder.record(
        "guidelines.version.published",
        actor=actor,
        target=version,
        before={"number": current.number, "text_sha256": current.text_sha256} if current else None,
        after={
            "number": version.number,
            "requires_acknowledgement": version.requires_acknowledgement,
            "text_sha256": version.text_sha256,
            "summary": version.summary,
        },
    )
    return version


@transaction.atomic(durable=True)
def acknowledge(employee: Employee, number: int, *, now: datetime | None = None) -> GuidelinesAcknowledgement:
    """`employee` read version `number` and accepts it. Only the newest version is accepted (a page shown before a
    newer one was published is told so); accepting it again changes nothing and records nothing."""
    ensure_may_acknowledge(employee)
    current = GuidelinesVersion.objects.order_by("-number").first()
    if current is None:
        raise NoSuchVersion()
    if number != current.number:
        raise OutdatedVersion(current.number)
    existing = GuidelinesAcknowledgement.objects.filter(employee=employee, version=current).first()
    if existing is not None:
        return existing
    try:
        # The same button pressed twice at once: the unique constraint keeps one, the other finds it.
        with transaction.atomic():
            accepted = GuidelinesAcknowledgement.objects.create(
                employee=employee, version=current, acknowledged_at=now or timezone.now()
            )
    except IntegrityError:
        return GuidelinesAcknowledgement.objects.get(employee=employee, version=current)
    recorder.record(
        "guidelines.version.acknowledged",
        actor=employee,
        target=current,
        after={"number": current.number, "text_sha256": current.text_sha256},
    )
    return accepted


@transaction.atomic(durable=True)
def record_export(*, actor: Employee, rows: int) -> None:
    """An export of the acceptances is itself recorded, before the file leaves: who took the list out of the desk."""
    ensure_may_oversee(actor)
    recorder.record(
        "guidelines.acknowledgements.exported",
        actor=actor,
        target_type="guidelines.acknowledgements",
        target_label="csv",
        after={"format": "csv", "rows": rows},
    )
