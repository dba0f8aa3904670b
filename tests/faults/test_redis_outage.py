"""Issue: "Redis stopped and started during work: the web keeps serving and claiming; queued work completes after."

The shared Redis is left alone: a throwaway redis-server on a free port is the cache and the broker of a real web
(gunicorn) and a real Celery worker, both subprocesses on the test database with one queue of their own, both
pointing their real tweepy client at the fake X running in this process. An employee, signed in with a session
made here, uses the desk through HTTP while that Redis is killed (SIGKILL, nothing persisted); then it is started
again, empty, on the same port: the worker reconnects by itself, and a drain sent by this process (playing beat)
posts the reply that waited in the outbox. The web's own broker connection recovers too: a reply sent after the
outage is handed to the worker at once, without a drain.
"""

import re
import time
import uuid

import pytest
import requests
from django.conf import settings
from django.test import Client
from django.urls import reverse

from audit.models import AuditEntry
from inbox.models import Question, Reply
from inbox.tasks import drain_outbox
from tests.worker.processes import Redis, Web, Worker, eventually, fake_x_env

pytestmark = pytest.mark.django_db(transaction=True)

BODY = "Your parcel left the warehouse today."


@pytest.fixture
def redis_server(tmp_path):
    server = Redis(tmp_path)
    try:
        yield server.start()
    finally:
        server.kill()


@pytest.fixture
def desk_env(fake_x, redis_server) -> dict[str, str]:
    return {
        **fake_x_env(fake_x),
        "REDIS_URL": redis_server.url(),
        "CELERY_QUEUE": f"redis-outage-{uuid.uuid4().hex[:8]}",
        "X_REQUEST_TIMEOUT_SECONDS": "5",
    }


@pytest.fixture
def web(tmp_path, desk_env):
    process = Web(tmp_path, env=desk_env)
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def worker(tmp_path, desk_env):
    process = Worker(tmp_path, queue=desk_env["CELERY_QUEUE"], env=desk_env)
    try:
        yield process
    finally:
        process.stop()


class Browser:
    """A signed-in employee's browser on the web subprocess: its session cookie and CSRF token, no redirects."""

    def __init__(self, web: Web, person):
        signing_in = Client()
        signing_in.force_login(person)  # a session row in the database, which the web reads
        self.base = web.url
        self.http = requests.Session()
        self.http.cookies.set(settings.SESSION_COOKIE_NAME, signing_in.cookies[settings.SESSION_COOKIE_NAME].value)

    def get(self, path: str) -> requests.Response:
        return self.http.get(self.base + path, allow_redirects=False, timeout=60)

    def post(self, path: str, data: dict) -> requests.Response:
        token = self.http.cookies["csrftoken"]  # set by the page that showed the form
        data = {**data, "csrfmiddlewaretoken": token}
        return self.http.post(
            self.base + path, data=data, headers={"X-CSRFToken": token}, allow_redirects=False, timeout=60
        )


def claim_token_on(page: str) -> str:
    found = re.search(r'name="token" value="([0-9a-f-]{36})"', page)
    assert found, "the compose form shows no claim token"
    return found.group(1)


def claim_and_answer(browser: Browser, question: Question, body: str) -> requests.Response:
    """Through the pages, as the employee does it: claim, open the compose form, send."""
    question_page = reverse("inbox:question", args=[question.pk])
    claimed = browser.post(reverse("inbox:claim", args=[question.pk]), {})
    assert (claimed.status_code, claimed.headers.get("Location")) == (302, question_page), claimed.text[-2000:]
    compose = browser.get(question_page)
    assert compose.status_code == 200
    answer = {"token": claim_token_on(compose.text), "body": body}
    return browser.post(reverse("inbox:send", args=[question.pk]), answer)


def test_the_desk_serves_claims_and_queues_a_reply_while_redis_is_down_and_posts_it_once_redis_is_back(
    people, routed_to_a, ask, fake_x, redis_server, web, worker
):
    question = ask("Where is my order?", customer="oda")
    later = ask("My order has not arrived.", customer="sato")
    browser = Browser(web, people.employee_a)
    question_page = reverse("inbox:question", args=[question.pk])
    assert browser.get(reverse("inbox:inbox")).status_code == 200

    redis_server.kill()

    # The web keeps serving: the inbox, the question, a claim…
    inbox = browser.get(reverse("inbox:inbox"))
    assert inbox.status_code == 200, web.output()[-3000:]
    assert question_page in inbox.text
    assert browser.get(question_page).status_code == 200
    started = time.monotonic()
    sent = claim_and_answer(browser, question, BODY)
    # …and the reply is accepted: the broker being down fails no one's request; the reply waits in the outbox.
    assert (sent.status_code, sent.headers.get("Location")) == (302, question_page), web.output()[-3000:]
    print(f"\nclaiming and sending a reply with Redis down took {time.monotonic() - started:.1f} s")
    reply = Reply.objects.get(question=question)
    assert reply.status == Reply.Status.QUEUED and reply.author_id == people.employee_a.pk
    actions = AuditEntry.objects.filter(target_type="inbox.question", target_id=str(question.pk))
    assert list(actions.order_by("id").values_list("action", flat=True)) == [
        "inbox.question.claimed",
        "inbox.reply.queued",
    ]
    assert "Could not enqueue reply" in web.output()
    assert browser.get(question_page).status_code == 200
    assert fake_x.replies_posted() == []
    assert worker.running

    # Signing in needs the rate limiter in Redis: it fails closed, with a page that says why, not a 500.
    stranger = requests.Session()
    login_page = stranger.get(web.url + "/accounts/login/", timeout=60)
    assert login_page.status_code == 200
    refused = stranger.post(
        web.url + "/accounts/login/",
        data={"login": "E200", "password": "whatever-it-is", "csrfmiddlewaretoken": stranger.cookies["csrftoken"]},
        headers={"Referer": web.url + "/accounts/login/"},
        allow_redirects=False,
        timeout=60,
    )
    assert refused.status_code == 503 and "Sign-in is unavailable for a moment" in refused.text

    # Redis comes back, empty, on the same port: the worker reconnects, and the next drain posts the reply.
    connected_before = worker.output().count("Connected to redis://")
    redis_server.start()
    eventually(
        lambda: worker.output().count("Connected to redis://") > connected_before,
        timeout=90,
        what="the worker reconnecting to Redis",
    )
    worker.run(drain_outbox)
    eventually(
        lambda: Reply.objects.get(pk=reply.pk).status == Reply.Status.SENT, timeout=60, what="the queued reply posted"
    )
    reply.refresh_from_db()
    posted = fake_x.replies_posted()
    assert [(p.id, p.in_reply_to_tweet_id, p.body) for p in posted] == [
        (reply.posted_id, reply.in_reply_to, reply.text)
    ]
    assert AuditEntry.objects.filter(action="inbox.reply.sent", target_id=str(question.pk)).count() == 1

    # The web publishes again: a reply sent now reaches the worker at once, with no drain.
    assert claim_and_answer(browser, later, "It arrives tomorrow.").status_code == 302
    after_outage = Reply.objects.get(question=later)
    eventually(
        lambda: Reply.objects.get(pk=after_outage.pk).status == Reply.Status.SENT,
        timeout=60,
        what="the reply sent after the outage posted",
    )
    assert len(fake_x.replies_posted()) == 2
    assert web.output().count("Could not enqueue reply") == 1
