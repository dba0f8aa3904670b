"""Bad input, generated with hypothesis: reply text (any Unicode, control characters, huge sizes), form fields,
query parameters and malformed answers from X. Never a server error, never a partial write, always a clear
message.

Form and query data go out as a careless client encodes them: text that is not valid Unicode (lone
surrogates) becomes the bytes it would have in UTF-8, which the desk receives as replacement characters.
What the desk received is decoded here the same way (QueryDict), and the product's own rules (its forms and
`check_reply_text`) say whether that input was acceptable: the page and the database must agree with them.
"""

import html
import itertools
import json
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings as django_settings
from django.contrib.messages import get_messages
from django.http import QueryDict
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from accounts import services as accounts_services
from accounts.forms import ApprovalForm
from accounts.forms import ReasonForm as StaffReasonForm
from accounts.models import Employee
from audit.models import AuditEntry
from channels.base import ChannelError
from inbox import claims
from inbox.composer import reply_text
from inbox.errors import InvalidReply
from inbox.forms import ReasonForm, ReassignForm, ReplyForm
from inbox.ingest import ingest_mentions
from inbox.models import Customer, MentionCursor, Post, Question, Reply
from inbox.reply_text import check_reply_text
from tests import cast
from tests.helpers import actions_since, last_entry_id

FORM = "application/x-www-form-urlencoded"

# Each example is one or two requests; the shared cast is built once per test, not per example.
BOUNDED = settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- strategies ---------------------------------------------------------------------------------------------

