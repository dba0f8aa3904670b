"""Read-only queries of the audit trail for the compliance pages, each on an index and paged by keyset.

Pages walk the sequence number downwards (`before` = the id of the last row shown): every page costs the
same at any depth, and nothing ever counts the whole table or skips rows with OFFSET.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from accounts.models import Employee
from accounts.numbers import normalize_employee_number
from inbox.models import Question

from . import anchors
from .models import AuditCheckpoint, AuditEntry, AuditSeal, AuditVerification

PAGE_SIZE = 50
# A question's timeline reads oldest first; most questions have a handful of entries, but claim renewals
# can add many, so it pages too.
TIMELINE_PAGE_SIZE = 200

QUESTION_TARGET = "inbox.question"
EMPLOYEE_TARGET = "accounts.employee"


@dataclass(frozen=True)
class TrailFilters:
    actor: str = ""  # employee number, or "system"; case-insensitive
    action: str = ""  # an exact code, or a prefix ending with "." ("inbox.reply.")
    target_type: str = ""  # "inbox.question"
    target_id: str = ""  # "42"; only with target_type
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    text: str = ""  # searched in the target label and the canonical record


@dataclass(frozen=True)
class EntryPage:
    entries: list[AuditEntry]
    # The keyset position of the next page ("before" for newest-first pages, "after" for oldest-first), or None.
    next_position: int | None


def actor_spellings(number: str) -> list[str]:
    """The stored spellings a typed actor can have: numbers are stored upper-case, the worker as "system".

    An IN list of the two keeps the (actor_number, id) index usable, which `iexact` (UPPER(column)) would not.
    """
    normalized = normalize_employee_number(number)
    return sorted({normalized, normalized.lower()})


def filtered_entries(filters: TrailFilters) -> QuerySet[AuditEntry]:
    """The entries matching every filter given, newest first."""
    entries = AuditEntry.objects.all()
    if filters.actor:
        entries = entries.filter(actor_number__in=actor_spellings(filters.actor))
    if filters.action.endswith("."):
        entries = entries.filter(action__startswith=filters.action)
    elif filters.action:
        entries = entries.filter(action=filters.action)
    if filters.target_type:
        entries = entries.filter(target_type=filters.target_type)
        if filters.target_id:
            entries = entries.filter(target_id=filters.target_id)
    if filters.since is not None:
        entries = entries.filter(created_at__gte=filters.since)
    if filters.until is not None:
        entries = entries.filter(created_at__lt=filters.until)
    if filters.text:
        entries = entries.filter(Q(target_label__icontains=filters.text) | Q(payload__icontains=filters.text))
    return entries.order_by("-id")


def newest_first_page(entries: QuerySet[AuditEntry], *, before: int | None, size: int = PAGE_SIZE) -> EntryPage:
    """One page of `entries` (ordered by -id) below the sequence number `before`."""
    if before is not None:
        entries = entries.filter(id__lt=before)
    rows = list(entries.order_by("-id")[: size + 1])
    return EntryPage(rows[:size], rows[size - 1].id if len(rows) > size else None)


def question_timeline(question_id: int, *, after: int | None, size: int = TIMELINE_PAGE_SIZE) -> EntryPage:
    """Every entry about one question, oldest first, from the sequence number after `after` (audit_target)."""
    entries = AuditEntry.objects.filter(target_type=QUESTION_TARGET, target_id=str(question_id))
    if after is not None:
        entries = entries.filter(id__gt=after)
    rows = list(entries.order_by("id")[: size + 1])
    return EntryPage(rows[:size], rows[size - 1].id if len(rows) > size else None)


def employee_activity(number: str, employee_id: int | None, *, before: int | None, size: int = PAGE_SIZE) -> EntryPage:
    """What one person did (actor) and what was done to them (target), newest first.

    Two keyset reads, one per index (audit_actor, audit_target), merged here: the first `size + 1` rows of
    the union are always among the first `size + 1` of each side, and an OR across two indexes would have
    the database walk the whole sequence instead.
    """
    sides = [AuditEntry.objects.filter(actor_number__in=actor_spellings(number))]
    if employee_id is not None:
        sides.append(AuditEntry.objects.filter(target_type=EMPLOYEE_TARGET, target_id=str(employee_id)))
    merged: dict[int, AuditEntry] = {}
    for side in sides:
        if before is not None:
            side = side.filter(id__lt=before)
        for entry in side.order_by("-id")[: size + 1]:
            merged[entry.id] = entry
    rows = sorted(merged.values(), key=lambda entry: entry.id, reverse=True)[: size + 1]
    return EntryPage(rows[:size], rows[size - 1].id if len(rows) > size else None)


def question_for_timeline(question_id: int) -> Question | None:
    """The question a timeline is about, if it still exists (its entries outlive it)."""
    return Question.objects.select_related("queue", "customer", "holder").filter(pk=question_id).first()


def employee_by_number(number: str) -> Employee | None:
    return Employee.objects.filter(employee_number=number).first()


@dataclass(frozen=True)
class IntegrityStatus:
    verification: AuditVerification | None
    checkpoint: AuditCheckpoint | None
    sealed_up_to: int | None
    newest_entry: int | None
    waiting: bool
    # The newest anchor, as this process can read the anchor file (None: none yet, or the file is not mounted here).
    last_anchor: anchors.Anchor | None
    anchor_file: str


def integrity_status() -> IntegrityStatus:
    """The last verification and checkpoint, how far the sealer has got (each one indexed read), and the newest
    anchor (the end of the anchor file)."""
    try:
        last_anchor = anchors.read_tail().last
    except OSError:
        last_anchor = None
    return IntegrityStatus(
        verification=last_verification(),
        checkpoint=AuditCheckpoint.objects.order_by("-seq").first(),
        sealed_up_to=AuditSeal.objects.order_by("-seq").values_list("seq", flat=True).first(),
        newest_entry=AuditEntry.objects.order_by("-id").values_list("id", flat=True).first(),
        waiting=AuditEntry.objects.filter(seal__isnull=True).exists(),
        last_anchor=last_anchor,
        anchor_file=str(anchors.anchor_file()),
    )


def last_verification() -> AuditVerification | None:
    """The newest outcome of a verification (the page's own runs and verify_audit's alike)."""
    return AuditVerification.objects.filter(kind=AuditVerification.Kind.FINISHED).order_by("-finished_at").first()
