"""A compliance officer starts a verification from the Integrity page: recorded, run by the worker (here its task,
called as the worker calls it), its progress and result shown by the page's poll; one at a time, and a run whose
worker died is shown as interrupted instead of running for ever."""

import re
from datetime import timedelta

import pytest
from celery.exceptions import Retry
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit import sealer, services, tasks, verification_runs
from audit.models import AuditSeal, AuditVerification
from audit.verification_runs import RunStatus, current_run
from replydesk.locks import SINGLE_FLIGHT_NAMESPACE, single_flight_key
from tests import database_roles
from tests.concurrency import at_once
from tests.helpers import actions_since, last_entry_id

INTEGRITY = reverse("audit:integrity")
CARD = reverse("audit:verification")
START = reverse("audit:start_verification")
POLL = 'hx-get="/audit/integrity/verification/" hx-trigger="every 2s"'


@pytest.fixture
def enqueued(monkeypatch) -> list[int]:
    """What the start hands to the worker (after commit), instead of a broker."""
    handed: list[int] = []
    monkeypatch.setattr(tasks, "enqueue_verification", handed.append)
    return handed


@pytest.fixture
def officer(people) -> Client:
    client = Client()
    client.force_login(people.compliance)
    return client


def start(client: Client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(START)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def card(client: Client) -> str:
    response = client.get(CARD)
    assert response.status_code == 200
    return response.content.decode()


def test_starting_a_verification_is_recorded_and_handed_to_the_worker(
    people, officer, enqueued, django_capture_on_commit_callbacks
):
    mark = last_entry_id()
    response = start(officer, django_capture_on_commit_callbacks)

    assert response.status_code == 302 and response["Location"] == INTEGRITY
    assert messages_of(response) == ["Verification started. The worker checks the trail now; this page shows how far."]
    request = AuditVerification.objects.get(kind=AuditVerification.Kind.REQUESTED)
    assert request.requested_by == people.compliance
    assert enqueued == [request.pk]
    assert actions_since(mark) == ["audit.verification.started"]


def test_the_page_shows_a_run_waiting_for_the_worker_and_polls_for_it(
    people, officer, enqueued, django_capture_on_commit_callbacks
):
    start(officer, django_capture_on_commit_callbacks)
    page = officer.get(INTEGRITY).content.decode()

    assert "Waiting for the worker" in page and "Started by C100" in page
    assert POLL in page
    assert START not in page


def test_a_second_start_while_one_runs_is_refused_and_records_nothing(
    people, officer, enqueued, django_capture_on_commit_callbacks
):
    start(officer, django_capture_on_commit_callbacks)
    admin = Client()
    admin.force_login(people.administrator)
    mark = last_entry_id()

    response = start(admin, django_capture_on_commit_callbacks)

    assert response.status_code == 302 and response["Location"] == INTEGRITY
    assert messages_of(response) == ["A verification is already running: its progress is shown below."]
    assert AuditVerification.objects.filter(kind=AuditVerification.Kind.REQUESTED).count() == 1
    assert len(enqueued) == 1
    assert actions_since(mark) == []


def test_the_worker_runs_it_and_the_page_shows_the_result_and_stops_polling(
    people, officer, enqueued, django_capture_on_commit_callbacks
):
    sealer.seal()
    start(officer, django_capture_on_commit_callbacks)

    tasks.verify_audit_trail(enqueued[0])

    state = current_run()
    assert state.status == RunStatus.FINISHED
    assert state.latest.run_id == enqueued[0] and state.latest.ok
    shown = card(officer)
    assert "OK" in shown and 'Started by</dt><dd class="mono">C100' in shown
    assert "hx-trigger" not in shown
    assert START in shown


def test_the_page_shows_how_far_the_worker_has_got(
    people, officer, enqueued, django_capture_on_commit_callbacks, monkeypatch
):
    sealer.seal()
    start(officer, django_capture_on_commit_callbacks)
    monkeypatch.setattr(verification_runs, "NOTE_EVERY", timedelta(0))
    to_check = AuditSeal.objects.order_by("-seq").values_list("seq", flat=True).first()
    real = verification_runs.verify_chain
    seen: list[str] = []

    def halfway(*, progress, run, **kwargs):
        progress(to_check // 2)
        seen.append(card(officer))
        return real(run=run)

    monkeypatch.setattr(verification_runs, "verify_chain", halfway)
    tasks.verify_audit_trail(enqueued[0])

    (during,) = seen
    assert "Verifying" in during and POLL in during
    assert f"{to_check // 2} of {to_check} entries checked." in during
    assert re.search(rf'<progress max="{to_check}" value="{to_check // 2}">', during)
    assert current_run().status == RunStatus.FINISHED


def test_a_run_no_worker_picked_up_is_shown_as_interrupted_and_another_may_start(
    people, officer, enqueued, django_capture_on_commit_callbacks
):
    long_ago = timezone.now() - verification_runs.STALE_AFTER - timedelta(seconds=1)
    services.start_verification(actor=people.compliance, now=long_ago)

    page = officer.get(INTEGRITY).content.decode()
    assert "Interrupted" in page and "did not finish" in page
    assert POLL not in page

    start(officer, django_capture_on_commit_callbacks)
    assert AuditVerification.objects.filter(kind=AuditVerification.Kind.REQUESTED).count() == 2
    assert current_run().status == RunStatus.WAITING


def test_a_worker_killed_mid_run_leaves_a_run_that_turns_interrupted_and_a_late_message_does_not_revive_it(
    people, officer, enqueued, django_capture_on_commit_callbacks, monkeypatch
):
    start(officer, django_capture_on_commit_callbacks)

    def killed(**kwargs):
        raise KeyboardInterrupt  # what SIGKILL leaves behind: no outcome, no note that it stopped

    monkeypatch.setattr(verification_runs, "verify_chain", killed)
    with pytest.raises(KeyboardInterrupt):
        tasks.verify_audit_trail(enqueued[0])
    assert current_run().status == RunStatus.RUNNING

    later = timezone.now() + verification_runs.STALE_AFTER + timedelta(seconds=1)
    assert current_run(later).status == RunStatus.INTERRUPTED
    assert current_run(later).checked == 0


def test_the_message_of_a_killed_worker_coming_back_runs_the_verification_again_to_the_end(
    people, officer, enqueued, django_capture_on_commit_callbacks, monkeypatch
):
    start(officer, django_capture_on_commit_callbacks)
    real = verification_runs.verify_chain

    def killed(**kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(verification_runs, "verify_chain", killed)
    with pytest.raises(KeyboardInterrupt):
        tasks.verify_audit_trail(enqueued[0])
    monkeypatch.setattr(verification_runs, "verify_chain", real)
    tasks.verify_audit_trail(enqueued[0])

    assert current_run().status == RunStatus.FINISHED
    assert AuditVerification.objects.filter(kind=AuditVerification.Kind.FINISHED).count() == 1


def test_a_request_meeting_another_run_s_lock_is_asked_again_until_the_lock_is_free(
    people, officer, enqueued, django_capture_on_commit_callbacks
):
    # What a redelivered message meets when its killed worker's database session still holds the lock: doing
    # nothing would drop the officer's run; it is asked again shortly instead.
    start(officer, django_capture_on_commit_callbacks)
    lock = [SINGLE_FLIGHT_NAMESPACE, single_flight_key(verification_runs.FLIGHT)]
    with database_roles.runtime_session() as other_worker:
        other_worker.execute("SELECT pg_advisory_lock(%s, %s)", lock)
        assert verification_runs.run(enqueued[0]) == verification_runs.RunOutcome.BUSY
        with pytest.raises(Retry):
            tasks.verify_audit_trail(enqueued[0])
        assert current_run().status == RunStatus.WAITING
        # Freed by the session itself: closing the connection frees it too, but only once the server's backend has
        # ended, which may be after the next statement of this test (CI once saw the lock still held).
        other_worker.execute("SELECT pg_advisory_unlock(%s, %s)", lock)

    assert verification_runs.run(enqueued[0]) == verification_runs.RunOutcome.DONE
    assert current_run().status == RunStatus.FINISHED
    # Finished: a late copy of the message finds nothing to do, and is not asked again.
    assert verification_runs.run(enqueued[0]) == verification_runs.RunOutcome.SKIPPED


def test_a_failing_verification_is_noted_as_interrupted_at_once(
    people, officer, enqueued, django_capture_on_commit_callbacks, monkeypatch
):
    start(officer, django_capture_on_commit_callbacks)

    def failing(**kwargs):
        raise RuntimeError("anchor file unreadable")

    monkeypatch.setattr(verification_runs, "verify_chain", failing)
    with pytest.raises(RuntimeError):
        tasks.verify_audit_trail(enqueued[0])

    assert current_run().status == RunStatus.INTERRUPTED
    assert START in card(officer)


def test_a_superseded_or_stale_request_is_not_run_late(people, enqueued):
    long_ago = timezone.now() - verification_runs.STALE_AFTER - timedelta(seconds=1)
    stale = services.start_verification(actor=people.compliance, now=long_ago)

    assert verification_runs.run(stale.pk) == verification_runs.RunOutcome.SKIPPED

    assert not AuditVerification.objects.filter(run=stale).exists()
    assert current_run().status == RunStatus.INTERRUPTED


def test_the_command_s_verification_is_the_last_one_and_names_no_officer(people, officer):
    verification_runs.verify_chain()
    shown = card(officer)
    assert "OK" in shown and "verify_audit" in shown
    assert current_run() is None


@pytest.mark.django_db(transaction=True)
def test_two_officers_starting_at_the_same_moment_start_one_verification(people, enqueued):
    mark = last_entry_id()

    def starting(person) -> str:
        try:
            services.start_verification(actor=person)
        except services.VerificationAlreadyRunning:
            return "refused"
        return "started"

    outcomes = at_once([people.compliance, people.administrator] * 2, starting)

    assert sorted(outcomes) == ["refused", "refused", "refused", "started"]
    assert AuditVerification.objects.filter(kind=AuditVerification.Kind.REQUESTED).count() == 1
    assert actions_since(mark) == ["audit.verification.started"]


@pytest.mark.parametrize("persona", ["employee_a", "supervisor"])
def test_only_trail_readers_reach_the_verification(people, persona, enqueued):
    client = Client()
    client.force_login(getattr(people, persona))
    assert client.get(CARD).status_code == 403
    assert client.post(START).status_code == 403
    assert not AuditVerification.objects.exists()


def test_a_verification_is_started_only_by_a_post(officer, enqueued):
    assert officer.get(START).status_code == 405
    assert not AuditVerification.objects.exists()
