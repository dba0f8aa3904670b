"""A verification started from the integrity page, run by the worker: where it stands, and the worker's side of it.

A run is rows of AuditVerification, each inserted once (the audit tables are insert-only for the desk's database
role): the request (audit.services.start_verification), a progress note when the worker begins and then at most
once a second, and the outcome, which audit.verify.verify_chain writes. Its state is read from its newest row: a run
whose newest row is a request or a note older than STALE_AFTER was interrupted (a worker killed mid-run, or none
running to pick it up), and no longer blocks a new one.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from django.utils import timezone

from replydesk.locks import single_flight

from .models import AuditSeal, AuditVerification
from .verify import verify_chain

logger = logging.getLogger(__name__)

# Far longer than the worker needs between two notes (verify_chain reports every 10,000 entries, which takes well
# under a second), and longer than a busy worker takes to pick the task up.
STALE_AFTER = timedelta(minutes=5)
NOTE_EVERY = timedelta(seconds=1)
FLIGHT = "audit-verification"

Kind = AuditVerification.Kind


class RunStatus(StrEnum):
    WAITING = "waiting"  # requested; no worker has begun it
    RUNNING = "running"
    FINISHED = "finished"
    INTERRUPTED = "interrupted"


@dataclass(frozen=True)
class RunState:
    request: AuditVerification
    # The run's newest row: the request itself until the worker notes its start.
    latest: AuditVerification
    status: RunStatus

    @property
    def in_progress(self) -> bool:
        return self.status in (RunStatus.WAITING, RunStatus.RUNNING)

    @property
    def checked(self) -> int:
        return self.latest.checked if self.latest.kind == Kind.PROGRESS else 0

    @property
    def to_check(self) -> int | None:
        if self.latest.to_check is None:
            return None
        # The walk goes up to the head it read itself, a moment after this one: never show more done than there is.
        return max(self.latest.to_check, self.checked)


def current_run(now: datetime | None = None) -> RunState | None:
    """The newest run started from the integrity page, or None if there never was one (two indexed reads)."""
    now = now or timezone.now()
    request = AuditVerification.objects.filter(kind=Kind.REQUESTED).order_by("-id").first()
    if request is None:
        return None
    latest = AuditVerification.objects.filter(run=request).order_by("-id").first() or request
    return RunState(request=request, latest=latest, status=_status(latest, now))


def _status(latest: AuditVerification, now: datetime) -> RunStatus:
    if latest.kind == Kind.FINISHED:
        return RunStatus.FINISHED
    if latest.kind == Kind.INTERRUPTED or latest.noted_at is None or latest.noted_at < now - STALE_AFTER:
        return RunStatus.INTERRUPTED
    return RunStatus.WAITING if latest.kind == Kind.REQUESTED else RunStatus.RUNNING


class RunOutcome(StrEnum):
    DONE = "done"  # walked to the end, or failed and noted as interrupted
    SKIPPED = "skipped"  # superseded, finished or interrupted already: nothing to do
    # Another process holds the one-at-a-time lock while the request is still in progress: try again shortly. It is
    # also what a redelivered message meets when its killed worker's database session has not yet let go of the lock.
    BUSY = "busy"


def run(request_id: int) -> RunOutcome:
    """The worker's side of a request, in order:

    1. one verification at a time in the whole desk (BUSY, for the caller to try again, while another holds it);
    2. only the newest request, and only while it is in progress: a request that was superseded, finished or shown
       as interrupted is not run late (a message redelivered long after its worker died);
    3. a note that it began, with about how many seals it will walk;
    4. the walk, noting progress at most once a second; verify_chain writes the outcome, linked to the request.

    A run whose worker was killed is run again from the start when its message comes back (tasks are acknowledged
    late); one that failed is noted as interrupted, and the error re-raised for the worker's log.
    """
    with single_flight(FLIGHT) as acquired:
        if not acquired:
            return RunOutcome.BUSY if _still_wanted(request_id) else RunOutcome.SKIPPED
        if not _still_wanted(request_id):
            return RunOutcome.SKIPPED
        request = current_run().request
        to_check = AuditSeal.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
        notes = _ProgressNotes(request, to_check)
        notes.note(0)
        try:
            verify_chain(progress=notes.maybe_note, run=request)
        except Exception:
            notes.interrupted()
            raise
    return RunOutcome.DONE


def _still_wanted(request_id: int) -> bool:
    state = current_run()
    return state is not None and state.request.pk == request_id and state.in_progress


class _ProgressNotes:
    def __init__(self, request: AuditVerification, to_check: int):
        self.request = request
        self.to_check = to_check
        self.started = timezone.now()
        self.last_note = self.started

    def note(self, checked: int) -> None:
        self.last_note = timezone.now()
        self._insert(Kind.PROGRESS, checked)

    def maybe_note(self, checked: int) -> None:
        if timezone.now() - self.last_note >= NOTE_EVERY:
            self.note(checked)

    def interrupted(self) -> None:
        try:
            self._insert(Kind.INTERRUPTED, 0)
        except Exception:  # noqa: BLE001 - the database may be what failed; the run then goes stale instead
            logger.warning("Could not note verification %s as interrupted", self.request.pk, exc_info=True)

    def _insert(self, kind: Kind, checked: int) -> None:
        AuditVerification.objects.create(
            kind=kind,
            run=self.request,
            started_at=self.started,
            noted_at=timezone.now(),
            checked=checked,
            to_check=self.to_check,
        )
