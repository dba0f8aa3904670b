"""The public check page: anyone, without an account, learns whether a post came from the desk and whether a signature
is one of its staff's, from the desk's own records only, in the same shape whatever the answer."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone, translation

from accounts import services as people_services
from accounts.models import Role
from tests import cast
from tests.helpers import signed_in
from verification import answers, rate_limit
from verification.selectors import Standing, number_standing

CHECK = reverse("verification:check")


def check(client=None, **params):
    return (client or Client()).get(CHECK, params)


def page(response) -> str:
    return response.content.decode()


def status_line(response) -> str:
    found = re.search(r'<p class="check-status" role="status">(.*?)</p>', page(response), re.S)
    assert found, "no answer on the page"
    return re.sub(r"<[^>]+>", "", found[1]).strip()


def the_answer(response) -> str:
    return re.search(r'<section class="card check-answer.*?</section>', page(response), re.S)[0]


def answer_class(response) -> str:
    return re.search(r'class="card check-answer (tone-\w+ answer-\w+)"', page(response))[1]


def link_forms(post_id: str) -> list[str]:
    handle = "replydesk_support"
    return [
        post_id,
        f"https://x.com/{handle}/status/{post_id}",
        f"https://twitter.com/{handle}/status/{post_id}?s=20&t=AbC-dEf_12",
        f"https://mobile.twitter.com/{handle}/status/{post_id}",
        f"https://mobile.x.com/{handle}/status/{post_id}?s=46",
        f"x.com/{handle}/status/{post_id}/photo/1",
        f"https://x.com/i/web/status/{post_id}",
        f"https://twitter.com/{handle}/statuses/{post_id}#top",
    ]


# --- a post --------------------------------------------------------------------------------------------------------


def test_a_reply_the_desk_sent_verifies_from_every_form_of_its_link(sent, settings):
    assert int(sent.posted_id) > 2**53  # X's ids as they are: beyond what a float keeps
    for form in link_forms(sent.posted_id):
        response = check(post=form)
        assert response.status_code == 200, form
        assert answer_class(response) == "tone-good answer-genuine", form
        text = page(response)
        assert f"@{settings.X_ACCOUNT_USERNAME}" in text
        assert "^E100 was an authorised responder at the time" in text
        assert f"https://x.com/{settings.X_ACCOUNT_USERNAME}/status/{sent.posted_id}" in text


def test_a_verified_post_shows_when_it_was_sent_in_japan_and_in_utc(sent):
    local = timezone.localtime(sent.sent_at)
    utc = sent.sent_at.astimezone(UTC)
    text = page(check(post=sent.posted_id))
    assert f"{local:%Y-%m-%d %H:%M} JST ({utc:%Y-%m-%d %H:%M} UTC)" in text


def test_both_times_are_written_with_their_zones():
    moment = datetime(2026, 11, 20, 5, 3, tzinfo=UTC)
    assert answers._both_times(moment) == "2026-11-20 14:03 JST (2026-11-20 05:03 UTC)"


def test_a_neighbouring_id_that_a_float_would_confuse_is_not_ours(sent):
    neighbour = str(int(sent.posted_id) + 1)
    assert float(neighbour) == float(sent.posted_id)
    response = check(post=neighbour)
    assert answer_class(response) == "tone-bad answer-not_ours"


def test_an_unknown_post_was_not_sent_by_the_desk_and_the_page_says_what_to_do(people):
    response = check(post="https://x.com/replydesk_supp0rt/status/1866789012345678901?s=20")
    assert response.status_code == 200
    assert answer_class(response) == "tone-bad answer-not_ours"
    assert status_line(response) == "This post was not sent by our support desk."
    assert "Report it on X" in page(response)  # the "how to report a fake" text of the block


def test_the_customers_own_question_is_not_a_post_of_the_desk(sent):
    response = check(post=sent.in_reply_to)
    assert answer_class(response) == "tone-bad answer-not_ours"


def test_a_reply_x_refused_never_verifies(failed):
    assert failed.posted_id == ""
    assert answer_class(check(post=failed.in_reply_to)) == "tone-bad answer-not_ours"


def test_only_a_sent_reply_verifies_whatever_id_a_failed_row_holds(failed):
    # No service writes an id on a failed reply; the selector must not trust one that a bug or an operator might.
    type(failed).objects.filter(pk=failed.pk).update(posted_id="1866789012345678901")
    assert answer_class(check(post="1866789012345678901")) == "tone-bad answer-not_ours"


def test_a_reply_retried_after_a_lost_answer_verifies_under_the_id_x_gave_it(people, routed_to_a, ask, fake_x, channel):
    from inbox import claims, outbox, services

    held = claims.claim(ask("Where is my order now?", customer="ito"), actor=people.employee_a)
    reply = services.send_reply(held, actor=people.employee_a, token=str(held.claim_token), body="On its way.")
    fake_x.faults.queue("lost_response", path_prefix="/2/tweets", method="POST")
    first = outbox.deliver(reply.pk, channel)
    assert first.outcome == "retry"
    assert outbox.deliver(reply.pk, channel, now=first.retry_at).outcome == "sent"
    reply.refresh_from_db()
    assert reply.posted_id == fake_x.replies_posted()[0].id
    assert answer_class(check(post=reply.posted_id)) == "tone-good answer-genuine"


def test_a_post_of_someone_suspended_since_still_verifies(sent, people):
    people_services.suspend_employee(people.employee_a, actor=people.supervisor, reason="Left the company")
    assert answer_class(check(post=sent.posted_id)) == "tone-good answer-genuine"
    assert answer_class(check(signature="^E100")) == "tone-bad answer-not_authorised"


@pytest.mark.parametrize("raw", ["hello", "https://example.com/x/status/1", "^E100", "<b>Genuine</b>"])
def test_what_is_not_a_post_link_gets_examples_and_is_never_repeated(people, raw):
    response = check(post=raw)
    assert response.status_code == 200
    assert answer_class(response) == "tone-neutral answer-not_a_link"
    answer = the_answer(response)
    assert "https://x.com/i/web/status/1866789012345678901" in answer  # an example of what works
    assert "Genuine" not in answer and "example.com/x/status/1" not in answer


def test_checking_asks_x_nothing(sent, fake_x):
    fake_x.clear_requests()
    check(post=sent.posted_id)
    check(post="1866789012345678901")
    check(signature="^E100")
    assert fake_x.requests == []


# --- a signature ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["^E100", "E100", "＾Ｅ１００", "^e100"])
def test_an_active_answerer_is_authorised_since_the_month_without_a_name(people, typed):
    response = check(signature=typed)
    assert answer_class(response) == "tone-good answer-authorised"
    since = formats.date_format(timezone.localtime(people.employee_a.status_changed_at), "YEAR_MONTH_FORMAT")
    assert status_line(response) == f"^E100 is currently authorised to answer for us (since {since})."
    answer = the_answer(response)
    for private in (people.employee_a.email, "Employee", "employee", "Queue A", "Left"):
        assert private not in answer


def test_a_suspended_number_is_not_currently_authorised_and_no_reason_is_given(people):
    response = check(signature="^X100")
    assert answer_class(response) == "tone-bad answer-not_authorised"
    assert status_line(response) == "^X100 is not currently authorised to answer for us."
    assert "Left the company" not in page(response)
    assert "suspend" not in page(response).lower()


@pytest.mark.parametrize("number", ["P100", "R100", "C100", "A900"])
def test_numbers_that_do_not_answer_customers_are_not_currently_authorised(people, number):
    # A sign-up waiting or refused, a compliance officer, an administrator: issued, never answering.
    assert answer_class(check(signature=f"^{number}")) == "tone-bad answer-not_authorised"


def test_a_number_never_issued_is_unknown(people):
    response = check(signature="^E999")
    assert answer_class(response) == "tone-bad answer-unknown"
    assert status_line(response) == "^E999 is unknown: we have never given out this number."


def test_what_cannot_be_a_signature_says_how_staff_sign(people):
    response = check(signature="Tanaka from support")
    assert answer_class(response) == "tone-neutral answer-not_a_signature"
    assert "Tanaka" not in the_answer(response)


def test_authorised_since_counts_from_a_change_into_an_answering_role(people):
    people_services.change_role(people.compliance, actor=people.administrator, role=Role.EMPLOYEE)
    from audit.models import AuditEntry

    changed = AuditEntry.objects.get(action="accounts.employee.role_changed", target_id=str(people.compliance.pk))
    found = number_standing("C100")
    assert found.standing == Standing.AUTHORISED
    assert found.since == changed.created_at != people.compliance.status_changed_at


def test_a_reactivated_employee_is_authorised_since_the_reactivation(people):
    reactivated = people_services.reactivate_employee(people.suspended, actor=people.supervisor)
    found = number_standing("X100")
    assert found.standing == Standing.AUTHORISED and found.since == reactivated.status_changed_at


# --- the same shape, the page itself -----------------------------------------------------------------------------


def shape(answer: str) -> list[str]:
    """The answer's elements in order, links and line breaks inside a text left out, its rows counted as one."""
    tags = [tag for tag in re.findall(r"<(/?[a-z0-9]+)", answer) if tag not in ("a", "/a", "br")]
    collapsed: list[str] = []
    for tag in tags:
        if tag in ("dt", "/dt", "dd", "/dd") and tag in collapsed[-4:]:
            continue
        collapsed.append(tag)
    return collapsed


