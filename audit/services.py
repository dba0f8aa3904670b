"""What a compliance officer starts from the compliance pages: a verification of the trail, run by the worker."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone

from . import recorder, tasks
from .models import AuditVerification
from .verification_runs import RunState, current_run


class VerificationAlreadyRunning(Exception):
    """One verification at a time: a second would read the same trail again and slow the worker down for nothing."""

    def __init__(self, state: RunState | None):
        super().__init__("a verification of the audit trail is already running")
        self.state = state


@transaction.atomic(durable=True)
def start_verification(*, actor: Model, now: datetime | None = None) -> AuditVerification:
    """Request a verification, recorded as started; the worker runs it once this commits.

    Refused while the last one is waiting or running. Two officers pressing at the same moment both see none
    running; their requests name the same predecessor, and the unique index lets only the first be saved.
    """
    now = now or timezone.now()
    state = current_run(now)
    if state is not None and state.in_progress:
        raise VerificationAlreadyRunning(state)
    try:
        with transaction.atomic():
            request = AuditVerification.objects.create(
                kind=AuditVerification.Kind.REQUESTED,
                requested_by=actor,
                follows=state.request.pk if state is not None else 0,
                started_at=now,
                noted_at=now,
                checked=0,
            )
    except IntegrityError:
        raise VerificationAlreadyRunning(current_run(now)) from None
    recorder.record(
        "audit.verification.started",
        actor=actor,
        target=request,
        target_type="audit.verification",
        target_label=f"verification {request.pk}",
        after={"verification": request.pk},
    )
    transaction.on_commit(lambda: tasks.enqueue_verification(request.pk))
    return request
