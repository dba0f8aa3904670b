"""The claim is one conditional UPDATE that states every rule (access, guidelines, hold limit, free or one's own),
plus its audit entry; a refused claim is explained afterwards, as specifically as when each rule was a query."""

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Role
from accounts.services import grant_queue
from audit.models import AuditEntry
from guidelines import services as guidelines
from inbox import claims
from inbox.errors import AlreadyClaimed, GuidelinesNotAccepted, HoldLimitReached, NotAllowedToAnswer, QuestionClosed
from inbox.models import Question
from tests import cast
from tests.embedded import run_on_embedded_sqlite
from tests.guidelines.conftest import publish
from tests.helpers import actions_since, last_entry_id

# Transaction control, not work: BEGIN/COMMIT and the test's own savepoints.
CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN", "COMMIT")


def statements(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(CONTROL)]


@pytest.fixture
def questions(people, routed_to_a, ask):
    """As the desk's pages hand them to the service: loaded with their customer (the entry's label names it)."""
    asked = [ask(f"Where is my order {n}?", customer=f"buyer{n}").pk for n in range(5)]
    return list(Question.objects.select_related("customer").filter(pk__in=asked).order_by("pk"))


def test_a_claim_is_the_lock_the_update_and_its_entry_and_a_release_three_statements(people, questions):
    assert people.employee_a.role == Role.EMPLOYEE  # read once per request, as the signed-in user's
    with CaptureQueriesContext(connection) as captured:
        claimed = claims.claim(questions[0], actor=people.employee_a)
    done = statements(captured)
    assert len(done) == 3, "\n".join(done)
    assert "pg_advisory_xact_lock" in done[0] and done[1].startswith("UPDATE") and "audit_auditentry" in done[2]
    with CaptureQueriesContext(connection) as captured:
        claims.release(claimed, actor=people.employee_a)
    # The UPDATE, its entry, and the look for a reply awaiting approval to withdraw with it.
    assert len(statements(captured)) == 3, statements(captured)


def test_next_question_is_the_lock_the_pick_the_update_and_its_entry(people, questions):
    """Each rule once: the guidelines are in the UPDATE, not asked before the pick as well. The employee's claims lock
    comes before the pick's row lock, in the order claim() takes them (else the two could deadlock)."""
    assert people.employee_a.role == Role.EMPLOYEE
    with CaptureQueriesContext(connection) as captured:
        picked = claims.next_question_for(people.employee_a)
    done = statements(captured)
    assert picked.pk == questions[0].pk and len(done) == 4, "\n".join(done)
    assert "pg_advisory_xact_lock" in done[0] and "FOR UPDATE" in done[1] and done[2].startswith("UPDATE")


def test_next_question_before_accepting_the_guidelines_says_so_whether_or_not_one_waits(people, questions):
    publish(people)
    with pytest.raises(GuidelinesNotAccepted):
        claims.next_question_for(people.employee_a)
    Question.objects.update(status=Question.Status.ANSWERED)
    with pytest.raises(GuidelinesNotAccepted):
        claims.next_question_for(people.employee_a)
    assert not Question.objects.filter(holder__isnull=False).exists()


def test_a_supervisor_claims_with_the_update_and_its_entry_alone(people, questions):
    grant_queue(people.supervisor, people.queue_a, actor=people.administrator)
    assert people.supervisor.role == Role.SUPERVISOR  # read once per request, as the signed-in user's
    with CaptureQueriesContext(connection) as captured:
        claims.claim(questions[0], actor=people.supervisor)
    assert len(statements(captured)) == 2, statements(captured)


def test_the_entry_of_a_claim_is_what_it_was(people, questions):
    now = timezone.now()
    claimed = claims.claim(questions[0], actor=people.employee_a, now=now)
    entry = AuditEntry.objects.filter(action="inbox.question.claimed").get()
    assert (entry.actor_id, entry.actor_number, entry.target_type, entry.target_id) == (
        people.employee_a.pk,
        "E100",
        "inbox.question",
        str(claimed.pk),
    )
    assert entry.target_label == str(Question.objects.get(pk=claimed.pk))
    assert entry.after == {"lease_ends": DjangoJSONEncoder().default(now + claims.settings.CLAIM_LEASE)}
    stored = Question.objects.get(pk=claimed.pk)
    assert (stored.holder_id, stored.claimed_at, stored.lease_ends, stored.claim_token) == (
        people.employee_a.pk,
        now,
        now + claims.settings.CLAIM_LEASE,
        claimed.claim_token,
    )


def test_access_is_read_from_the_row_not_from_the_callers_copy(people, questions):
    """A page loaded the question while it was in queue A; it was moved to B since: E100 may no longer claim it."""
    loaded = questions[0]
    Question.objects.filter(pk=loaded.pk).update(queue=people.queue_b)
    mark = last_entry_id()
    with pytest.raises(NotAllowedToAnswer):
        claims.claim(loaded, actor=people.employee_a)
    assert Question.objects.get(pk=loaded.pk).holder_id is None and actions_since(mark) == []
    assert claims.claim(loaded, actor=people.employee_b).holder == people.employee_b


