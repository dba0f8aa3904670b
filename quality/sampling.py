"""The weekly sample: which sent replies of last week are put in front of a reviewer.

`sample_week` runs once per week (the worker's beat, Monday 00:00 in TIME_ZONE, for the week just ended; a second run
of the same week changes nothing). For each active employee with sent replies that week:
1. the random share: k = clamp(ceil(share × n), minimum, maximum), at most n, drawn uniformly from the employee's n
   replies of the week (`draw`) with a random generator seeded by the run's stored seed and the employee's number, so
   that drawing again from the stored seed picks the same replies (`redraw`);
2. on top, not counted in k: the replies the automatic checks flagged (quality.checks), the replies the customer
   answered unhappily, and the employee's first replies ever (QUALITY_FIRST_REPLIES).
Suspended employees are not sampled; the run records, for everyone, what it found and why nothing was picked.
"""

import math
import random
import secrets
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from accounts.access import ANSWERERS
from accounts.models import Employee
from audit import recorder
from inbox.approval_reasons import RiskRules
from inbox.approval_rules import rules_in_force
from inbox.models import Post, Reply

from .checks import CHECK_FLAGS, Flag, SentReply, flags
from .errors import WeekNotOver
from .models import ReviewSample, SamplingRun
from .weeks import last_week, week_bounds

Reason = ReviewSample.Reason


@dataclass(frozen=True)
class Bounds:
    share_percent: int
    minimum: int
    maximum: int

    @classmethod
    def from_settings(cls) -> "Bounds":
        return cls(settings.QUALITY_SAMPLE_SHARE_PERCENT, settings.QUALITY_SAMPLE_MIN, settings.QUALITY_SAMPLE_MAX)


def share_of(replies: int, bounds: Bounds) -> int:
    """How many of an employee's `replies` of the week are drawn at random."""
    if replies <= 0:
        return 0
    wanted = math.ceil(replies * bounds.share_percent / 100)
    return min(replies, max(bounds.minimum, min(bounds.maximum, wanted)))


def draw(candidates: Mapping[str, Iterable[int]], seed: str, bounds: Bounds) -> dict[str, list[int]]:
    """The random picks for each employee (by number) among their reply ids: the same seed, the same picks."""
    picks = {}
    for number in sorted(candidates):
        ids = sorted(candidates[number])
        # Reproducible on purpose: the stored seed draws the same picks again (an audit, a re-run).
        generator = random.Random(f"{seed}:{number}")  # noqa: S311
        picks[number] = sorted(generator.sample(ids, share_of(len(ids), bounds)))
    return picks


def redraw(run: SamplingRun) -> dict[str, list[int]]:
    """The random picks drawn again from the run's stored seed and bounds, over the replies it drew from: what an
    auditor compares with the stored samples."""
    candidates = {
        number: found.get("candidates", []) for number, found in run.outcome.items() if found.get("candidates")
    }
    return draw(candidates, run.seed, Bounds(run.share_percent, run.minimum, run.maximum))


@dataclass(frozen=True)
class ReplyRow:
    """What the sampler reads of one sent reply: a row of values, not a model instance, so that a week of a busy
    desk (140,000 replies) streams through in chunks instead of filling the worker's memory."""

    pk: int
    author_id: int
    number: str
    author_status: str
    queue_id: int
    sent_at: datetime
    due_at: datetime | None
    text: str
    edited_by_approver: bool | None
    # The customer's first post in the question after the reply was sent, if any.
    follow_up: str | None


def reply_rows(replies: QuerySet[Reply]) -> Iterator[ReplyRow]:
    """`replies` (sent ones) as rows, in the order they were sent, read in chunks."""
    follow_up = (
        Post.objects.filter(
            question=OuterRef("question_id"), author=Post.Author.CUSTOMER, created_at__gt=OuterRef("sent_at")
        )
        .order_by("created_at", "pk")
        .values("text")[:1]
    )
    rows = (
        replies.annotate(follow_up=Subquery(follow_up))
        .order_by("sent_at", "id")
        .values_list(
            "pk",
            "author_id",
            "author__employee_number",
            "author__status",
            "question__queue_id",
            "sent_at",
            "due_at",
            "text",
            "approval__edited",
            "follow_up",
        )
    )
    for values in rows.iterator(chunk_size=2_000):
        yield ReplyRow(*values)


def _sent_before(authors: QuerySet[Reply], moment: datetime) -> dict[int, int]:
    """How many replies each author (of `authors`, a subquery of author ids) had sent before `moment`: their first
    replies ever are counted from there."""
    return dict(
        Reply.objects.filter(status=Reply.Status.SENT, author_id__in=authors, sent_at__lt=moment)
        .values("author_id")
        .annotate(sent=Count("id"))
        .values_list("author_id", "sent")
    )


def row_flags(row: ReplyRow, rules: RiskRules, *, among_first_replies: bool) -> tuple[Flag, ...]:
    return flags(
        SentReply(
            text=row.text,
            signature=f"{settings.REPLY_SIGNATURE_PREFIX}{row.number}",
            sent_at=row.sent_at,
            due_at=row.due_at,
            edited_by_approver=bool(row.edited_by_approver),
            follow_up=row.follow_up,
            among_first_replies=among_first_replies,
        ),
        rules,
    )


