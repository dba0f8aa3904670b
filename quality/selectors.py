"""What the quality pages read: the week's samples, a reviewer's form, an employee's reviews, every review (for
compliance), the weekly report and the scorecard versions. Nothing here reads an escalation's internal note."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Avg, Count, F, Max, Q, QuerySet
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import Employee
from inbox.models import Post, Reply

from .access import question_link_for
from .checks import Flag
from .models import Review, ReviewSample, SamplingRun, Scorecard
from .scoring import Category
from .weeks import WEEK, last_week, week_bounds

# Below this many reviews an average says little: the report shows it greyed, with why.
SMALL_N = 5
LIST_LIMIT = 200

FLAG_LABELS = {
    Flag.SIGNATURE_MISSING: pgettext_lazy("quality flag", "signature missing"),
    Flag.PERSONAL_DATA: pgettext_lazy("quality flag", "personal data in the reply"),
    Flag.SENT_LATE: pgettext_lazy("quality flag", "sent after its due time"),
    Flag.EDITED_BY_APPROVER: pgettext_lazy("quality flag", "edited by the approver"),
    Flag.NEGATIVE_FOLLOW_UP: pgettext_lazy("quality flag", "unhappy follow-up from the customer"),
    # %(number)s: the author's employee number.
    Flag.FIRST_REPLIES: pgettext_lazy("quality flag", "one of %(number)s's first replies"),
}
SCALE_LABELS = {
    "binary": {1: pgettext_lazy("rating", "Yes"), 0: pgettext_lazy("rating", "No")},
    "three": {
        2: pgettext_lazy("rating", "Met"),
        1: pgettext_lazy("rating", "Partly met"),
        0: pgettext_lazy("rating", "Not met"),
    },
}
NOT_APPLICABLE = pgettext_lazy("rating", "N/A")
WHY_NOT_SAMPLED = {
    "no_replies": _("no replies sent that week"),
    "not_active": _("suspended or no longer active"),
}


def flag_labels(codes, *, author: Employee) -> list[str]:
    """The automatic checks' flags as the reviewer reads them; `author` wrote the reply."""
    return [str(FLAG_LABELS.get(code, code)) % {"number": author.employee_number} for code in codes]


def rating_label(category: Category, value: int | None) -> str:
    if value is None:
        return str(NOT_APPLICABLE)
    return str(SCALE_LABELS[category.scale].get(value, value))


def language() -> str:
    return get_language() or "en"


def current_reviews() -> QuerySet[Review]:
    """Reviews not superseded by a correction: the ones that count."""
    return Review.objects.filter(superseded_by__isnull=True)


# --- the reviewers' list ------------------------------------------------------------------------------------------


def default_week(now: datetime) -> date:
    """The week the reviewers work on: the newest week with samples (the week just sampled, or a reply added by hand
    this week), or the last complete one."""
    newest = ReviewSample.objects.order_by("-week_start").values_list("week_start", flat=True).first()
    return newest or last_week(now)


def weeks_to_choose(now: datetime) -> list[date]:
    weeks = set(ReviewSample.objects.order_by("-week_start").values_list("week_start", flat=True).distinct()[:26])
    weeks.add(last_week(now))
    return sorted(weeks, reverse=True)[:26]


@dataclass
class EmployeeSamples:
    employee: Employee
    samples: list = field(default_factory=list)

    @property
    def open_count(self) -> int:
        return sum(1 for sample in self.samples if sample.review is None)


def samples_of_week(week_start: date) -> list[EmployeeSamples]:
    """The week's samples grouped by employee (by number), each with its current review, if any."""
    samples = list(
        ReviewSample.objects.filter(week_start=week_start)
        .select_related("employee", "queue", "reply__question", "added_by")
        .order_by("employee__employee_number", "reply__sent_at", "pk")
    )
    reviews = {
        review.reply_id: review
        for review in current_reviews().filter(reply_id__in=[s.reply_id for s in samples]).select_related("reviewer")
    }
    groups: dict[int, EmployeeSamples] = {}
    for sample in samples:
        sample.review = reviews.get(sample.reply_id)
        sample.flag_labels = flag_labels(sample.checks, author=sample.employee)
        groups.setdefault(sample.employee_id, EmployeeSamples(sample.employee)).samples.append(sample)
    return list(groups.values())


def run_of(week_start: date) -> SamplingRun | None:
    return SamplingRun.objects.filter(week_start=week_start).first()


def not_sampled(run: SamplingRun | None) -> list[tuple[str, str]]:
    """Who the run picked nothing for, and why."""
    if run is None:
        return []
    return sorted(
        (number, str(WHY_NOT_SAMPLED.get(found.get("why"), found.get("why"))))
        for number, found in run.outcome.items()
        if found.get("why")
    )


def sent_replies_of_question(question_id: int) -> list[Reply]:
    """For adding a reply by hand: the question's replies that reached X, with whether each is sampled."""
    replies = list(
        Reply.objects.filter(question_id=question_id, status=Reply.Status.SENT)
        .select_related("author", "question")
        .order_by("sent_at")
    )
    sampled = set(ReviewSample.objects.filter(reply__in=replies).values_list("reply_id", flat=True))
    for reply in replies:
        reply.is_sampled = reply.pk in sampled
    return replies


def existing_review(reply_id: int) -> Review | None:
    return current_reviews().filter(reply_id=reply_id).first()


