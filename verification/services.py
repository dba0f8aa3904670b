"""The one state change of the public check: an administrator saves the "how to recognise us" block."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Employee, Role
from audit import recorder

from .errors import ChangedMeanwhile, NotAllowedToEdit
from .guide import default_texts
from .models import TEXT_FIELDS, RecognitionGuide


@transaction.atomic(durable=True)
def update_recognition_guide(*, actor: Employee, texts: dict[str, str], based_on: int) -> RecognitionGuide:
    """Save `texts` as the block's next version, audited with what it replaced.

    `based_on` is the version the editor started from (0: the defaults). When another version was saved since,
    ChangedMeanwhile: the second of two administrators never silently replaces the first's words. Two saving at the
    same moment both pass that check; the unique version lets one of them in.
    """
    if not actor.has_role(Role.ADMINISTRATOR):
        raise NotAllowedToEdit
    current = RecognitionGuide.objects.order_by("-version").first()
    current_version = current.version if current is not None else 0
    if current_version != based_on:
        raise ChangedMeanwhile(current_version)
    cleaned = {name: (texts.get(name) or "").replace("\r\n", "\n").strip() for name in TEXT_FIELDS}
    if current is not None and cleaned == current.texts():
        return current
    try:
        with transaction.atomic():
            saved = RecognitionGuide.objects.create(
                version=current_version + 1, saved_at=timezone.now(), saved_by=actor, **cleaned
            )
    except IntegrityError:
        raise ChangedMeanwhile(current_version + 1) from None
    recorder.record(
        "verification.guide.updated",
        actor=actor,
        target=saved,
        before={"version": current_version, **(current.texts() if current is not None else default_texts())},
        after={"version": saved.version, **saved.texts()},
    )
    return saved