ANY_CHARACTER = st.characters(codec=None, exclude_categories=())
SURROGATE = st.characters(codec=None, min_codepoint=0xD800, max_codepoint=0xDFFF)
# Pieces that have broken text handling somewhere: NUL and other controls, line and paragraph separators,
# BOM, zero-width joiners, bidi overrides, lone surrogates, emoji sequences, CJK, HTML and percent signs.
PIECES = [
    "\x00", "\x01", "\x07", "\x08", "\t", "\n", "\r", "\r\n", "\x0b", "\x0c", "\x1b", "\x1c", "\x7f", "\x85",
    "\xa0", "\u200b", "\u200d", "\u2028", "\u2029", "\u202e", "\ufeff", "\ufffd", "\ud800", "\udfff",
    "\U0001f600", "\U0001f469\u200d\U0001f4bb", "\U0001f1ef\U0001f1f5", "注文", "ｶﾞ", "A\u0301",
    "<script>", "&amp;", '"', "'", "%", "%00", "https://example.com/x?y=1", "@replydesk_support", " ", "order",
]  # fmt: skip
tricky_text = st.lists(st.sampled_from(PIECES) | SURROGATE | ANY_CHARACTER, max_size=40).map("".join)
huge_text = st.builds(
    lambda chunk, size: (chunk * (size // len(chunk) + 1))[:size],
    st.text(ANY_CHARACTER, min_size=1, max_size=8) | st.sampled_from(PIECES),
    st.integers(2_001, 100_000),
)
field_text = st.text(ANY_CHARACTER, max_size=200) | tricky_text | huge_text
big_integers = st.integers(min_value=-(2**80), max_value=2**80) | st.sampled_from([2**31, 2**63 - 1, 2**63, -(2**63)])
offsets = st.builds(timezone, st.timedeltas(min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23)))
datetime_texts = st.one_of(
    st.datetimes(timezones=st.none() | offsets).map(lambda moment: moment.isoformat()),
    st.datetimes().map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%S")),
    st.sampled_from(
        [
            "0001-01-01T00:00:00",
            "0001-01-01T00:00:00+23:59",
            "9999-12-31T23:59:59.999999",
            "9999-12-31T23:59:59.999999-23:59",
            "2025-02-29T12:00:00",
            "2025-13-01T00:00:00",
            "2025-11-25T24:00:00",
            "2025-11-25 25:61:61",
            "1899-12-31T23:59:59",
            "10000-01-01T00:00:00",
        ]
    ),
    field_text,
)
number_texts = big_integers.map(str) | st.sampled_from(["", "0", "-0", "00", "1e3", "1_000", "１２", "٣", " 7 "])
keyset_positions = st.builds(lambda p, c, i: f"{p}|{c}|{i}", number_texts, datetime_texts, number_texts)


def query_pairs(names: list[str], values) -> st.SearchStrategy:
    """Known and unknown parameter names, repeated or not, with any values."""
    return st.lists(st.tuples(st.sampled_from(names) | st.text(ANY_CHARACTER, max_size=12), values), max_size=7)


def wire(pairs) -> str:
    """Pairs encoded for a URL or a form body; lone surrogates go out as the invalid UTF-8 they would be."""
    return urlencode([(k.encode("utf-8", "surrogatepass"), v.encode("utf-8", "surrogatepass")) for k, v in pairs])


def too_large(body: str) -> bool:
    """Whether Django refuses the form body unread (DATA_UPLOAD_MAX_MEMORY_SIZE), answering 400."""
    return len(body.encode()) > django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def received(pairs) -> QueryDict:
    """What the desk reads from `wire(pairs)`."""
    return QueryDict(wire(pairs))


def messages_of(response) -> list[tuple[str, str]]:
    """The messages the request added (each example signs in afresh, so none are left from an earlier one)."""
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def form_errors(form) -> list[str]:
    return [str(error) for errors in form.errors.values() for error in errors]


# --- the desk -----------------------------------------------------------------------------------------------


class Desk:
    """The cast with a question in queue A, and fresh objects whenever an example used the last one up."""

    def __init__(self, people, ask):
        self.people = people
        self.ask = ask
        self.asked = itertools.count(1)
        self.signed_up = itertools.count(1)
        self.question = ask("Where is my order?")
        self.pending = people.pending
        self._clients: dict[str, Client] = {}

    def __getattr__(self, name):
        return getattr(self.people, name)

    def client_of(self, person: Employee, *, fresh: bool = False) -> Client:
        if fresh or person.employee_number not in self._clients:
            client = Client()
            client.force_login(person)
            self._clients[person.employee_number] = client
        return self._clients[person.employee_number]

    def held_question(self) -> Question:
        """An open question held by E100 (queue A)."""
        self.question.refresh_from_db()
        if self.question.status != Question.Status.OPEN:
            self.question = self.ask(f"Where is my order? ({next(self.asked)})")
        if self.question.holder_id != self.employee_a.pk:
            claims.claim(self.question, actor=self.employee_a)
        self.question.refresh_from_db()
        return self.question

    def pending_person(self) -> Employee:
        self.pending.refresh_from_db()
        if self.pending.status != Employee.Status.PENDING:
            self.pending = cast.sign_up(f"P{next(self.signed_up):04d}")
        return self.pending


@pytest.fixture
def desk(people, routed_to_a, ask):
    return Desk(people, ask)


# --- the composer -------------------------------------------------------------------------------------------

reply_bodies = field_text | st.sampled_from(["", " ", "\n", "\u3000", "\x00", "Thanks!\x00", "\n\nHello"])
tokens = (
    st.sampled_from(["<real>", "<REAL>", "{<real>}", " <real> ", "urn:uuid:<real>"]) | st.uuids().map(str) | field_text
)


def accepted_reply(body: str, token: str, real: str, signature: str) -> bool:
    """The product's rules: the compose form, the claim token, then the text X would receive."""
    form = ReplyForm({"body": body, "token": token})
    if not form.is_valid() or str(form.cleaned_data["token"]) != real:
        return False
    try:
        check_reply_text(body, signature)
    except InvalidReply:
        return False
    return True


@BOUNDED
@given(body=reply_bodies, token=tokens)
@example(body="Your parcel left the warehouse today.", token="<real>")
@example(body="\n\nA reply that starts with blank lines", token="<real>")
@example(body="\n\nA reply that starts with blank lines", token="stale")
@example(body="注" * 141, token="<real>")
@example(body="x" * 100_000, token="<real>")
@example(body="Thanks\x00", token="<real>")
@example(body="\ud800 lone surrogate", token="<real>")
def test_any_reply_text_and_token_is_queued_only_when_valid_and_otherwise_kept_on_the_page(desk, body, token):
    question = desk.held_question()
    real = str(question.claim_token)
    sent = [("body", body), ("token", token.replace("<real>", real).replace("<REAL>", real.upper()))]
    seen = received(sent)
    accepted = accepted_reply(seen["body"], seen["token"], real, desk.employee_a.signature)
    client = desk.client_of(desk.employee_a)
    mark = last_entry_id()

    response = client.post(reverse("inbox:send", args=[question.pk]), wire(sent), content_type=FORM)

    question.refresh_from_db()
    event("accepted" if accepted else "refused")
    if accepted:
        assert response.status_code == 302
        assert question.status == Question.Status.ANSWERED
        assert actions_since(mark) == ["inbox.reply.queued"]
        [reply] = Reply.objects.filter(question=question)
        assert reply.text == reply_text(seen["body"], desk.employee_a.signature)
    else:
        # Refused at an address that can be reloaded: the question's page, with the reason and the text.
        assert response.status_code == 302, response.status_code
        assert response["Location"] == reverse("inbox:question", args=[question.pk])
        assert question.status == Question.Status.OPEN and question.holder_id == desk.employee_a.pk
        assert str(question.claim_token) == real
        assert actions_since(mark) == []
        assert not Reply.objects.filter(question=question).exists()
        page = client.get(response["Location"]).content.decode()
        assert 'class="message error"' in page
        # A browser drops one newline right after <textarea>: the page writes one, so the text comes back whole.
        assert f">\n{html.escape(seen['body'])}</textarea>" in page


# --- filters in the query string ----------------------------------------------------------------------------

inbox_values = field_text | keyset_positions | number_texts | st.sampled_from(["open", "answered", "closed", "on"])


@BOUNDED
@given(pairs=query_pairs(["queue", "status", "mine", "overdue", "after"], inbox_values))
@example(pairs=[("after", "1|9999-12-31T23:59:59.999999-23:59|1")])
@example(pairs=[("after", f"{2**63}|2025-11-25T00:00:00+00:00|{2**63}")])
@example(pairs=[("after", "1|0001-01-01T00:00:00|1"), ("status", "answered")])
@example(pairs=[("queue", "１"), ("after", "\x00")])
def test_any_inbox_filters_answer_a_page_and_write_nothing(desk, pairs):
    clients = [(desk.client_of(desk.employee_a), {}), (desk.client_of(desk.supervisor), {"HX-Request": "true"})]
    mark = last_entry_id()
    query = wire(pairs)
    for client, headers in clients:
        response = client.get(f"{reverse('inbox:inbox')}?{query}", headers=headers)
        assert response.status_code == 200
    assert actions_since(mark) == []


audit_values = field_text | datetime_texts | number_texts | st.sampled_from(["inbox.", "inbox.question:1", "system"])
AUDIT_FILTERS = ["actor", "action", "target", "from", "to", "q", "before"]


@BOUNDED
@given(pairs=query_pairs(AUDIT_FILTERS, audit_values), fmt=st.sampled_from(["csv", "jsonl"]))
@example(pairs=[("from", "0001-01-01T00:00:00"), ("to", "9999-12-31T23:59:59")], fmt="csv")
@example(pairs=[("before", str(2**63)), ("q", "%\x00_")], fmt="jsonl")
@example(pairs=[("target", "inbox.question:" + "9" * 64), ("actor", "ｅ１００")], fmt="csv")
def test_any_audit_trail_filters_answer_a_page_and_an_export_is_recorded_only_when_made(desk, pairs, fmt):
    client = desk.client_of(desk.compliance)
    query = wire(pairs)
    mark = last_entry_id()

    assert client.get(f"{reverse('audit:trail')}?{query}").status_code == 200
    assert actions_since(mark) == []

    # Opening an export's address records nothing; an export starts only from the trail page's form (a POST).
    assert client.get(f"{reverse('audit:export', args=[fmt])}?{query}").status_code == 405
    assert actions_since(mark) == []
    export = client.post(reverse("audit:export", args=[fmt]), query, content_type=FORM)
    assert export.status_code in (200, 400)
    if export.status_code == 200:
        b"".join(export.streaming_content)  # a failure while streaming would surface here
        assert actions_since(mark) == ["audit.trail.exported"]
    else:
        assert actions_since(mark) == []


@BOUNDED
@given(
    question_id=st.integers(min_value=0, max_value=10**30) | st.just(None),
    number=st.text(ANY_CHARACTER.filter(lambda c: c != "/"), min_size=1, max_size=40) | st.just("e100"),
    pairs=query_pairs(["after", "before"], number_texts | field_text),
)
def test_any_timeline_or_activity_address_answers_a_page_or_a_404(desk, question_id, number, pairs):
    client = desk.client_of(desk.administrator)
    query = wire(pairs)
    mark = last_entry_id()
    question_id = desk.question.pk if question_id is None else question_id
    timeline = client.get(f"{reverse('audit:question_timeline', args=[question_id])}?{query}")
    person = quote(number.encode("utf-8", "surrogatepass"), safe="")
    activity = client.get(f"/audit/people/{person}/?{query}")
    assert timeline.status_code in (200, 404)
    assert activity.status_code in (200, 404)
    assert actions_since(mark) == []


# --- a supervisor's reasons ---------------------------------------------------------------------------------

reasons = field_text | st.sampled_from(["", "   ", "\x00", "Spam", " duplicate of #1 ", "\u3000", "\x1c\x1d"])
employee_choices = st.sampled_from(["<E100>", "<E200>", "<S100>", "<X100>"]) | number_texts | field_text


@BOUNDED
@given(action=st.sampled_from(["force_release", "reassign", "close"]), reason=reasons, employee=employee_choices)
@example(action="close", reason="Spam", employee="")
@example(action="reassign", reason="Covering for a sick colleague", employee="<E100>")
@example(action="reassign", reason="Out of queue", employee="<E200>")
@example(action="force_release", reason="x" * 501, employee="")
def test_any_reason_for_a_supervisors_action_either_acts_or_says_why_and_writes_nothing(desk, action, reason, employee):
    question = desk.held_question()
    for tag, person in (("<E100>", desk.employee_a), ("<E200>", desk.employee_b), ("<S100>", desk.supervisor)):
        employee = employee.replace(tag, str(person.pk))
    employee = employee.replace("<X100>", str(desk.suspended.pk))
    sent = [("reason", reason)] + ([("employee", employee)] if action == "reassign" else [])
    seen = received(sent)
    form = ReassignForm(seen, question=question) if action == "reassign" else ReasonForm(seen)
    valid = form.is_valid()
    client = desk.client_of(desk.supervisor, fresh=True)
    mark = last_entry_id()

    response = client.post(reverse(f"inbox:{action}", args=[question.pk]), wire(sent), content_type=FORM)

    assert response.status_code == 302
    assert response["Location"] == reverse("inbox:question", args=[question.pk])
    shown = messages_of(response)
    question.refresh_from_db()
    if valid:
        done = {
            "force_release": "inbox.question.force_released",
            "reassign": "inbox.question.reassigned",
            "close": "inbox.question.closed",
        }
        assert actions_since(mark) == [done[action]]
        assert [level for level, _text in shown] == ["success"]
        entry = AuditEntry.objects.filter(action=done[action]).latest("id")
        assert entry.after["reason"] == seen["reason"].strip()
    else:
        assert actions_since(mark) == []
        assert question.status == Question.Status.OPEN and question.holder_id == desk.employee_a.pk
        # Says why: the form's own words (a reason too long is not "give a reason").
        assert shown == [("error", " ".join(form_errors(form)))]


# --- a supervisor's staff forms -----------------------------------------------------------------------------

roles = st.sampled_from(["employee", "supervisor", "compliance", "administrator", "EMPLOYEE", ""]) | field_text
queue_values = st.lists(st.sampled_from(["<A>", "<B>"]) | number_texts | field_text, max_size=4)


@BOUNDED
@given(decision=st.sampled_from(["approve", "reject"]), reason=reasons, role=roles, queues=queue_values)
@example(decision="approve", reason="", role="employee", queues=["<A>", "<B>"])
@example(decision="approve", reason="", role="administrator", queues=[])
@example(decision="approve", reason="", role="employee", queues=[str(2**63)])
@example(decision="reject", reason="Not on staff", role="", queues=[])
@example(decision="reject", reason="\x00", role="", queues=[])
@example(decision="approve", reason="", role="employee", queues=["\U0010ffff" * 100_000] * 4)
def test_any_decision_on_a_sign_up_either_takes_effect_whole_or_says_why_and_writes_nothing(
    desk, decision, reason, role, queues
):
    person = desk.pending_person()
    queues = [q.replace("<A>", str(desk.queue_a.pk)).replace("<B>", str(desk.queue_b.pk)) for q in queues]
    if decision == "approve":
        sent = [("approve-role", role)] + [("approve-queues", q) for q in queues]
        grantable = accounts_services.grantable_roles(desk.supervisor)
        form = ApprovalForm(received(sent), grantable_roles=grantable, prefix="approve")
    else:
        sent = [("reason", reason)]
        form = StaffReasonForm(received(sent))
    valid = form.is_valid()
    client = desk.client_of(desk.supervisor, fresh=True)
    mark = last_entry_id()

    body = wire(sent)
    response = client.post(reverse(f"accounts:{decision}", args=[person.pk]), body, content_type=FORM)

    if too_large(body):
        # Over Django's upload limit the form is never read: a clear refusal, and nothing written.
        assert response.status_code == 400
        assert "Nothing was saved" in response.content.decode()
        person.refresh_from_db()
        assert person.status == Employee.Status.PENDING and person.role is None
        assert actions_since(mark) == []
        return
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:staff_detail", args=[person.pk])
    shown = messages_of(response)
    person.refresh_from_db()
    if valid:
        status = Employee.Status.ACTIVE if decision == "approve" else Employee.Status.REJECTED
        assert person.status == status
        assert actions_since(mark) == [f"accounts.employee.{decision.rstrip('e')}ed"]
        assert [level for level, _text in shown] == ["success"]
    else:
        assert person.status == Employee.Status.PENDING and person.role is None
        assert actions_since(mark) == []
        assert shown == [("error", error) for error in form_errors(form)]


# --- malformed answers from X -------------------------------------------------------------------------------

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    big_integers,
    st.floats(),
    st.text(ANY_CHARACTER, max_size=30),
    tricky_text,
    st.sampled_from(
        [
            "",
            "0",
            "1" * 25,
            "１２３",
            "-5",
            "2025-11-25T01:02:03.000Z",
            "9999-12-31T23:59:59.000Z",
            "0001-01-01T00:00:00.000Z",
            "2025-02-30T00:00:00.000Z",
            "2025-11-25",
        ]
    ),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=5,
)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


