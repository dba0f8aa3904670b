"""The quality pages, person by person: the reviewer's form and list, the employee's own reviews, the report and the
compliance officer's read-only view; and what no quality page ever shows (an escalation's internal note)."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from inbox.models import Department, Escalation
from quality import reviews, sampling
from quality.models import Review, ReviewSample, Scorecard
from tests.helpers import actions_since, last_entry_id, signed_in

from .conftest import week_after

RATINGS = {"rating_accuracy": "2", "rating_policy": "1", "rating_tone": "1", "rating_clarity": "na"}


@pytest.fixture
def sampled(desk):
    reply = desk.send(desk.employee_a, "明日お届けします。")
    desk.follow_up(reply, "遅いです。最悪")
    week, later = week_after(reply)
    sampling.sample_week(week, now=later)
    desk.reply = reply
    return ReviewSample.objects.get(reply=reply)


def _post_review(client, sample, **changes):
    data = RATINGS | {"scorecard": "1", "comment": "Say when it arrives."} | changes
    return client.post(reverse("quality:review", args=[sample.pk]), data)


def test_the_review_form_shows_the_reply_the_question_and_the_flags(desk, sampled):
    page = signed_in(desk.supervisor).get(reverse("quality:review", args=[sampled.pk])).content.decode()
    assert "明日お届けします。\n^E100" in page
    assert "Where is my order" in page
    assert "unhappy follow-up from the customer" in page
    assert 'name="rating_accuracy"' in page and 'value="na"' in page
    # N/A is offered only for the categories that are not critical.
    assert page.count('value="na"') == 2


def test_a_supervisor_reviews_from_the_form_and_sees_it_in_the_weeks_list(desk, sampled):
    client = signed_in(desk.supervisor)
    response = _post_review(client, sampled)
    assert response.status_code == 302
    done = Review.objects.get()
    assert (done.score, done.comment, done.ratings["clarity"]) == (Decimal("91.2"), "Say when it arrives.", None)
    listing = client.get(response["Location"]).content.decode()
    assert "Review saved." in listing and "91.2" in listing


def test_the_form_refuses_a_reviewer_who_approved_or_wrote_the_reply(desk):
    approved = desk.send_approved(desk.employee_a, "返金の手続きをご案内します。", approver=desk.supervisor)
    sample = reviews.add_sample_by_hand(approved, actor=desk.administrator)
    client = signed_in(desk.supervisor)
    page = client.get(reverse("quality:review", args=[sample.pk])).content.decode()
    assert "You approved this reply" in page and 'name="rating_accuracy"' not in page
    mark = last_entry_id()
    response = _post_review(client, sample)
    assert response.status_code == 409 and "You approved this reply" in response.content.decode()
    assert actions_since(mark) == [] and not Review.objects.exists()


def test_the_employee_sees_their_reviews_and_marks_them_seen(desk, sampled):
    _post_review(signed_in(desk.supervisor), sampled)
    review = Review.objects.get()
    client = signed_in(desk.employee_a)
    page = client.get(reverse("quality:mine")).content.decode()
    assert "1 review not seen yet" in page and "Say when it arrives." in page and "91.2" in page

    assert client.post(reverse("quality:mark_seen", args=[review.pk])).status_code == 302
    page = client.get(reverse("quality:mine")).content.decode()
    assert "All reviews seen" in page and "reviews not seen yet" not in page and "Seen " in page


def test_an_employee_never_sees_anothers_reviews(desk, sampled):
    _post_review(signed_in(desk.supervisor), sampled)
    review = Review.objects.get()
    client = signed_in(desk.employee_b)
    page = client.get(reverse("quality:mine")).content.decode()
    assert "Say when it arrives." not in page and "None of your replies has been reviewed yet." in page
    assert client.post(reverse("quality:mark_seen", args=[review.pk])).status_code == 404
    assert client.get(reverse("quality:all_reviews")).status_code == 403
    assert client.get(reverse("quality:report")).status_code == 403
    assert Review.objects.get().seen_at is None


def test_the_compliance_officer_reads_every_review_and_changes_nothing(desk, sampled):
    _post_review(signed_in(desk.supervisor), sampled)
    review = Review.objects.get()
    client = signed_in(desk.compliance)
    page = client.get(reverse("quality:all_reviews")).content.decode()
    assert "Say when it arrives." in page and "Correct this review" not in page and 'action="/quality/' not in page
    scorecards = client.get(reverse("quality:scorecards")).content.decode()
    assert "Publish a new version" not in scorecards
    mark = last_entry_id()
    assert client.get(reverse("quality:correct", args=[review.pk])).status_code == 403
    assert client.post(reverse("quality:publish_scorecard"), {}).status_code == 403
    assert client.post(reverse("quality:mark_seen", args=[review.pk])).status_code == 403
    assert actions_since(mark) == []


def test_the_report_shows_coverage_and_averages_with_n_and_greys_small_n(desk, sampled):
    desk.send(desk.employee_a)  # a second reply of the week, not reviewed
    _post_review(signed_in(desk.supervisor), sampled)
    page = signed_in(desk.supervisor).get(f"{reverse('quality:report')}?week={sampled.week_start}").content.decode()
    assert "By employee" in page and "By queue" in page
    row = page[page.index('<th scope="row" data-label="Employee">E100</th>') - 40 :]
    assert 'class="small-n"' in row[:60]
    assert '"Replies">2</td>' in row and '"Reviewed (n)">1</td>' in row and '"Coverage">50 %' in row
    assert "91.2" in row and "(n &lt; 5)" in row


def test_a_supervisor_publishes_a_scorecard_version_from_the_page(desk):
    client = signed_in(desk.supervisor)
    form = client.get(reverse("quality:scorecards")).content.decode()
    assert "正確さ" in form and "Accuracy" in form
    data = {"category-TOTAL_FORMS": "2", "category-INITIAL_FORMS": "0", "category-MIN_NUM_FORMS": "0"}
    data |= {"category-MAX_NUM_FORMS": "10", "category-0-key": "accuracy", "category-0-label_ja": "正確さ"}
    data |= {"category-0-label_en": "Accuracy", "category-0-scale": "binary", "category-0-weight": "1"}
    data |= {"category-0-critical": "on", "category-1-scale": "three"}
    assert client.post(reverse("quality:publish_scorecard"), data).status_code == 302
    (published,) = Scorecard.objects.all()
    assert published.version == 1 and published.categories == [
        {
            "key": "accuracy",
            "label_ja": "正確さ",
            "label_en": "Accuracy",
            "description_ja": "",
            "description_en": "",
            "scale": "binary",
            "weight": 1,
            "critical": True,
        }
    ]


def test_an_escalations_internal_note_never_reaches_a_quality_page(desk, sampled):
    department = Department.objects.create(code="legal", name_ja="法務", name_en="Legal")
    Escalation.objects.create(
        question=desk.reply.question,
        round=1,
        department=department,
        escalated_by=desk.employee_a,
        reason=Escalation.Reason.OTHER,
        internal_note="SECRET-NOTE-4711",
        created_at=timezone.now(),
        status=Escalation.Status.RESOLVED,
        outcome=Escalation.Outcome.NO_ACTION,
    )
    _post_review(signed_in(desk.supervisor), sampled)
    review = Review.objects.get()
    pages = [
        (desk.supervisor, reverse("quality:review", args=[sampled.pk])),
        (desk.supervisor, reverse("quality:correct", args=[review.pk])),
        (
            desk.supervisor,
            reverse("quality:to_review") + f"?week={sampled.week_start}&question={desk.reply.question_id}",
        ),
        (desk.compliance, reverse("quality:all_reviews")),
        (desk.employee_a, reverse("quality:mine")),
    ]
    for person, url in pages:
        response = signed_in(person).get(url)
        assert response.status_code == 200, url
        assert "SECRET-NOTE-4711" not in response.content.decode(), url


def test_each_review_names_its_question_where_the_reader_may_open_it(desk, sampled):
    _post_review(signed_in(desk.supervisor), sampled)
    question = desk.reply.question
    inbox_link = f'<a href="{reverse("inbox:question", args=[question.pk])}">Question #{question.pk}</a>'
    timeline_link = f'<a href="{reverse("audit:question_timeline", args=[question.pk])}">Question #{question.pk}</a>'
    mine = signed_in(desk.employee_a).get(reverse("quality:mine")).content.decode()
    assert inbox_link in mine and question.asked_text in mine and "明日お届けします。" in mine
    for person, link in ((desk.supervisor, inbox_link), (desk.compliance, timeline_link)):
        page = signed_in(person).get(reverse("quality:all_reviews")).content.decode()
        assert link in page and question.asked_text in page
    # The compliance officer cannot open the inbox's page; the timeline the link names is theirs to read.
    assert signed_in(desk.compliance).get(reverse("audit:question_timeline", args=[question.pk])).status_code == 200


def test_an_employee_no_longer_in_the_queue_sees_the_question_number_unlinked(desk, sampled):
    from inbox.access import revoke_answering

    _post_review(signed_in(desk.supervisor), sampled)
    question = desk.reply.question
    revoke_answering(desk.employee_a, desk.queue_a)
    page = signed_in(desk.employee_a).get(reverse("quality:mine")).content.decode()
    assert f"Question #{question.pk}" in page and reverse("inbox:question", args=[question.pk]) not in page


def test_an_employee_sees_no_tabs_and_a_supervisor_sees_them(desk, sampled):
    employee = signed_in(desk.employee_a).get(reverse("quality:mine")).content.decode()
    assert 'class="tabs"' not in employee
    supervisor = signed_in(desk.supervisor).get(reverse("quality:mine")).content.decode()
    assert 'class="tabs"' in supervisor and "To review" in supervisor and 'aria-current="page">My reviews' in supervisor


def test_the_review_form_says_what_each_category_looks_for_and_names_the_new_author(desk, settings):
    settings.QUALITY_FIRST_REPLIES = 10
    reply = desk.send(desk.employee_a)
    week, later = week_after(reply)
    sampling.sample_week(week, now=later)
    sample = ReviewSample.objects.get(reply=reply)
    page = signed_in(desk.supervisor).get(reverse("quality:review", args=[sample.pk])).content.decode()
    assert "one of E100&#x27;s first replies" in page or "one of E100's first replies" in page
    assert "The facts, the answer and the links are right." in page


def test_the_critical_mark_and_the_small_n_note_are_one_translatable_string_each(desk, sampled):
    _post_review(signed_in(desk.supervisor), sampled)
    page = signed_in(desk.compliance).get(reverse("quality:all_reviews")).content.decode()
    assert "<dt>Accuracy (critical)</dt>" in page
    report = signed_in(desk.supervisor).get(f"{reverse('quality:report')}?week={sampled.week_start}").content.decode()
    assert "91.2 (n &lt; 5)" in report


def test_publishing_makes_the_key_from_the_english_name_and_keeps_existing_keys(desk):
    client = signed_in(desk.supervisor)
    form = client.get(reverse("quality:scorecards")).content.decode()
    assert 'type="hidden" name="category-0-key" value="accuracy"' in form
    assert "The facts, the answer and the links are right." in form  # the built-in description, offered
    assert "used by 0 reviews" in form or "None published yet" in form and "cannot change" not in form
    data = {"category-TOTAL_FORMS": "3", "category-INITIAL_FORMS": "0", "category-MIN_NUM_FORMS": "0"}
    data |= {"category-MAX_NUM_FORMS": "10"}
    data |= {"category-0-key": "accuracy", "category-0-label_ja": "正確さ", "category-0-label_en": "Correctness"}
    data |= {"category-0-scale": "three", "category-0-weight": "3", "category-0-critical": "on"}
    data |= {"category-0-description_en": "Right facts.", "category-0-description_ja": "事実が正しい。"}
    data |= {"category-1-label_ja": "共感", "category-1-label_en": "Empathy Shown", "category-1-scale": "binary"}
    data |= {"category-1-weight": "1", "category-2-key": "tone", "category-2-scale": "three"}  # emptied: dropped
    assert client.post(reverse("quality:publish_scorecard"), data).status_code == 302
    published = Scorecard.objects.get()
    assert [(c["key"], c["label_en"], c["description_en"]) for c in published.categories] == [
        ("accuracy", "Correctness", "Right facts."),
        ("empathy-shown", "Empathy Shown", ""),
    ]
    page = client.get(reverse("quality:scorecards")).content.decode()
    assert "used by 0 reviews" in page and "cannot change" not in page and "Right facts." in page