def test_each_refusal_says_why_in_the_order_of_the_checks(people, questions, settings):
    """Not allowed beats guidelines, which beat the hold limit, which beats the question's own state."""
    other = cast.approved("E101", by=people.supervisor, role=Role.EMPLOYEE, queues=[people.queue_a])
    claims.claim(questions[4], actor=other)
    settings.CLAIM_HOLD_LIMIT = 1
    claims.claim(questions[0], actor=people.employee_a)
    version = publish(people)
    # E200 may not answer queue A, and has not accepted the guidelines either.
    with pytest.raises(NotAllowedToAnswer):
        claims.claim(questions[4], actor=people.employee_b)
    # E100 holds the one question allowed and has not accepted the new version: the guidelines come first.
    with pytest.raises(GuidelinesNotAccepted):
        claims.claim(questions[4], actor=people.employee_a)
    guidelines.acknowledge(people.employee_a, version.number)
    mark = last_entry_id()
    # Held by E101 and E100 at the limit: the limit is what E100 can act on.
    with pytest.raises(HoldLimitReached):
        claims.claim(questions[4], actor=people.employee_a)
    settings.CLAIM_HOLD_LIMIT = 3
    with pytest.raises(AlreadyClaimed) as refused:
        claims.claim(questions[4], actor=people.employee_a)
    assert refused.value.holder == other
    Question.objects.filter(pk=questions[3].pk).update(status=Question.Status.CLOSED)
    with pytest.raises(QuestionClosed):
        claims.claim(questions[3], actor=people.employee_a)
    assert actions_since(mark) == []


def test_the_statement_compiled_for_one_employee_serves_the_next_with_their_own_values(people, questions):
    """The UPDATE is compiled once per kind of claimant: the next employee's id, question and limit are theirs."""
    second = cast.approved("E101", by=people.supervisor, role=Role.EMPLOYEE, queues=[people.queue_a])
    first = claims.claim(questions[0], actor=people.employee_a)
    taken = claims.claim(questions[1], actor=second)
    assert Question.objects.get(pk=first.pk).holder_id == people.employee_a.pk
    assert Question.objects.get(pk=taken.pk).holder_id == second.pk
    with pytest.raises(AlreadyClaimed):
        claims.claim(questions[0], actor=second)
    with pytest.raises(NotAllowedToAnswer):
        claims.claim(questions[2], actor=people.employee_b)


# --- the embedded desk: the same claim on SQLite ---------------------------------------------------------------------

SQLITE_PROBE = r"""
import json
from datetime import UTC, datetime
import django
django.setup()
from django.core.management import call_command
from django.db import connection
call_command("migrate", verbosity=0)
assert connection.vendor == "sqlite", connection.vendor

from accounts.models import Role
from audit.models import AuditEntry
from inbox import claims
from inbox.errors import InboxError
from inbox.models import Customer, Question
from tests import cast

queue_a, queue_b = cast.make_queue("Queue A"), cast.make_queue("Queue B")
admin = cast.administrator()
supervisor = cast.approved("S100", by=admin, role=Role.SUPERVISOR, queues=[queue_a])
employee = cast.approved("E100", by=supervisor, role=Role.EMPLOYEE, queues=[queue_a])
other = cast.approved("E200", by=supervisor, role=Role.EMPLOYEE, queues=[queue_b])
customer = Customer.objects.create(network_id="1", handle="kato")
now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
questions = [
    Question.objects.create(
        queue=queue_a, customer=customer, source_post_id=str(n), conversation_id=str(n), last_post_id=str(n),
        created_at=now, due_at=now, waiting_since=now, warn_at=now,
    )
    for n in range(5)
]

def outcome(question, actor):
    try:
        claims.claim(question, actor=actor, now=now)
    except InboxError as refused:
        return type(refused).__name__
    row = Question.objects.get(pk=question.pk)
    return [row.holder.employee_number, row.lease_ends.isoformat(), str(row.claim_token) == str(question.claim_token)]

results = {
    "claimed": outcome(questions[0], employee),
    "renewed": outcome(questions[0], employee),
    "taken": outcome(questions[0], supervisor),
    "not_allowed": outcome(questions[1], other),
    "second": outcome(questions[1], employee),
    "third": outcome(questions[2], employee),
    "over_the_limit": outcome(questions[3], employee),
    "supervisor": outcome(questions[3], supervisor),
}
claims.release(questions[1], actor=employee)
results["after_release"] = outcome(questions[4], employee)
results["entries"] = list(AuditEntry.objects.order_by("id").filter(action__startswith="inbox.question").values_list(
    "action", "actor_number", "target_id"))
print("RESULTS " + json.dumps(results))
"""


def test_the_embedded_desk_claims_the_same_on_sqlite(tmp_path):
    results = run_on_embedded_sqlite(SQLITE_PROBE, tmp_path)
    claimed = ["E100", "2026-12-07T12:10:00+00:00", True]
    assert results["claimed"] == claimed and results["renewed"] == claimed
    assert results["taken"] == "AlreadyClaimed"
    assert results["not_allowed"] == "NotAllowedToAnswer"
    assert results["second"] == results["third"] == claimed
    assert results["over_the_limit"] == "HoldLimitReached"
    assert results["supervisor"] == ["S100", "2026-12-07T12:10:00+00:00", True]
    assert results["after_release"] == claimed
    assert [action for action, _number, _id in results["entries"]] == [
        "inbox.question.claimed",
        "inbox.question.claimed",
        "inbox.question.claimed",
        "inbox.question.claimed",
        "inbox.question.claimed",
        "inbox.question.released",
        "inbox.question.claimed",
    ]