def _x_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def mentions_page(fake_x, count: int) -> dict:
    """A page of mentions as X API v2 sends it, with ids newer than anything the desk has seen."""
    author = fake_x.add_customer("tanaka_k", "田中 健")
    ids = sorted((fake_x.store.next_id() for _ in range(count)), key=int, reverse=True)
    now = datetime.now(UTC)
    return {
        "data": [
            {
                "edit_history_tweet_ids": [tweet_id],
                "id": tweet_id,
                "text": f"@replydesk_support Where is my order? ({n})",
                "author_id": author,
                "conversation_id": tweet_id,
                "created_at": _x_time(now),
            }
            for n, tweet_id in enumerate(ids)
        ],
        "includes": {"users": [{"id": author, "name": "田中 健", "username": "tanaka_k"}]},
        "meta": {"newest_id": ids[0], "oldest_id": ids[-1], "result_count": count},
    }


def _mutate(payload, path, replacement, delete: bool):
    if not path:
        return replacement
    parent = payload
    for step in path[:-1]:
        parent = parent[step]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = replacement
    return payload


def _desk_state() -> tuple:
    cursor = MentionCursor.objects.values_list("since_id", flat=True).first() or ""
    return (
        cursor,
        set(Post.objects.values_list("network_id", flat=True)),
        Question.objects.count(),
        Customer.objects.count(),
        last_entry_id(),
    )


