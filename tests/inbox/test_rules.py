"""The inbox's rules, "is it held" and "is it past due", say the same in SQL (QuestionQuerySet) and on a row
(Question.is_held, Question.is_past_due), and the sweep, the selectors and the pages all follow them."""

from datetime import timedelta

from inbox import claims, overdue, selectors
from inbox.models import Question

TICK = timedelta(microseconds=1)


def _in(queryset, question: Question) -> bool:
    return queryset.filter(pk=question.pk).exists()


def test_a_question_is_past_due_from_the_moment_its_service_level_runs_out(question_in_a):
    due = question_in_a.due_at
    for now, expected in [(due - TICK, False), (due, True), (due + TICK, True)]:
        assert question_in_a.is_past_due(now) is expected
        assert _in(Question.objects.past_due(now), question_in_a) is expected


def test_a_claim_is_held_until_the_last_moment_of_its_lease(people, question_in_a):
    held = claims.claim(question_in_a, actor=people.employee_a)
    end = held.lease_ends
    for now, expected in [(end - TICK, True), (end, True), (end + TICK, False)]:
        assert held.is_held(now) is expected
        assert _in(Question.objects.held(now), held) is expected
        # Free is exactly not held: no moment where a question is both, or neither.
        assert _in(Question.objects.free(now), held) is not expected
        assert _in(Question.objects.lease_ended(now), held) is not expected


def test_the_sweep_the_inbox_filter_the_desk_status_and_the_row_agree_at_the_due_moment(people, question_in_a):
    due = question_in_a.due_at
    queue_ids = [people.queue_a.pk]
    overdue_filter = selectors.InboxFilters(overdue=True)

    # A tick before the service level runs out, nothing calls the question overdue.
    assert selectors.questions_for_inbox(people.employee_a, queue_ids, overdue_filter, now=due - TICK).questions == []
    assert sum(s.overdue for s in selectors.desk_standing(due - TICK)) == 0
    assert overdue.flag_unanswered(now=due - TICK).flagged == 0

    # At that moment, everything does.
    page = selectors.questions_for_inbox(people.employee_a, queue_ids, overdue_filter, now=due)
    assert [q.pk for q in page.questions] == [question_in_a.pk]
    assert page.questions[0].past_due_now is True
    assert sum(s.overdue for s in selectors.desk_standing(due)) == 1
    assert overdue.flag_unanswered(now=due).flagged == 1