def test_every_answer_has_the_same_shape(sent, people):
    shapes = []
    for params in (
        {"post": sent.posted_id},
        {"post": "1866789012345678901"},
        {"post": "nonsense"},
        {"signature": "^E100"},
        {"signature": "^X100"},
        {"signature": "^E999"},
        {"signature": "???"},
    ):
        answer = the_answer(check(**params))
        assert answer.count("<h2") == 1 and answer.count('class="check-status"') == 1
        assert answer.count('<dl class="check-details">') == 1 and "<dt>" in answer
        shapes.append(shape(answer))
    assert all(found == shapes[0] for found in shapes), shapes


def test_the_page_needs_no_account_and_opens_for_everyone(people):
    for client in (
        Client(),
        signed_in(people.employee_a),
        signed_in(people.pending),
        signed_in(people.rejected),
        signed_in(cast.approved("S555", by=people.administrator, role=Role.SUPERVISOR, with_totp=False)),
    ):
        response = client.get(CHECK)
        assert response.status_code == 200
        assert "Is it really us?" in page(response)
        assert "max-age=0" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


def test_the_forms_are_plain_get_forms(people):
    text = page(check())
    assert text.count(f'<form method="get" action="{CHECK}"') == 2
    assert 'name="post"' in text and 'name="signature"' in text