def _id_key(post_id: str) -> tuple[int, str]:
    return (len(post_id), post_id)


@BOUNDED
@given(data=st.data())
def test_a_malformed_mentions_page_is_refused_whole_or_stored_whole_and_the_cursor_never_passes_a_lost_mention(
    db, fake_x, channel, data
):
    payload = mentions_page(fake_x, data.draw(st.integers(1, 3), label="mentions"))
    for _ in range(data.draw(st.integers(0, 4), label="mutations")):
        path = data.draw(st.sampled_from(list(_paths(payload))), label="where")
        delete = bool(path) and data.draw(st.booleans(), label="delete")
        payload = _mutate(payload, path, None if delete else data.draw(json_values, label="value"), delete)
    body = json.dumps(payload).encode()
    raw = data.draw(st.none() | st.binary(max_size=200) | st.integers(0, len(body)), label="raw")
    if isinstance(raw, int):
        body = body[:raw]  # cut short, as by a proxy
    elif raw is not None:
        body = raw
    fake_x.faults.clear()
    fake_x.faults.queue("malformed", path_prefix="/2/users/", payload=body)
    before = _desk_state()

    try:
        ingest_mentions(channel)
    except ChannelError as refused:
        event("refused")
        assert refused.reason
        assert _desk_state() == before
        return
    finally:
        fake_x.faults.clear()

    event("stored")
    cursor, posts, *_ = _desk_state()
    stored = posts - before[1]
    page = json.loads(body)
    offered = {str(m["id"]) for m in page.get("data") or []}
    # Stored whole: every mention the page offered, nothing else.
    assert stored == offered - before[1]
    if cursor != before[0]:
        assert cursor in posts, "the cursor moved to a mention that was never stored"
        assert all(_id_key(cursor) >= _id_key(i) for i in stored)