@dataclass(frozen=True)
class ReplyInContext:
    """What the review form shows of a reply: the customer's question and posts of that round, the reply as posted."""

    reply: Reply
    customer_posts: list[Post]
    flags: list[str]


def reply_in_context(reply: Reply, flags) -> ReplyInContext:
    posts = list(
        Post.objects.filter(
            question_id=reply.question_id, author=Post.Author.CUSTOMER, created_at__lte=reply.sent_at
        ).order_by("created_at", "pk")
    )
    return ReplyInContext(reply=reply, customer_posts=posts, flags=flag_labels(flags, author=reply.author))


# --- reviews as people read them ------------------------------------------------------------------------------------


def _annotated(reviews: list[Review], viewer: Employee) -> list[Review]:
    """Each review's rows (category, rating, critical), whether it counts, and where `viewer` opens its question."""
    lang = language()
    link = question_link_for(viewer)
    for review in reviews:
        review.question_url = link(review.reply.question)
        review.rows = [
            (category.label(lang), rating_label(category, review.ratings.get(category.key)), category.critical)
            for category in review.scorecard.category_list
        ]
        review.is_current = review.successor_id is None
    return reviews


def _with_successor(queryset: QuerySet[Review]) -> QuerySet[Review]:
    return queryset.select_related("scorecard", "reviewer", "employee", "queue", "reply__question").annotate(
        successor_id=Max("superseded_by__id")
    )


def reviews_of(employee: Employee) -> list[Review]:
    """Every review of `employee`'s replies, newest first; corrected ones marked."""
    reviews = _with_successor(Review.objects.filter(employee=employee)).order_by("-submitted_at", "-pk")
    return _annotated(list(reviews), employee)


def unseen_count(employee: Employee) -> int:
    return current_reviews().filter(employee=employee, seen_at__isnull=True).count()


def all_reviews(viewer: Employee, *, week_start: date | None = None, number: str = "") -> list[Review]:
    """Every review, newest first (the compliance officer's read-only list), filtered by week and employee."""
    reviews = Review.objects.all()
    if week_start is not None:
        reviews = reviews.filter(week_start=week_start)
    if number:
        reviews = reviews.filter(employee__employee_number=number.strip().upper())
    return _annotated(list(_with_successor(reviews).order_by("-submitted_at", "-pk")[:LIST_LIMIT]), viewer)


# --- the report -----------------------------------------------------------------------------------------------------


@dataclass
class ReportRow:
    name: str
    replies: int = 0
    reviewed: int = 0
    average: float | None = None
    critical_failed: int = 0

    @property
    def coverage(self) -> float | None:
        return round(self.reviewed / self.replies * 100, 1) if self.replies else None

    @property
    def small(self) -> bool:
        return self.reviewed < SMALL_N


@dataclass
class Report:
    week_start: date
    week_end: date
    by_employee: list[ReportRow]
    by_queue: list[ReportRow]
    total: ReportRow

    @property
    def total_rows(self) -> list[ReportRow]:
        return [self.total] if self.total.replies or self.total.reviewed else []


def _rows(replies, reviews, key: str) -> list[ReportRow]:
    rows: dict[str, ReportRow] = defaultdict(lambda: ReportRow(""))
    for entry in replies:
        rows[entry[key]].replies = entry["n"]
    for entry in reviews:
        row = rows[entry[key]]
        row.reviewed, row.critical_failed = entry["n"], entry["failed"]
        row.average = round(float(entry["average"]), 1) if entry["average"] is not None else None
    for name, row in rows.items():
        row.name = name
    return sorted(rows.values(), key=lambda row: row.name)


def report(week_start: date) -> Report:
    """Coverage (reviewed / sent) and the average score of the current reviews, per employee and per queue, for the
    replies sent in the week."""
    start, end = week_bounds(week_start)
    sent = Reply.objects.filter(status=Reply.Status.SENT, sent_at__gte=start, sent_at__lt=end).order_by()
    reviewed = current_reviews().filter(week_start=week_start).order_by()
    figures = {"n": Count("id"), "average": Avg("score"), "failed": Count("id", filter=Q(critical_failed=True))}
    by_employee = _rows(
        sent.values(who=F("author__employee_number")).annotate(n=Count("id")),
        reviewed.values(who=F("employee__employee_number")).annotate(**figures),
        "who",
    )
    by_queue = _rows(
        sent.values(where=F("question__queue__name")).annotate(n=Count("id")),
        reviewed.values(where=F("queue__name")).annotate(**figures),
        "where",
    )
    totals = reviewed.aggregate(**figures)
    total = ReportRow(
        str(_("All queues")),
        replies=sent.count(),
        reviewed=totals["n"],
        average=round(float(totals["average"]), 1) if totals["average"] is not None else None,
        critical_failed=totals["failed"],
    )
    return Report(week_start, week_start + WEEK, by_employee, by_queue, total)


# --- scorecards -----------------------------------------------------------------------------------------------------


def scorecard_versions() -> list[Scorecard]:
    versions = list(
        Scorecard.objects.select_related("published_by").annotate(uses=Count("reviews")).order_by("-version")
    )
    lang = language()
    for scorecard in versions:
        scorecard.rows = [
            (category, category.label(lang), category.description(lang)) for category in scorecard.category_list
        ]
    return versions