def test_the_page_speaks_japanese(sent, people):
    client = Client(headers={"accept-language": "ja"})
    response = client.get(CHECK, {"signature": "^E999"})
    assert '<html lang="ja">' in page(response)
    assert "サポート窓口の公式アカウント" in page(response)  # the block's Japanese default
    with translation.override("ja"):
        since = formats.date_format(timezone.localtime(people.employee_a.status_changed_at), "YEAR_MONTH_FORMAT")
    assert "年" in since


def test_the_sign_in_page_and_the_header_link_to_the_check(people):
    text = page(Client().get(reverse("account_login")))
    assert text.count(f'href="{CHECK}"') == 2  # the header's link and the sign-in page's sentence


def test_administrators_see_the_edit_link_and_nobody_else(people):
    edit = reverse("verification:edit_guide")
    assert edit in page(signed_in(people.administrator).get(CHECK))
    for person in (people.supervisor, people.employee_a, people.compliance):
        assert edit not in page(signed_in(person).get(CHECK))
    assert edit not in page(Client().get(CHECK))


# --- the rate limit ------------------------------------------------------------------------------------------------


@pytest.fixture
def clock(monkeypatch):
    """The limiter's clock, fixed in the middle of a window and moved only by the test."""
    now = {"t": 1_800_000_000.0 + 120}

    monkeypatch.setattr(rate_limit, "_now", lambda: now["t"])
    return now


def test_an_address_is_refused_after_its_allowance_until_the_window_ends(people, settings, clock):
    settings.PUBLIC_CHECK_RATE = (3, timedelta(minutes=10))
    client = Client(REMOTE_ADDR="203.0.113.7")
    client.get(CHECK)  # opening the page is no check
    for n in range(3):
        assert client.get(CHECK, {"signature": f"^E10{n}"}).status_code == 200
    refused = client.get(CHECK, {"post": "1866789012345678901"})
    assert refused.status_code == 429
    assert refused["Retry-After"] == "480"
    assert answer_class(refused) == "tone-neutral answer-refused"
    assert status_line(refused) == "Too many checks from your address. Try again in 8 minutes."
    assert 'name="post"' in page(refused)  # the same page, forms and all
    # Another address is not affected; the same one is let in again when the window ends.
    assert Client(REMOTE_ADDR="198.51.100.9").get(CHECK, {"signature": "^E100"}).status_code == 200
    clock["t"] += 480
    assert client.get(CHECK, {"signature": "^E100"}).status_code == 200


def test_the_addresses_of_one_ipv6_network_share_an_allowance(people, settings, clock):
    settings.PUBLIC_CHECK_RATE = (2, timedelta(minutes=10))
    for host in ("2001:db8:1:2::1", "2001:db8:1:2::2"):
        assert Client(REMOTE_ADDR=host).get(CHECK, {"signature": "^E100"}).status_code == 200
    assert Client(REMOTE_ADDR="2001:db8:1:2:ffff::9").get(CHECK, {"signature": "^E100"}).status_code == 429
    assert Client(REMOTE_ADDR="2001:db8:1:3::1").get(CHECK, {"signature": "^E100"}).status_code == 200