def test_a_malformed_second_page_stores_nothing_of_the_first_and_the_next_poll_reads_both(db, fake_x, channel):
    ids = [fake_x.mention(f"customer{i}", f"Where is my order number {i}?") for i in range(7)]
    fake_x.faults.queue("malformed", path_prefix="/2/users/", payload='{"data": [{"id": ', after=1)

    with pytest.raises(ChannelError):
        ingest_mentions(channel, page_size=5)

    assert not Post.objects.exists()
    assert MentionCursor.objects.get().since_id == ""
    result = ingest_mentions(channel, page_size=5)
    assert result.pages == 2
    assert set(Post.objects.values_list("network_id", flat=True)) == set(ids)


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"<html><body>502 Bad Gateway</body></html>",
        b"[]",
        b'"data"',
        b'{"data": {"id": "1"}}',
        b'{"data": [{"id": "1234", "text": "order?"}], "meta": "newest"}',
        b'{"data": [{"text": "no id"}], "meta": {"result_count": 1}}',
        b'{"data": [{"id": 1234, "text": "a number for an id"}], "meta": {"result_count": 1}}',
        b'{"data": [{"id": "99999999999999999999999", "text": "too long an id"}], "meta": {"result_count": 1}}',
        b'{"data": [{"id": "1234", "text": null}], "meta": {"result_count": 1}}',
        b'{"data": [{"id": "1234", "text": "x", "created_at": "yesterday"}], "meta": {"result_count": 1}}',
        b'{"data": [{"id": "1234", "text": "x", "created_at": "9999-12-31T23:59:59.000Z"}], "meta": {}}',
        b'{"data": [{"id": "1234", "text": "x", "author_id": "5"}], "includes": {"users": [{"id": null}]}}',
    ],
    ids=lambda payload: payload[:40].decode(errors="replace") or "empty",
)
def test_known_malformed_mentions_pages_are_a_channel_error_and_store_nothing(db, fake_x, channel, payload):
    fake_x.faults.queue("malformed", path_prefix="/2/users/", payload=payload)
    before = _desk_state()

    with pytest.raises(ChannelError):
        ingest_mentions(channel)

    assert _desk_state() == before


def test_a_newest_id_that_no_mention_carries_never_moves_the_cursor(db, fake_x, channel):
    fake_x.faults.queue(
        "malformed", path_prefix="/2/users/", payload=b'{"meta": {"result_count": 0, "newest_id": "9"}}'
    )

    result = ingest_mentions(channel)

    assert result.new_questions == 0
    assert MentionCursor.objects.get().since_id == ""
