"""PostgreSQL connections cut in the middle of a request: a clear error to the user, nothing half-written.

The desk runs in a live server thread with its own PostgreSQL connection. Another connection holds the audit
table, so that the request's transaction stops after its first writes, at its audit entry; the database then
terminates the request's own backend (pg_terminate_backend), as a restart or a failover would, and lets the
table go.
"""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import psycopg
import pytest
import requests
from django.conf import settings
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse

from accounts.models import Employee
from audit.models import AuditEntry
from inbox import claims
from inbox.models import Question, Reply
from replydesk.database_errors import DatabaseUnavailableMiddleware
from tests import database_roles
from tests.helpers import actions_since, last_entry_id
from tests.worker.processes import eventually

pytestmark = pytest.mark.django_db(transaction=True)

UNREACHABLE = "The database could not be reached"
NOTHING_SAVED = "Nothing was saved."


def _backend_waiting_on_the_audit_table() -> int | None:
    """The pid of the one backend blocked on inserting an audit entry, once it is there."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND wait_event_type = 'Lock' AND query LIKE %s",
            ['INSERT INTO "audit_auditentry"%'],
        )
        pids = [row[0] for row in cursor.fetchall()]
    return pids[0] if len(pids) == 1 else None


def _terminate(pid: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        assert cursor.fetchone()[0] is True


def cut_mid_request(send: Callable[[], requests.Response]) -> requests.Response:
    """Run `send` while the audit table is held, terminate its backend once it waits there, and return the answer."""
    # The blocker closes (letting the table go) before the pool waits for the request.
    with ThreadPoolExecutor(max_workers=1) as pool, psycopg.connect(database_roles.owner_database_url()) as blocker:
        blocker.execute("LOCK TABLE audit_auditentry IN SHARE MODE")
        answer = pool.submit(send)
        pid = eventually(_backend_waiting_on_the_audit_table, what="the request reaching its audit entry")
        _terminate(pid)
        blocker.rollback()
        return answer.result(timeout=60)


class Browser:
    """A signed-in person's browser on the live server: session cookie, CSRF cookie and header, no redirects."""

    def __init__(self, live_server, person: Employee):
        signing_in = Client()
        signing_in.force_login(person)
        self.base = live_server.url
        self.http = requests.Session()
        self.http.cookies.set(settings.SESSION_COOKIE_NAME, signing_in.cookies[settings.SESSION_COOKIE_NAME].value)

    def get(self, path: str) -> requests.Response:
        return self.http.get(self.base + path, allow_redirects=False, timeout=60)

    def post(self, path: str, data: dict) -> requests.Response:
        if "csrftoken" not in self.http.cookies:
            self.get(reverse("accounts:status"))
        token = self.http.cookies["csrftoken"]
        return self.http.post(
            self.base + path, data=data, headers={"X-CSRFToken": token}, allow_redirects=False, timeout=60
        )


@dataclass
class Action:
    """A state change through the desk's pages: who does it, the POST, and how to tell whether it happened."""

    person: str
    path: Callable[[object], str]
    data: Callable[[object], dict]
    done_at: Callable[[object], str]
    action: str
    happened: Callable[[object], bool]
    prepare: Callable[[object], None] = lambda desk: None


ACTIONS = {
    "claim": Action(
        person="employee_a",
        path=lambda desk: reverse("inbox:claim", args=[desk.question.pk]),
        data=lambda desk: {},
        done_at=lambda desk: reverse("inbox:question", args=[desk.question.pk]),
        action="inbox.question.claimed",
        happened=lambda desk: Question.objects.get(pk=desk.question.pk).holder_id is not None,
    ),
    "send a reply": Action(
        person="employee_a",
        prepare=lambda desk: claims.claim(desk.question, actor=desk.employee_a),
        path=lambda desk: reverse("inbox:send", args=[desk.question.pk]),
        data=lambda desk: {
            "body": "Your parcel left the warehouse today.",
            "token": str(Question.objects.get(pk=desk.question.pk).claim_token),
        },
        done_at=lambda desk: reverse("inbox:question", args=[desk.question.pk]),
        action="inbox.reply.queued",
        happened=lambda desk: (
            Question.objects.get(pk=desk.question.pk).status != Question.Status.OPEN
            or Reply.objects.filter(question=desk.question).exists()
        ),
    ),
    "approve a sign-up": Action(
        person="supervisor",
        path=lambda desk: reverse("accounts:approve", args=[desk.pending.pk]),
        data=lambda desk: {"approve-role": "employee", "approve-queues": [desk.queue_a.pk]},
        done_at=lambda desk: reverse("accounts:staff_detail", args=[desk.pending.pk]),
        action="accounts.employee.approved",
        happened=lambda desk: (
            Employee.objects.get(pk=desk.pending.pk).status != Employee.Status.PENDING
            or Employee.objects.get(pk=desk.pending.pk).role is not None
        ),
    ),
}


@pytest.fixture
def desk(people, routed_to_a, ask):
    people.question = ask("Where is my order?")
    return people


@pytest.mark.parametrize("name", list(ACTIONS))
def test_a_request_whose_database_connection_is_cut_mid_transaction_answers_a_clear_503_and_writes_nothing(
    live_server, desk, name
):
    act = ACTIONS[name]
    act.prepare(desk)
    browser = Browser(live_server, getattr(desk, act.person))
    path, data = act.path(desk), act.data(desk)
    browser.get(reverse("accounts:status"))  # the CSRF cookie, before the table is held
    mark = last_entry_id()

    cut = cut_mid_request(lambda: browser.post(path, data))

    assert cut.status_code == 503, cut.text[:500]
    assert cut.headers["Retry-After"].isdigit()
    assert UNREACHABLE in cut.text and NOTHING_SAVED in cut.text
    assert "Traceback" not in cut.text and "Server Error" not in cut.text
    assert not act.happened(desk)
    assert actions_since(mark) == []

    retried = browser.post(path, data)

    assert retried.status_code == 302, retried.text[:500]
    assert retried.headers["Location"] == act.done_at(desk)
    assert act.happened(desk)
    assert actions_since(mark) == [act.action]


def test_the_pages_work_again_once_the_cut_connection_is_replaced(live_server, desk):
    browser = Browser(live_server, desk.employee_a)
    claim = reverse("inbox:claim", args=[desk.question.pk])
    browser.get(reverse("accounts:status"))

    assert cut_mid_request(lambda: browser.post(claim, {})).status_code == 503

    # Several requests in a row: none of them may inherit the broken connection.
    for _ in range(3):
        page = browser.get(reverse("inbox:question", args=[desk.question.pk]))
        assert page.status_code == 200 and "Where is my order?" in page.text
    assert AuditEntry.objects.filter(action="inbox.question.claimed").count() == 0


def test_the_error_page_is_rendered_without_asking_the_database(rf, django_assert_num_queries):
    """base.html's context processors query the database; the page shown when it is gone must not."""
    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    request = rf.post("/inbox/questions/1/claim/")

    with django_assert_num_queries(0):
        page = middleware.process_exception(request, OperationalError("server closed the connection unexpectedly"))

    assert page.status_code == 503
    assert UNREACHABLE in page.content.decode() and NOTHING_SAVED in page.content.decode()


def test_errors_other_than_a_lost_database_are_left_to_django(rf):
    middleware = DatabaseUnavailableMiddleware(lambda request: None)

    assert middleware.process_exception(rf.get("/"), ValueError("a bug")) is None
