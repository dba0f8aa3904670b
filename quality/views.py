"""The pages of quality review: the reviewers' week, the one-screen review and its correction, an employee's own
reviews, the supervisors' weekly report, every review for the compliance officer, and the scorecard versions. Each
view is one access check, one service call (or selector) and one response."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import require_role

from . import reviews, selectors
from .access import (
    PUBLISHER_ROLES,
    READER_ROLES,
    REVIEWED_ROLES,
    REVIEWER_ROLES,
    access_own_review,
    access_review_to_correct,
    access_sample,
    access_sent_reply,
    may_publish,
    may_review,
    why_not_reviewer,
)
from .errors import QualityError
from .forms import QuestionLookupForm, ReviewForm, category_formset
from .sampling import Bounds
from .weeks import parse_week


def _week(request: HttpRequest):
    return parse_week(request.GET.get("week")) or selectors.default_week(timezone.now())


@require_role(*REVIEWER_ROLES)
@require_GET
def to_review(request: HttpRequest) -> HttpResponse:
    week = _week(request)
    lookup = QuestionLookupForm(request.GET) if "question" in request.GET else QuestionLookupForm()
    found = selectors.sent_replies_of_question(lookup.cleaned_data["question"]) if lookup.is_valid() else None
    run = selectors.run_of(week)
    return render(
        request,
        "quality/to_review.html",
        {
            "week": week,
            "weeks": selectors.weeks_to_choose(timezone.now()),
            "groups": selectors.samples_of_week(week),
            "run": run,
            "bounds": run or Bounds.from_settings(),
            "not_sampled": selectors.not_sampled(run),
            "lookup": lookup,
            "found": found,
        },
    )


def _review_page(request, sample, form, *, status=200, correcting=None) -> HttpResponse:
    reply = sample.reply if sample is not None else correcting.reply
    context = {
        "sample": sample,
        "form": form,
        "correcting": correcting,
        "shown": selectors.reply_in_context(reply, sample.checks if sample is not None else []),
        "refusal": why_not_reviewer(request.user, reply),
        "existing": None if correcting else selectors.existing_review(reply.pk),
        "scorecard": reviews.scorecard_in_force(),
    }
    return render(request, "quality/review.html", context, status=status)


@require_role(*REVIEWER_ROLES)
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, sample_id: int) -> HttpResponse:
    sample = access_sample(request.user, sample_id)
    scorecard = reviews.scorecard_in_force()
    form = ReviewForm(request.POST or None, scorecard=scorecard)
    if request.method != "POST" or not form.is_valid():
        return _review_page(request, sample, form, status=400 if request.method == "POST" else 200)
    try:
        reviews.submit_review(
            sample,
            actor=request.user,
            scorecard_version=form.cleaned_data["scorecard"],
            ratings=form.ratings(),
            comment=form.cleaned_data["comment"],
        )
    except QualityError as refused:
        messages.error(request, refused.message)
        return _review_page(request, sample, ReviewForm(request.POST, scorecard=scorecard), status=409)
    messages.success(request, _("Review saved. The employee sees it on their reviews page."))
    return redirect(f"{reverse('quality:to_review')}?week={sample.week_start.isoformat()}")


@require_role(*REVIEWER_ROLES)
@require_http_methods(["GET", "POST"])
def correct(request: HttpRequest, review_id: int) -> HttpResponse:
    old = access_review_to_correct(request.user, review_id)
    scorecard = reviews.scorecard_in_force()
    initial = {f"rating_{key}": ("na" if value is None else str(value)) for key, value in old.ratings.items()}
    form = ReviewForm(request.POST or None, scorecard=scorecard, initial=initial | {"comment": old.comment})
    if request.method != "POST" or not form.is_valid():
        return _review_page(request, old.sample, form, status=400 if request.method == "POST" else 200, correcting=old)
    try:
        reviews.correct_review(
            old,
            actor=request.user,
            scorecard_version=form.cleaned_data["scorecard"],
            ratings=form.ratings(),
            comment=form.cleaned_data["comment"],
        )
    except QualityError as refused:
        messages.error(request, refused.message)
        return _review_page(request, old.sample, form, status=409, correcting=old)
    messages.success(request, _("Correction saved. It replaces the earlier review, which is kept."))
    return redirect(f"{reverse('quality:to_review')}?week={old.week_start.isoformat()}")


@require_role(*REVIEWER_ROLES)
@require_POST
def add_sample(request: HttpRequest, reply_id: int) -> HttpResponse:
    reply = access_sent_reply(request.user, reply_id)
    try:
        sample = reviews.add_sample_by_hand(reply, actor=request.user)
    except QualityError as refused:
        messages.error(request, refused.message)
        return redirect(f"{reverse('quality:to_review')}?question={reply.question_id}")
    messages.success(request, _("Added to the review sample of its week."))
    return redirect("quality:review", sample.pk)


@require_role(*REVIEWED_ROLES)
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "quality/mine.html",
        {"reviews": selectors.reviews_of(request.user), "unseen": selectors.unseen_count(request.user)},
    )


@require_role(*REVIEWED_ROLES)
@require_POST
def mark_seen(request: HttpRequest, review_id: int) -> HttpResponse:
    review = access_own_review(request.user, review_id)
    reviews.mark_seen(review, actor=request.user)
    return redirect("quality:mine")


@require_role(*READER_ROLES)
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    week = _week(request)
    return render(
        request,
        "quality/report.html",
        {
            "report": selectors.report(week),
            "weeks": selectors.weeks_to_choose(timezone.now()),
            "small_n": selectors.SMALL_N,
        },
    )


@require_role(*READER_ROLES)
@require_GET
def all_reviews(request: HttpRequest) -> HttpResponse:
    week = parse_week(request.GET.get("week"))
    number = request.GET.get("employee", "")[:32]
    return render(
        request,
        "quality/all_reviews.html",
        {
            "reviews": selectors.all_reviews(request.user, week_start=week, number=number),
            "week": week,
            "number": number,
            "weeks": selectors.weeks_to_choose(timezone.now()),
            "limit": selectors.LIST_LIMIT,
            "may_correct": may_review(request.user),
        },
    )


def _scorecards_page(request: HttpRequest, formset, *, status: int = 200) -> HttpResponse:
    return render(
        request,
        "quality/scorecards.html",
        {
            "current": reviews.scorecard_in_force(),
            "formset": formset,
            "versions": selectors.scorecard_versions(),
            "may_publish": may_publish(request.user),
        },
        status=status,
    )


@require_role(*READER_ROLES)
@require_GET
def scorecards(request: HttpRequest) -> HttpResponse:
    return _scorecards_page(request, category_formset(current=reviews.scorecard_in_force()))


@require_role(*PUBLISHER_ROLES)
@require_POST
def publish_scorecard(request: HttpRequest) -> HttpResponse:
    formset = category_formset(request.POST, current=reviews.scorecard_in_force())
    if not formset.is_valid():
        return _scorecards_page(request, formset, status=400)
    try:
        published = reviews.publish_scorecard(actor=request.user, categories=formset.categories())
    except QualityError as refused:
        messages.error(request, refused.message)
        return _scorecards_page(request, formset, status=409)
    messages.success(request, _("Version %(version)d published.") % {"version": published.version})
    return redirect("quality:scorecards")
