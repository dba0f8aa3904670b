"""Every URL the project has, for every kind of person, with the outcome each should get."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from inbox.approval_rules import text_hash
from tests.listening.matrix import listening_objects
from tests.quality.matrix import REVIEW_FORM as QUALITY_REVIEW_FORM
from tests.quality.matrix import quality_objects
from tests.reports.matrix import archived_week

LOGIN = "login"  # redirected to the sign-in page
STATUS = "status"  # redirected to the waiting-for-approval page
REFUSED = "refused"  # the page answers as shown, but the service refused: nothing is written
PERSONAS = [
    "anonymous",
    "pending",
    "rejected",
    "employee_a",
    "employee_b",
    "supervisor",
    "compliance",
    "administrator",
    "suspended",
]


def to(url_name: str, *args):
    return ("to", url_name, args)


def refused(outcome):
    """`outcome` (a redirect with an error message, a 409, a fragment saying why), and nothing written."""
    return (REFUSED, outcome)


def everyone(outcome, **overrides):
    return {persona: overrides.get(persona, outcome) for persona in PERSONAS}


def signed_in(outcome, **overrides):
    """The usual shape: strangers to sign-in, sign-ups to their status page, everyone else `outcome`."""
    base = {"anonymous": LOGIN, "suspended": LOGIN, "pending": STATUS, "rejected": STATUS}
    return {persona: overrides.get(persona, base.get(persona, outcome)) for persona in PERSONAS}


MANAGERS_ONLY = dict(employee_a=403, employee_b=403, compliance=403)
# The approval pages: supervisors and administrators (who approve where named, and as fallback approvers).
APPROVERS_ONLY = dict(employee_a=403, employee_b=403, compliance=403)
# E100's reply waiting for approval (the `people` fixture below), and the hash of its text an approver was shown.
WAITING_REPLY = "返金の手続きをご案内します。"
SEEN = text_hash(f"{WAITING_REPLY}\n^E100")
ANSWERERS_ONLY = dict(compliance=403, administrator=403)
REVIEWERS_ONLY = dict(employee_a=403, employee_b=403, compliance=403)
QUALITY_READERS = dict(employee_a=403, employee_b=403)
READERS_ONLY = dict(employee_a=403, employee_b=403, supervisor=403)
LISTENING_MANAGERS = dict(employee_a=403, employee_b=403, supervisor=403, compliance=403)
# The admin sends everyone else to its own sign-in page, which refuses signed-in people (403) and sends
# strangers to allauth's (the admin:login row).
ADMINS_ONLY = {
    p: to("admin:login") for p in ["employee_a", "employee_b", "supervisor", "compliance", "anonymous", "suspended"]
}

# (url name, method, arguments from the cast, POST data, outcome per persona)
MATRIX = [
    (
        "home",
        "get",
        lambda p: [],
        None,
        signed_in(
            None,
            employee_a=to("inbox:inbox"),
            employee_b=to("inbox:inbox"),
            supervisor=to("accounts:staff_list"),
            compliance=to("audit:trail"),
            administrator=to("accounts:staff_list"),
        ),
    ),
    ("healthz", "get", lambda p: [], None, everyone(200)),
    ("set_language", "post", lambda p: [], {"language": "ja", "next": "/"}, everyone(to("home"))),
    ("accounts:status", "get", lambda p: [], None, signed_in(200, pending=200, rejected=200)),
    ("accounts:staff_list", "get", lambda p: [], None, signed_in(200, **MANAGERS_ONLY)),
    ("accounts:staff_detail", "get", lambda p: [p.employee_a.pk], None, signed_in(200, **MANAGERS_ONLY)),
    ("accounts:approve", "get", lambda p: [p.pending.pk], None, signed_in(405, **MANAGERS_ONLY)),
    (
        "accounts:approve",
        "post",
        lambda p: [p.pending.pk],
        {"approve-role": "employee"},
        signed_in(to("accounts:staff_detail", "pending"), **MANAGERS_ONLY),
    ),
    (
        "accounts:reject",
        "post",
        lambda p: [p.pending.pk],
        {"reason": "Not on staff"},
        signed_in(to("accounts:staff_detail", "pending"), **MANAGERS_ONLY),
    ),
    (
        "accounts:suspend",
        "post",
        lambda p: [p.employee_a.pk],
        {"reason": "Left"},
        signed_in(to("accounts:staff_detail", "employee_a"), **MANAGERS_ONLY),
    ),
    (
        "accounts:reactivate",
        "post",
        lambda p: [p.suspended.pk],
        {},
        signed_in(to("accounts:staff_detail", "suspended"), **MANAGERS_ONLY),
    ),
    (
        "accounts:change_role",
        "post",
        lambda p: [p.employee_a.pk],
        {"role": "supervisor"},
        signed_in(to("accounts:staff_detail", "employee_a"), **MANAGERS_ONLY),
    ),
    (
        "accounts:set_queue_permission",
        "post",
        lambda p: [p.employee_b.pk, p.queue_a.pk],
        {"allowed": "1"},
        signed_in(to("accounts:staff_detail", "employee_b"), **MANAGERS_ONLY),
    ),
    ("accounts:staff_detail", "get", lambda p: [999999], None, signed_in(404, **MANAGERS_ONLY)),
    ("inbox:inbox", "get", lambda p: [], None, signed_in(200, **ANSWERERS_ONLY)),
    (
        "inbox:queue",
        "get",
        lambda p: [p.queue_a.pk],
        None,
        signed_in(to("inbox:inbox"), employee_b=404, supervisor=404, **ANSWERERS_ONLY),
    ),
    ("inbox:queue", "get", lambda p: [999999], None, signed_in(404, **ANSWERERS_ONLY)),
    (
        "inbox:next",
        "post",
        lambda p: [],
        {},
        signed_in(to("inbox:inbox"), employee_a=to("inbox:question", "question"), **ANSWERERS_ONLY),
    ),
    ("inbox:outbox", "get", lambda p: [], None, signed_in(403, supervisor=200)),
    ("inbox:overdue", "get", lambda p: [], None, signed_in(403, supervisor=200)),
    ("inbox:status", "get", lambda p: [], None, signed_in(200, **MANAGERS_ONLY)),
    # Supervisors see every question; employees only those of their queues, others get the 404 of a missing one.
    ("inbox:question", "get", lambda p: [p.question.pk], None, signed_in(200, employee_b=404, **ANSWERERS_ONLY)),
    ("inbox:question", "get", lambda p: [999999], None, signed_in(404, **ANSWERERS_ONLY)),
    # The compose page's similar past answers: the question page's rule.
    ("inbox:similar_answers", "get", lambda p: [p.question.pk], None, signed_in(200, employee_b=404, **ANSWERERS_ONLY)),
    # The page's live poll; opened as a page (no HX-Request), it goes to the question.
    (
        "inbox:changes",
        "get",
        lambda p: [p.question.pk],
        None,
        signed_in(to("inbox:question", "question"), employee_b=404, **ANSWERERS_ONLY),
    ),
    (
        "inbox:claim",
        "post",
        lambda p: [p.question.pk],
        {},
        signed_in(to("inbox:question", "question"), employee_b=404, **ANSWERERS_ONLY),
    ),
    (
        "inbox:renew",
        "post",
        lambda p: [p.question.pk],
        {"token": "00000000-0000-0000-0000-000000000000"},
        signed_in(200, employee_b=404, **ANSWERERS_ONLY),
    ),
    (
        "inbox:release",
        "post",
        lambda p: [p.question.pk],
        {},
        signed_in(to("inbox:question", "question"), employee_b=404, **ANSWERERS_ONLY),
    ),
    (
        "inbox:send",
        "post",
        lambda p: [p.question.pk],
        {"body": "Hello"},
        signed_in(to("inbox:question", "question"), employee_b=404, **ANSWERERS_ONLY),
    ),
    (
        "inbox:force_release",
        "post",
        lambda p: [p.question.pk],
        {"reason": "test"},
        signed_in(403, supervisor=to("inbox:question", "question")),
    ),
    (
        "inbox:reassign",
        "post",
        lambda p: [p.question.pk],
        {"employee": "", "reason": "test"},
        signed_in(403, supervisor=to("inbox:question", "question")),
    ),
    (
        "inbox:close",
        "post",
        lambda p: [p.question.pk],
        {"reason": "test"},
        signed_in(403, supervisor=to("inbox:question", "question")),
    ),
    ("audit:trail", "get", lambda p: [], None, signed_in(200, **READERS_ONLY)),
    ("audit:question_timeline", "get", lambda p: [p.question.pk], None, signed_in(200, **READERS_ONLY)),
    ("audit:employee_activity", "get", lambda p: [p.employee_a.employee_number], None, signed_in(200, **READERS_ONLY)),
    ("audit:export", "post", lambda p: ["csv"], {}, signed_in(200, **READERS_ONLY)),
    ("audit:export", "post", lambda p: ["jsonl"], {}, signed_in(200, **READERS_ONLY)),
    ("audit:integrity", "get", lambda p: [], None, signed_in(200, **READERS_ONLY)),
    ("audit:verification", "get", lambda p: [], None, signed_in(200, **READERS_ONLY)),
    ("audit:start_verification", "get", lambda p: [], None, signed_in(405, **READERS_ONLY)),
    ("audit:start_verification", "post", lambda p: [], {}, signed_in(to("audit:integrity"), **READERS_ONLY)),
    ("inbox:arrivals", "get", lambda p: [], None, signed_in(200, **ANSWERERS_ONLY)),
    ("inbox:shortcuts", "get", lambda p: [], None, signed_in(200, **ANSWERERS_ONLY)),
    ("inbox:notifications", "get", lambda p: [], None, signed_in(200, **ANSWERERS_ONLY)),
    ("inbox:notifications_seen", "get", lambda p: [], None, signed_in(405, **ANSWERERS_ONLY)),
    ("inbox:notifications_seen", "post", lambda p: [], {}, signed_in(to("inbox:notifications"), **ANSWERERS_ONLY)),
    ("inbox:badges", "get", lambda p: [], None, signed_in(200)),
    (
        "inbox:approval_check",
        "post",
        lambda p: [p.question.pk],
        {"body": "返金"},
        signed_in(200, employee_b=404, **ANSWERERS_ONLY),
    ),
    (
        "inbox:withdraw",
        "post",
        lambda p: [p.draft.question_id],
        {},
        signed_in(to("inbox:question", "draft_question"), employee_b=404, **ANSWERERS_ONLY),
    ),
    ("inbox:approvals", "get", lambda p: [], None, signed_in(200, **APPROVERS_ONLY)),
    ("inbox:approval_rules", "get", lambda p: [], None, signed_in(200, **APPROVERS_ONLY)),
    (
        "inbox:approval_rules",
        "post",
        lambda p: [],
        {"keywords": "返金", "personal_data": ["phone"], "allowed": "", "first_replies": "0"},
        signed_in(to("inbox:approval_rules"), **APPROVERS_ONLY),
    ),
    ("inbox:approval", "get", lambda p: [p.draft.pk], None, signed_in(200, **APPROVERS_ONLY)),
    ("inbox:approval", "get", lambda p: [999999], None, signed_in(404, **APPROVERS_ONLY)),
    # Queue A names no approver: its supervisors decide; the administrator only once it falls back to them.
    (
        "inbox:approve",
        "post",
        lambda p: [p.draft.pk],
        {"seen": SEEN},
        signed_in(403, supervisor=to("inbox:approvals"), administrator=refused(to("inbox:approval", "draft"))),
    ),
    (
        "inbox:reject",
        "post",
        lambda p: [p.draft.pk],
        {"seen": SEEN, "comment": "Not like this"},
        signed_in(403, supervisor=to("inbox:approvals"), administrator=refused(to("inbox:approval", "draft"))),
    ),
    (
        "inbox:approval_edit_check",
        "post",
        lambda p: [p.draft.pk],
        {"body": "返金"},
        signed_in(200, **APPROVERS_ONLY),
    ),
    (
        "accounts:set_approver_permission",
        "post",
        lambda p: [p.employee_b.pk, p.queue_a.pk],
        {"approves": "1"},
        signed_in(refused(to("accounts:staff_detail", "employee_b")), **MANAGERS_ONLY),
    ),
    # Escalation: the page for supervisors and department members (the cast's employees are members of none);
    # the department's actions for its members and every supervisor.
    ("inbox:escalations", "get", lambda p: [], None, signed_in(200, employee_a=403, employee_b=403, **ANSWERERS_ONLY)),
    (
        "inbox:escalate",
        "post",
        lambda p: [p.question.pk],
        {"department": "refunds", "reason": "complaint"},
        signed_in(
            to("inbox:question", "question"),
            employee_a=refused(to("inbox:question", "question")),
            employee_b=404,
            **ANSWERERS_ONLY,
        ),
    ),
    (
        "inbox:accept_escalation",
        "post",
        lambda p: [p.escalation.pk],
        {},
        signed_in(to("inbox:question", "escalated_question"), employee_a=404, employee_b=404, **ANSWERERS_ONLY),
    ),
    (
        "inbox:resolve_escalation",
        "post",
        lambda p: [p.escalation.pk],
        {"outcome": "no_action"},
        signed_in(to("inbox:question", "escalated_question"), employee_a=404, employee_b=404, **ANSWERERS_ONLY),
    ),
    (
        "inbox:return_escalation",
        "post",
        lambda p: [p.escalation.pk],
        {"note": "Not for us"},
        signed_in(to("inbox:question", "escalated_question"), employee_a=404, employee_b=404, **ANSWERERS_ONLY),
    ),
    (
        "accounts:set_department_membership",
        "post",
        lambda p: [p.employee_b.pk, p.department.pk],
        {"member": "1"},
        signed_in(to("accounts:staff_detail", "employee_b"), **MANAGERS_ONLY),
    ),
    ("admin:inbox_department_changelist", "get", lambda p: [], None, signed_in(200, **ADMINS_ONLY)),
    # Quality review: reviewers are supervisors and administrators; they, and compliance officers read-only, read
    # every review; people who answer read their own. The reply was reviewed already (by the administrator).
    ("quality:to_review", "get", lambda p: [], None, signed_in(200, **REVIEWERS_ONLY)),
    ("quality:review", "get", lambda p: [quality_objects(p).quality_sample.pk], None, signed_in(200, **REVIEWERS_ONLY)),
    (
        "quality:review",
        "post",
        lambda p: [quality_objects(p).quality_sample.pk],
        QUALITY_REVIEW_FORM,
        signed_in(403, supervisor=refused(409), administrator=refused(409)),
    ),
    (
        "quality:correct",
        "get",
        lambda p: [quality_objects(p).quality_review.pk],
        None,
        signed_in(200, **REVIEWERS_ONLY),
    ),
    (
        "quality:correct",
        "post",
        lambda p: [quality_objects(p).quality_review.pk],
        QUALITY_REVIEW_FORM,
        signed_in(to("quality:to_review"), **REVIEWERS_ONLY),
    ),
    (
        "quality:add_sample",
        "post",
        lambda p: [quality_objects(p).sent_reply.pk],
        {},
        signed_in(refused(to("quality:to_review")), **REVIEWERS_ONLY),
    ),
    ("quality:mine", "get", lambda p: [], None, signed_in(200, compliance=403, administrator=403)),
    (
        "quality:mark_seen",
        "post",
        lambda p: [quality_objects(p).quality_review.pk],
        {},
        signed_in(404, employee_a=to("quality:mine"), compliance=403, administrator=403),
    ),
    ("quality:report", "get", lambda p: [], None, signed_in(200, **QUALITY_READERS)),
    ("quality:all_reviews", "get", lambda p: [], None, signed_in(200, **QUALITY_READERS)),
    ("quality:scorecards", "get", lambda p: [], None, signed_in(200, **QUALITY_READERS)),
    ("quality:publish_scorecard", "post", lambda p: [], {}, signed_in(403, supervisor=400, administrator=400)),
    ("reports:today", "get", lambda p: [], None, signed_in(200, **QUALITY_READERS)),
    ("reports:period", "get", lambda p: [], None, signed_in(200, **QUALITY_READERS)),
    ("reports:period_csv", "get", lambda p: ["queues"], None, signed_in(200, **QUALITY_READERS)),
    ("reports:chart", "get", lambda p: ["0" * 64], None, signed_in(404, **QUALITY_READERS)),
    ("reports:weekly_list", "get", lambda p: [], None, signed_in(200, **QUALITY_READERS)),
    ("reports:weekly", "get", lambda p: [archived_week()], None, signed_in(200, **QUALITY_READERS)),
    # Listening: administrators manage streams; supervisors and administrators also note hits; they and compliance
    # officers (read-only) read the streams. The stream was polled once and found the cast's questions.
    ("listening:streams", "get", lambda p: [], None, signed_in(200, **QUALITY_READERS)),
    ("listening:new_stream", "get", lambda p: [], None, signed_in(200, **LISTENING_MANAGERS)),
    ("listening:new_stream", "post", lambda p: [], {}, signed_in(403, administrator=400)),
    (
        "listening:stream",
        "get",
        lambda p: [listening_objects(p).listening_stream.pk],
        None,
        signed_in(200, **QUALITY_READERS),
    ),
    (
        "listening:edit_stream",
        "get",
        lambda p: [listening_objects(p).listening_stream.pk],
        None,
        signed_in(200, **LISTENING_MANAGERS),
    ),
    (
        "listening:edit_stream",
        "post",
        lambda p: [listening_objects(p).listening_stream.pk],
        {},
        signed_in(403, administrator=400),
    ),
    (
        "listening:pause_stream",
        "post",
        lambda p: [listening_objects(p).listening_stream.pk],
        {},
        signed_in(403, administrator=to("listening:stream", "listening_stream")),
    ),
    (
        "listening:resume_stream",
        "post",
        lambda p: [listening_objects(p).listening_stream.pk],
        {},
        signed_in(403, administrator=refused(to("listening:stream", "listening_stream"))),
    ),
    (
        "listening:note_hit",
        "post",
        lambda p: [listening_objects(p).listening_hit.pk],
        {"note": "Share with the product team"},
        # To the stream's page, at the hit (…/listening/<id>/#hit-<id>).
        signed_in(403, supervisor=302, administrator=302),
    ),
    # The guidelines: everyone active reads and accepts them (nothing is published in this cast: there is nothing to
    # accept, and version 1 does not exist); administrators publish; supervisors, administrators and compliance
    # officers see and export who accepted which version (an export by POST only).
    ("guidelines:current", "get", lambda p: [], None, signed_in(200)),
    ("guidelines:acknowledge", "post", lambda p: [], {}, signed_in(refused(to("guidelines:current")))),
    ("guidelines:versions", "get", lambda p: [], None, signed_in(200)),
    ("guidelines:version", "get", lambda p: [1], None, signed_in(404)),
    ("guidelines:publish", "get", lambda p: [], None, signed_in(403, administrator=200)),
    ("guidelines:publish", "post", lambda p: [], {}, signed_in(403, administrator=400)),
    ("guidelines:acknowledgements", "get", lambda p: [], None, signed_in(200, employee_a=403, employee_b=403)),
    ("guidelines:export", "post", lambda p: [], {}, signed_in(200, employee_a=403, employee_b=403)),
    # The public check: anyone at all, signed in or not, whatever their account's state; its "how to recognise us"
    # block is changed by administrators only.
    ("verification:check", "get", lambda p: [], None, everyone(200)),
    ("verification:edit_guide", "get", lambda p: [], None, signed_in(403, administrator=200)),
    (
        "verification:edit_guide",
        "post",
        lambda p: [],
        {"based_on": "0", "never_ask_en": "We never ask for passwords."},
        signed_in(403, administrator=to("verification:check")),
    ),
    ("admin:index", "get", lambda p: [], None, signed_in(200, **ADMINS_ONLY)),
    ("admin:inbox_queue_changelist", "get", lambda p: [], None, signed_in(200, **ADMINS_ONLY)),
    ("admin:inbox_queue_add", "get", lambda p: [], None, signed_in(200, **ADMINS_ONLY)),
    ("admin:inbox_servicelevel_changelist", "get", lambda p: [], None, signed_in(200, **ADMINS_ONLY)),
    ("admin:inbox_servicelevel_add", "get", lambda p: [], None, signed_in(200, **ADMINS_ONLY)),
    ("admin:accounts_employee_changelist", "get", lambda p: [], None, signed_in(200, **ADMINS_ONLY)),
    (
        "admin:login",
        "get",
        lambda p: [],
        None,
        signed_in(403, anonymous=LOGIN, suspended=LOGIN, pending=STATUS, rejected=STATUS),
    ),
    ("account_login", "get", lambda p: [], None, signed_in(to("home"), anonymous=200, suspended=200)),
    ("account_signup", "get", lambda p: [], None, signed_in(to("home"), anonymous=200, suspended=200)),
    ("account_logout", "post", lambda p: [], {}, everyone(to("home"))),
    ("account_reset_password", "get", lambda p: [], None, signed_in(200, anonymous=200, suspended=200)),
    ("mfa_index", "get", lambda p: [], None, signed_in(200)),
]


def _persona_user(people, persona):
    return None if persona == "anonymous" else getattr(people, persona)


def _check(response, expected, people):
    if isinstance(expected, tuple) and expected[0] == REFUSED:
        _check(response, expected[1], people)
    elif expected == LOGIN:
        assert response.status_code == 302 and response["Location"].startswith(reverse("account_login")), response
    elif expected == STATUS:
        assert response.status_code == 302 and response["Location"] == reverse("accounts:status"), response
    elif isinstance(expected, tuple):
        _to, name, arg_names = expected
        args = [getattr(people, a).pk for a in arg_names]
        assert response.status_code == 302, response
        assert response["Location"].split("?")[0] == reverse(name, args=args)
    else:
        assert response.status_code == expected, response


CASES = [
    pytest.param(row, persona, id=f"{row[0]}-{row[1]}-{i}-{persona}")
    for i, row in enumerate(MATRIX)
    for persona in PERSONAS
]


@pytest.fixture
def people(people, ask):
    """The cast, plus a question asked in queue A."""
    from inbox import claims, escalations, services
    from inbox.configuration import save_setting
    from inbox.models import Department, RoutingRule

    save_setting(RoutingRule(name="to A", keywords="order", queue=people.queue_a), actor=None)
    people.question = ask("Where is my order?")
    people.draft_question = claims.claim(
        ask("Can I get a refund for my order?", customer="sato"), actor=people.employee_a
    )
    people.draft = services.send_reply(
        people.draft_question,
        actor=people.employee_a,
        token=str(people.draft_question.claim_token),
        body=WAITING_REPLY,
    )
    people.department = save_setting(
        Department(code="refunds", name_ja="返金チーム", name_en="Refunds team"), actor=people.administrator
    )
    people.escalated_question = ask("My order is broken", customer="kato")
    people.escalation = escalations.escalate(
        people.escalated_question, actor=people.supervisor, department=people.department, reason="complaint"
    )
    return people


@pytest.mark.parametrize(("row", "persona"), CASES)
def test_access(client, people, row, persona):
    name, method, args_of, data, outcomes = row
    user = _persona_user(people, persona)
    if persona == "suspended":
        # A suspended person's old session must be dead: sign them in first, as before the suspension.
        client.force_login(people.suspended, backend="django.contrib.auth.backends.ModelBackend")
    elif user is not None:
        client.force_login(user)
    url = reverse(name, args=args_of(people))
    response = client.post(url, data or {}) if method == "post" else client.get(url)
    _check(response, outcomes[persona], people)


def _named_urls(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _named_urls(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


def test_matrix_covers_every_url_of_the_project():
    """A new page without a row here fails this test; allauth's and the admin's own pages are sampled above,
    and the admin as a whole is administrators-only through its single permission check."""
    namespaces = {"accounts", "inbox", "audit", "quality", "listening", "reports", "guidelines", "verification"}
    ours = {n for n in _named_urls() if n.split(":")[0] in namespaces or n in {"home", "healthz"}}
    covered = {row[0] for row in MATRIX}
    assert ours - covered == set()


def test_pages_refuse_unsafe_methods_without_csrf_token(people):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(people.supervisor)
    response = client.post(reverse("accounts:approve", args=[people.pending.pk]), {"approve-role": "employee"})
    assert response.status_code == 403
    people.pending.refresh_from_db()
    assert people.pending.status == "pending"


# --- other people's objects ---------------------------------------------------------------------------------
# Changing an id in a URL never reaches a question, reply or person the user may not see: a question outside the
# person's queues answers the 404 of a missing one, and a visible object someone else holds or a person one may
# not manage is refused with nothing written. The crowd adds to the cast: a question in queue B, a colleague
# E300 in queue A holding another question of queue A (with the reply form's token only E300 may know).

STRANGERS = dict(employee_a=404, employee_b=404)
TOKEN = "00000000-0000-0000-0000-000000000000"

OTHERS = [
    # A question of queue B: E100 (queue A) gets the 404 of a missing question for every action on it.
    ("inbox:question", "get", lambda p: [p.question_b.pk], None, signed_in(200, employee_a=404, **ANSWERERS_ONLY)),
    (
        "inbox:claim",
        "post",
        lambda p: [p.question_b.pk],
        {},
        signed_in(
            to("inbox:question", "question_b"),
            employee_a=404,
            supervisor=refused(to("inbox:question", "question_b")),
            **ANSWERERS_ONLY,
        ),
    ),
    (
        "inbox:renew",
        "post",
        lambda p: [p.question_b.pk],
        {"token": TOKEN},
        signed_in(refused(200), employee_a=404, **ANSWERERS_ONLY),
    ),
    (
        "inbox:release",
        "post",
        lambda p: [p.question_b.pk],
        {},
        signed_in(refused(to("inbox:question", "question_b")), employee_a=404, **ANSWERERS_ONLY),
    ),
    (
        "inbox:send",
        "post",
        lambda p: [p.question_b.pk],
        {"body": "Hello", "token": TOKEN},
        signed_in(refused(to("inbox:question", "question_b")), employee_a=404, **ANSWERERS_ONLY),
    ),
    (
        "inbox:queue",
        "get",
        lambda p: [p.queue_b.pk],
        None,
        signed_in(to("inbox:inbox"), employee_a=404, supervisor=404, **ANSWERERS_ONLY),
    ),
    # A question of queue A held by the colleague: E100 sees it but cannot take, renew, release or answer it,
    # even with the holder's own token; E200 gets the 404.
    ("inbox:question", "get", lambda p: [p.held.pk], None, signed_in(200, employee_b=404, **ANSWERERS_ONLY)),
    (
        "inbox:claim",
        "post",
        lambda p: [p.held.pk],
        {},
        signed_in(refused(to("inbox:question", "held")), employee_b=404, **ANSWERERS_ONLY),
    ),
    (
        "inbox:renew",
        "post",
        lambda p: [p.held.pk],
        lambda p: {"token": p.held_token},
        signed_in(refused(200), employee_b=404, **ANSWERERS_ONLY),
    ),
    (
        "inbox:release",
        "post",
        lambda p: [p.held.pk],
        {},
        signed_in(refused(to("inbox:question", "held")), employee_b=404, **ANSWERERS_ONLY),
    ),
    (
        "inbox:send",
        "post",
        lambda p: [p.held.pk],
        lambda p: {"body": "Taken over", "token": p.held_token},
        signed_in(refused(to("inbox:question", "held")), employee_b=404, **ANSWERERS_ONLY),
    ),
    # Supervisors act on any question, but cannot hand one to someone outside its queue.
    (
        "inbox:reassign",
        "post",
        lambda p: [p.held.pk],
        lambda p: {"employee": p.employee_b.pk, "reason": "Busy"},
        signed_in(403, supervisor=refused(to("inbox:question", "held"))),
    ),
    (
        "inbox:force_release",
        "post",
        lambda p: [p.question_b.pk],
        {"reason": "Nobody holds it"},
        signed_in(403, supervisor=refused(to("inbox:question", "question_b"))),
    ),
    (
        "inbox:close",
        "post",
        lambda p: [p.question_b.pk],
        {"reason": "Duplicate"},
        signed_in(403, supervisor=to("inbox:question", "question_b")),
    ),
    # The trail of other questions and people: compliance officers and administrators only.
    ("audit:question_timeline", "get", lambda p: [p.held.pk], None, signed_in(200, **READERS_ONLY)),
    (
        "audit:employee_activity",
        "get",
        lambda p: [p.administrator.employee_number],
        None,
        signed_in(200, **READERS_ONLY),
    ),
    ("audit:employee_activity", "get", lambda p: ["NOBODY1"], None, signed_in(404, **READERS_ONLY)),
    # Other people's staff pages: managers only; nobody manages an administrator but an administrator, nor
    # themselves, nor grants themselves a queue.
    ("accounts:staff_detail", "get", lambda p: [p.administrator.pk], None, signed_in(200, **MANAGERS_ONLY)),
    ("accounts:staff_detail", "get", lambda p: [p.supervisor.pk], None, signed_in(200, **MANAGERS_ONLY)),
    (
        "accounts:suspend",
        "post",
        lambda p: [p.administrator.pk],
        {"reason": "Taking over"},
        signed_in(refused(to("accounts:staff_detail", "administrator")), **MANAGERS_ONLY),
    ),
    (
        "accounts:change_role",
        "post",
        lambda p: [p.supervisor.pk],
        {"role": "compliance"},
        signed_in(
            to("accounts:staff_detail", "supervisor"),
            supervisor=refused(to("accounts:staff_detail", "supervisor")),
            **MANAGERS_ONLY,
        ),
    ),
    (
        "accounts:set_queue_permission",
        "post",
        lambda p: [p.employee_a.pk, p.queue_b.pk],
        {"allowed": "1"},
        signed_in(to("accounts:staff_detail", "employee_a"), **MANAGERS_ONLY),
    ),
    (
        "accounts:set_queue_permission",
        "post",
        lambda p: [p.supervisor.pk, p.queue_b.pk],
        {"allowed": "1"},
        signed_in(
            to("accounts:staff_detail", "supervisor"),
            supervisor=refused(to("accounts:staff_detail", "supervisor")),
            **MANAGERS_ONLY,
        ),
    ),
    (
        "accounts:approve",
        "post",
        lambda p: [p.rejected.pk],
        {"approve-role": "employee"},
        signed_in(refused(to("accounts:staff_detail", "rejected")), **MANAGERS_ONLY),
    ),
    (
        "admin:accounts_employee_change",
        "get",
        lambda p: [p.supervisor.pk],
        None,
        signed_in(200, **ADMINS_ONLY),
    ),
]


@pytest.fixture
def crowd(people, ask):
    """The cast and its question in queue A, plus a question in queue B and one of queue A held by E300."""
    from accounts.models import Role
    from inbox import claims
    from inbox.configuration import save_setting
    from inbox.models import RoutingRule
    from tests import cast

    save_setting(RoutingRule(name="to B", keywords="repair", queue=people.queue_b), actor=None)
    people.question_b = ask("My repair is late", customer="suzuki_m")
    people.colleague = cast.approved("E300", by=people.supervisor, role=Role.EMPLOYEE, queues=[people.queue_a])
    people.held = ask("Where is my other order?", customer="sato_h")
    claims.claim(people.held, actor=people.colleague)
    people.held.refresh_from_db()
    people.held_token = str(people.held.claim_token)
    return people


def _writes_nothing(method: str, expected) -> bool:
    refusal = expected in (LOGIN, STATUS) or (isinstance(expected, int) and expected >= 400)
    return method == "get" or refusal or (isinstance(expected, tuple) and expected[0] == REFUSED)


OTHERS_CASES = [
    pytest.param(row, persona, id=f"{row[0]}-{row[1]}-{i}-{persona}")
    for i, row in enumerate(OTHERS)
    for persona in PERSONAS
]


@pytest.mark.parametrize(("row", "persona"), OTHERS_CASES)
def test_other_peoples_objects_stay_out_of_reach(client, crowd, row, persona):
    from inbox.models import Question
    from tests.helpers import actions_since, last_entry_id

    name, method, args_of, data, outcomes = row
    user = _persona_user(crowd, persona)
    if persona == "suspended":
        client.force_login(crowd.suspended, backend="django.contrib.auth.backends.ModelBackend")
    elif user is not None:
        client.force_login(user)
    url = reverse(name, args=args_of(crowd))
    data = data(crowd) if callable(data) else data
    mark = last_entry_id()

    response = client.post(url, data or {}) if method == "post" else client.get(url)

    expected = outcomes[persona]
    _check(response, expected, crowd)
    if _writes_nothing(method, expected):
        assert actions_since(mark) == []
    # The holder's claim token is what the reply form proves a claim with: no page shows it to anyone else.
    assert crowd.held_token.encode() not in response.content
    held = Question.objects.get(pk=crowd.held.pk)
    assert held.holder_id == crowd.colleague.pk and str(held.claim_token) == crowd.held_token
