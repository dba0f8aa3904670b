"""At 100,000 questions the sweep reads only what it flags: each of its queries walks an index, never the table."""

import pytest
from django.db import connection, transaction
from django.utils import timezone

from inbox import notices, overdue, selectors
from inbox.models import Customer, Question, Queue

ROWS = 100_000
DUE = 1_000


@pytest.fixture
def hundred_thousand_questions(people):
    customer = Customer.objects.create(network_id="1", handle="many")
    with connection.cursor() as cursor:
        # Generated in the database: 100,000 open questions, the first 1,000 past their service level.
        cursor.execute(
            """
            INSERT INTO inbox_question (queue_id, customer_id, status, priority, source_post_id, conversation_id,
                last_post_id, round, created_at, received_at, waiting_since, due_at, warn_at, overdue, asked_text,
                version, search_text)
            SELECT %(queue)s, %(customer)s, 'open', n %% 4, n::text, n::text, n::text, 1,
                now() - interval '1 hour', now(), now() - interval '1 hour',
                CASE WHEN n <= %(due)s THEN now() - interval '1 minute' ELSE now() + interval '1 day' END,
                CASE WHEN n <= %(due)s THEN now() - interval '1 minute' ELSE now() + interval '2 days' END,
                0, 'Where is my order?', 1, '@many where is my order?'
            FROM generate_series(1, %(rows)s) AS n
            """,
            {"queue": people.queue_a.pk, "customer": customer.pk, "due": DUE, "rows": ROWS},
        )
        cursor.execute("ANALYZE inbox_question")
    return people


def plan(queryset) -> str:
    with transaction.atomic():
        return queryset.explain()


def assert_walks_an_index(queryset, index: str) -> None:
    text = plan(queryset)
    assert "Seq Scan on inbox_question" not in text, text
    assert index in text, text


def test_flagging_reads_the_index_of_questions_not_flagged_yet(hundred_thousand_questions):
    now = timezone.now()
    assert_walks_an_index(
        Question.objects.to_flag(now)
        .select_for_update()
        .order_by("due_at")
        .values_list("pk", "due_at", "round")[:5000],
        "question_to_flag",
    )
    assert_walks_an_index(
        Question.objects.to_warn(now).select_for_update().order_by("warn_at").values_list("pk", "queue_id")[:5000],
        "question_to_warn",
    )


def test_the_sweep_flags_the_thousand_due_and_leaves_the_rest(hundred_thousand_questions):
    result = overdue.flag_unanswered()
    assert (result.flagged, result.warned) == (DUE, DUE)
    assert Question.objects.filter(overdue=Question.Overdue.SUPERVISORS_WARNED).count() == DUE
    assert overdue.flag_unanswered().flagged == 0


def test_the_banner_and_the_overdue_view_walk_indexes(hundred_thousand_questions):
    supervisor = hundred_thousand_questions.supervisor
    overdue.flag_unanswered()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE inbox_question")
    assert_walks_an_index(notices.warned_questions_for(supervisor), "question_warned")
    queue_ids = list(Queue.objects.values_list("pk", flat=True))
    text = plan(selectors.overdue_questions_query(queue_ids)[:200])
    assert "Seq Scan on inbox_question" not in text, text
