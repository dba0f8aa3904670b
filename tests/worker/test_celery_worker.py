"""A real Celery worker, consuming from the real Redis broker, sweeps the real PostgreSQL database.

Time is travelled, not slept: the questions are moved into the past (`wind_back`), the worker runs at the
real present.
"""

import os
import signal
from datetime import timedelta

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from audit.models import AuditEntry
from inbox import claims
from inbox.models import OverdueNotice, Question, WorkerRun
from inbox.tasks import flag_unanswered, release_expired_claims
from tests import database_roles
from tests.helpers import actions_since, last_entry_id, wind_back

from .processes import Worker, eventually

pytestmark = pytest.mark.django_db(transaction=True)

NORMAL_MINUTES = 120


@pytest.fixture(scope="module")
def worker(tmp_path_factory):
    process = Worker(tmp_path_factory.mktemp("worker"))
    yield process
    process.stop()


def last_success(job: str):
    return WorkerRun.objects.filter(job=job).values_list("last_success_at", flat=True).first()


def run_and_wait(worker: Worker, task, job: str) -> None:
    before = last_success(job)
    worker.run(task)
    eventually(lambda: last_success(job) not in (None, before), what=f"{job} run by the worker")


def test_the_worker_flags_overdue_questions_and_warns_supervisors_once(desk, ask_many, worker):
    late, very_late = ask_many(2), ask_many(2, text="My order is lost")
    on_time = ask_many(1, text="Order question")
    wind_back(late, NORMAL_MINUTES + 5)
    wind_back(very_late, 2 * NORMAL_MINUTES + 5)
    mark = last_entry_id()

    run_and_wait(worker, flag_unanswered, "flag-unanswered")

    overdue = dict(Question.objects.values_list("pk", "overdue"))
    assert [overdue[q.pk] for q in late + very_late + on_time] == [1, 1, 2, 2, 0]
    actions = actions_since(mark)
    assert actions.count("inbox.question.flagged_overdue") == 4
    assert actions.count("inbox.question.supervisors_warned") == 2
    assert OverdueNotice.objects.filter(mailed_at__isnull=False).count() == 2
    mails = worker.mails()
    assert len(mails) == 1 and "To: s100@example.com" in mails[0]
    assert all(f"#{q.pk} " in mails[0] for q in very_late) and not any(f"#{q.pk} " in mails[0] for q in late)

    run_and_wait(worker, flag_unanswered, "flag-unanswered")
    assert actions_since(mark) == actions
    assert worker.mails() == mails


def test_the_worker_releases_claims_whose_lease_ended(desk, ask_many, worker):
    stale, fresh = ask_many(2)
    # The stale claim was made a lease and a minute ago.
    claims.claim(stale, actor=desk.employee_a, now=timezone.now() - settings.CLAIM_LEASE - timedelta(minutes=1))
    claims.claim(fresh, actor=desk.employee_a)
    mark = last_entry_id()

    run_and_wait(worker, release_expired_claims, "release-expired-claims")

    holders = dict(Question.objects.values_list("pk", "holder_id"))
    assert holders == {stale.pk: None, fresh.pk: desk.employee_a.pk}
    assert actions_since(mark) == ["inbox.question.lock_expired"]


def _sweeps_waiting_on_the_audit_table() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND (query LIKE 'INSERT INTO \"audit_auditentry\"%%' OR query LIKE 'COPY audit_auditentry%%')"
        )
        return cursor.fetchone()[0]


def test_a_worker_killed_mid_sweep_leaves_nothing_half_done_and_the_rerun_completes(desk, ask_many, worker):
    questions = ask_many(5)
    wind_back(questions, 2 * NORMAL_MINUTES + 5)
    entries_before = AuditEntry.objects.count()

    with psycopg.connect(database_roles.owner_database_url()) as blocker:
        # Hold the audit table, so that the sweep stops after flagging the questions in its transaction,
        # before writing their entries: the middle of the task.
        blocker.execute("LOCK TABLE audit_auditentry IN SHARE MODE")
        worker.run(flag_unanswered)
        eventually(_sweeps_waiting_on_the_audit_table, what="the sweep reaching its audit entries")
        [pool_process] = worker.children()
        os.kill(pool_process, signal.SIGKILL)

        flagged = blocker.execute("SELECT count(*) FROM inbox_question WHERE overdue > 0").fetchone()[0]
        assert flagged == 0
        # The message goes back to the queue (acks_late, reject_on_worker_lost) and a new pool process
        # takes it; it waits for the dead sweep's locks, which go when its transaction is rolled back.
        eventually(lambda: worker.children() not in ([], [pool_process]), what="a new pool process")
        blocker.rollback()

    eventually(
        lambda: Question.objects.filter(overdue=Question.Overdue.SUPERVISORS_WARNED).count() == 5,
        what="the rerun flagging every question",
    )
    eventually(lambda: OverdueNotice.objects.filter(mailed_at__isnull=False).count() == 5, what="the warning mailed")
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True)[entries_before:])
    assert actions.count("inbox.question.flagged_overdue") == 5
    assert actions.count("inbox.question.supervisors_warned") == 5
    assert "WorkerLostError" in worker.output()