def flags_of_reply(reply: Reply, *, first_replies: int | None = None) -> tuple[Flag, ...]:
    """The automatic checks' flags of one sent reply (a sample added by hand)."""
    limit = settings.QUALITY_FIRST_REPLIES if first_replies is None else first_replies
    (row,) = reply_rows(Reply.objects.filter(pk=reply.pk))
    earlier = Reply.objects.filter(status=Reply.Status.SENT, author_id=row.author_id).filter(
        Q(sent_at__lt=row.sent_at) | Q(sent_at=row.sent_at, pk__lt=row.pk)
    )
    return row_flags(row, rules_in_force(), among_first_replies=earlier[:limit].count() < limit)


def reason_for_flags(found: Iterable[Flag]) -> str | None:
    """Why a reply outside the random share is picked, from its flags (None: it is not)."""
    found = set(found)
    if found & set(CHECK_FLAGS):
        return Reason.CHECK
    if Flag.NEGATIVE_FOLLOW_UP in found:
        return Reason.NEGATIVE_FOLLOW_UP
    if Flag.FIRST_REPLIES in found:
        return Reason.NEW_EMPLOYEE
    return None


def sample_last_week(*, now: datetime | None = None) -> SamplingRun:
    """The worker's weekly job."""
    now = now or timezone.now()
    return sample_week(last_week(now), now=now)


@transaction.atomic(durable=True)
def sample_week(
    week_start: date, *, actor: Employee | None = None, now: datetime | None = None, seed: str | None = None
) -> SamplingRun:
    """Sample the week that began on `week_start` (a Monday); a week sampled already is returned unchanged."""
    now = now or timezone.now()
    start, end = week_bounds(week_start)
    if end > now:
        raise WeekNotOver()
    bounds = Bounds.from_settings()
    # A second run of the week (the beat twice, a command) finds the first one's row: get_or_create inserts in a
    # savepoint and, on the unique week, waits for the other transaction and returns its row.
    run, created = SamplingRun.objects.get_or_create(
        week_start=week_start,
        defaults={
            "seed": seed or secrets.token_hex(16),
            "share_percent": bounds.share_percent,
            "minimum": bounds.minimum,
            "maximum": bounds.maximum,
            "first_replies": settings.QUALITY_FIRST_REPLIES,
            "created_at": now,
            "created_by": actor,
        },
    )
    if not created:
        return run
    week = Reply.objects.filter(status=Reply.Status.SENT, sent_at__gte=start, sent_at__lt=end)
    rules = rules_in_force()
    sent_before = _sent_before(week.values("author_id"), start)
    sent_this_week: dict[int, int] = defaultdict(int)
    outcome: dict[str, dict] = {}
    # Per active employee: their replies' ids, and each reply's flags and queue (only what a sample needs: the rows
    # themselves are not kept).
    candidates: dict[str, list[int]] = defaultdict(list)
    authors: dict[str, int] = {}
    found: dict[int, tuple[Flag, ...]] = {}
    queues: dict[int, int] = {}
    for row in reply_rows(week):
        sent_this_week[row.author_id] += 1
        if row.author_status != Employee.Status.ACTIVE:
            outcome.setdefault(row.number, {"replies": 0, "why": "not_active"})["replies"] += 1
            continue
        rank = sent_before.get(row.author_id, 0) + sent_this_week[row.author_id]
        candidates[row.number].append(row.pk)
        authors[row.number] = row.author_id
        queues[row.pk] = row.queue_id
        flagged = row_flags(row, rules, among_first_replies=rank <= run.first_replies)
        if flagged:
            found[row.pk] = flagged
    for number in Employee.objects.filter(
        status=Employee.Status.ACTIVE, groups__name__in=[role.value for role in ANSWERERS]
    ).values_list("employee_number", flat=True):
        if number not in candidates:
            outcome.setdefault(number, {"replies": 0, "why": "no_replies"})
    random_picks = draw(candidates, run.seed, Bounds(run.share_percent, run.minimum, run.maximum))
    samples = []
    for number, own in sorted(candidates.items()):
        drawn = set(random_picks[number])
        others = []
        for reply_id in own:
            flagged = found.get(reply_id, ())
            reason = Reason.RANDOM if reply_id in drawn else reason_for_flags(flagged)
            if reason is None:
                continue
            if reason != Reason.RANDOM:
                others.append(reply_id)
            samples.append(
                ReviewSample(
                    week_start=week_start,
                    employee_id=authors[number],
                    reply_id=reply_id,
                    queue_id=queues[reply_id],
                    reason=reason,
                    checks=[flag.value for flag in flagged],
                    run=run,
                    created_at=now,
                )
            )
        outcome[number] = {
            "replies": len(own),
            "share": len(drawn),
            "candidates": sorted(own),
            "random": sorted(drawn),
            "other": sorted(others),
            "why": "",
        }
    # A reply a supervisor added by hand before the run keeps that sample (and its reason).
    ReviewSample.objects.bulk_create(samples, ignore_conflicts=True)
    SamplingRun.objects.filter(pk=run.pk).update(outcome=outcome)
    run.outcome = outcome
    recorder.record(
        "quality.week.sampled",
        actor=actor,
        target=run,
        after={
            "week": week_start.isoformat(),
            "seed": run.seed,
            "share_percent": run.share_percent,
            "minimum": run.minimum,
            "maximum": run.maximum,
            "picks": {
                number: {"random": o.get("random", []), "other": o.get("other", [])} for number, o in outcome.items()
            },
            "not_sampled": {number: o["why"] for number, o in outcome.items() if o.get("why")},
        },
    )
    return run
