"""A verification started on the Integrity page runs on a real Celery worker, and one whose worker process is killed in
the middle is run again to the end when its message comes back (tasks are acknowledged late)."""

import os
import signal

import psycopg
import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from audit import sealer, tasks
from audit.models import AuditVerification
from audit.verification_runs import RunStatus, current_run
from tests import database_roles

from .processes import Worker, eventually

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker(anchor_file, tmp_path):
    # Started after the test's anchor file is set: the worker verifies against the anchors this test's sealer wrote.
    process = Worker(tmp_path)
    yield process
    process.stop()


def _notes_waiting_on_the_verification_table() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND query LIKE 'INSERT INTO \"audit_auditverification\"%%'"
        )
        return cursor.fetchone()[0]


def test_a_verification_started_on_the_page_survives_its_worker_being_killed_and_finishes(people, worker, monkeypatch):
    sealer.seal()
    requested: list[int] = []
    monkeypatch.setattr(tasks, "enqueue_verification", requested.append)
    officer = Client()
    officer.force_login(people.compliance)
    assert officer.post(reverse("audit:start_verification")).status_code == 302
    (request_id,) = requested

    with psycopg.connect(database_roles.owner_database_url()) as blocker:
        # Hold the verification table, so that the worker stops at its first progress note: the middle of the run.
        blocker.execute("LOCK TABLE audit_auditverification IN SHARE MODE")
        tasks.verify_audit_trail.apply_async((request_id,), queue=worker.queue)
        eventually(_notes_waiting_on_the_verification_table, what="the worker noting its start")
        [pool_process] = worker.children()
        os.kill(pool_process, signal.SIGKILL)
        eventually(lambda: worker.children() not in ([], [pool_process]), what="a new pool process")
        blocker.rollback()

    eventually(lambda: current_run().status == RunStatus.FINISHED, what="the rerun finishing the verification")
    outcomes = AuditVerification.objects.filter(kind=AuditVerification.Kind.FINISHED)
    assert [(outcome.run_id, outcome.problems) for outcome in outcomes] == [(request_id, [])]
    page = officer.get(reverse("audit:integrity")).content.decode()
    assert "Problems found" not in page and '<span class="badge active">OK</span>' in page
    assert "WorkerLostError" in worker.output()
