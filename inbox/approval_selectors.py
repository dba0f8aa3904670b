"""Read-only queries of four-eyes approval: the approval list, its count in the navigation, a draft's versions with
what changed between them, where a question's reply stands, and the small report on the approvals page."""

import difflib
import re
import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import QuerySet

from accounts.models import Employee

from .access import approvers_of, drafts_approvable_by
from .approval_rules import describe
from .models import ApprovalDecision, Question, ReplyDraft

# The report's window: decisions of the last 30 days.
REPORT_DAYS = 30
LIST_LIMIT = 200


def waiting_for(viewer: Employee) -> QuerySet[ReplyDraft]:
    """What the viewer may decide on now, oldest first (index draft_pending)."""
    return (
        drafts_approvable_by(viewer)
        .select_related("question__customer", "question__queue", "author")
        .order_by("submitted_at", "id")
    )


def waiting_count(viewer: Employee) -> int:
    """The count beside "Approvals" in the navigation."""
    return drafts_approvable_by(viewer).count()


@dataclass(frozen=True)
class Segment:
    """A run of characters of a diff: kept, removed or added."""

    text: str
    change: str  # "same", "removed", "added"; or "matched" by a reason for approval


# What a diff compares: whole Latin words and numbers (a changed letter shows as a changed word), runs of spaces,
# and every other character on its own (Japanese has no spaces to split words at).
_TOKENS = re.compile(r"[A-Za-z0-9_'@.\-]+|\s+|.", re.DOTALL)


def diff(old: str, new: str) -> list[Segment]:
    """What changed from `old` to `new`, word by word in Latin text and character by character in Japanese."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    segments: list[Segment] = []

    def add(text: str, change: str) -> None:
        if segments and segments[-1].change == change:
            segments[-1] = Segment(segments[-1].text + text, change)
        elif text:
            segments.append(Segment(text, change))

    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for operation, a_start, a_end, b_start, b_end in matcher.get_opcodes():
        if operation == "equal":
            add("".join(a[a_start:a_end]), "same")
            continue
        add("".join(a[a_start:a_end]), "removed")
        add("".join(b[b_start:b_end]), "added")
    return segments


@dataclass(frozen=True)
class Version:
    draft: ReplyDraft
    reasons: list[str]
    changes: list[Segment] | None  # against the previous version; None for the first

    @property
    def decision(self) -> ApprovalDecision | None:
        return getattr(self.draft, "decision", None)


def versions(draft: ReplyDraft) -> list[Version]:
    """Every version of the reply in the draft's round, oldest first, each with what changed from the one before."""
    drafts = list(
        ReplyDraft.objects.filter(question=draft.question_id, round=draft.round)
        .select_related("author", "written_by", "decision__approver")
        .order_by("version")
    )
    shown = []
    previous: ReplyDraft | None = None
    for each in drafts:
        changes = diff(previous.text, each.text) if previous is not None and previous.text != each.text else None
        shown.append(Version(each, describe(each.reasons), changes))
        previous = each
    return shown


def newest_version_of(draft: ReplyDraft) -> ReplyDraft:
    """The version that replaced `draft` through an approver's edit, if one did (else `draft` itself)."""
    while (successor := ReplyDraft.objects.filter(supersedes=draft).select_related(*DRAFT_RELATED).first()) is not None:
        draft = successor
    return draft


DRAFT_RELATED = ("question__customer", "question__queue", "author", "written_by")


def draft_of(draft_id: int) -> ReplyDraft | None:
    return ReplyDraft.objects.select_related(*DRAFT_RELATED).filter(pk=draft_id).first()


@dataclass(frozen=True)
class ApprovalState:
    """Where the question's reply stands in the current round, for its page: the newest draft and its decision."""

    draft: ReplyDraft
    reasons: list[str]
    approvers: list[str] = field(default_factory=list)

    @property
    def decision(self) -> ApprovalDecision | None:
        return getattr(self.draft, "decision", None)

    @property
    def rejected(self) -> bool:
        return self.draft.status == ReplyDraft.Status.REJECTED

    @property
    def stale(self) -> bool:
        return self.draft.status == ReplyDraft.Status.STALE

    @property
    def by_fallback(self) -> bool:
        return self.draft.escalation == ReplyDraft.Escalation.FALLBACK


def approval_state(question: Question) -> ApprovalState | None:
    draft = (
        ReplyDraft.objects.filter(question=question, round=question.round)
        .select_related("decision__approver", "written_by", "author")
        .order_by("-version")
        .first()
    )
    if draft is None:
        return None
    approvers = []
    if draft.status == ReplyDraft.Status.PENDING:
        approvers = [str(e) for e in approvers_of(question.queue).exclude(pk=draft.author_id)[:10]]
    return ApprovalState(draft, describe(draft.reasons), approvers)


@dataclass(frozen=True)
class ApprovalReport:
    waiting: int
    oldest_waiting_since: datetime | None
    decided: int
    median_wait: timedelta | None
    p90_wait: timedelta | None
    rejected: int
    rejections_by_reason: list[tuple[str, int]]


def percentile(values: list[timedelta], percent: int) -> timedelta | None:
    """The nearest-rank percentile: the smallest wait that `percent` % of the waits do not exceed."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * percent // 100))  # the ceiling, in integers (10 × 0.9 is not 9 in floats)
    return ordered[rank - 1]


def report(now: datetime, *, days: int = REPORT_DAYS) -> ApprovalReport:
    """Approvals waiting now; the wait from submission to decision (median, 90th percentile) and the rejections by
    reason over the decisions of the last `days` days (index decision_decided_at)."""
    pending = ReplyDraft.objects.filter(status=ReplyDraft.Status.PENDING)
    decisions = list(
        ApprovalDecision.objects.filter(decided_at__gte=now - timedelta(days=days))
        .select_related("draft")
        .only("verdict", "decided_at", "reasons", "draft__submitted_at")
    )
    waits = [decision.decided_at - decision.draft.submitted_at for decision in decisions]
    by_reason: dict[str, int] = {}
    rejected = [decision for decision in decisions if decision.verdict == ApprovalDecision.Verdict.REJECTED]
    for decision in rejected:
        for label in set(describe(decision.reasons)):
            by_reason[label] = by_reason.get(label, 0) + 1
    return ApprovalReport(
        waiting=pending.count(),
        oldest_waiting_since=pending.order_by("submitted_at").values_list("submitted_at", flat=True).first(),
        decided=len(decisions),
        median_wait=statistics.median(waits) if waits else None,
        p90_wait=percentile(waits, 90),
        rejected=len(rejected),
        rejections_by_reason=sorted(by_reason.items(), key=lambda item: (-item[1], item[0])),
    )


def highlighted(text: str, reasons: list[dict]) -> list[Segment]:
    """`text` cut into runs that no reason matched ("same") and runs some reason matched ("matched"), for the page to
    mark what made a reply need approval."""
    marked = [False] * len(text)
    for reason in reasons:
        for start, end in reason.get("spans", []):
            for index in range(max(start, 0), min(end, len(text))):
                marked[index] = True
    segments: list[Segment] = []
    for index, character in enumerate(text):
        change = "matched" if marked[index] else "same"
        if segments and segments[-1].change == change:
            segments[-1] = Segment(segments[-1].text + character, change)
        else:
            segments.append(Segment(character, change))
    return segments
