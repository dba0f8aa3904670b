"""What the quality tests share: sent replies made as the desk makes them (a customer asks on the fake X, an employee
claims and answers, the outbox posts), a review week that cannot straddle a Monday, and the sampling week."""

from datetime import timedelta
from itertools import count
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from inbox import approvals, claims, outbox, services
from inbox.approval_rules import text_hash
from inbox.configuration import save_setting
from inbox.ingest import ingest_mentions
from inbox.models import Question, Reply, ReplyDraft, RoutingRule
from quality.weeks import week_of
from tests.helpers import wind_back

# Zones 13 or 14 hours apart: at any moment at most one of them is near its Monday 00:00.
ZONES = ("Asia/Tokyo", "America/New_York")
MARGIN = timedelta(minutes=30)


@pytest.fixture(autouse=True)
def mid_week(settings):
    """The desk's clock for the test is a zone where now is well inside a week, so that the replies a test sends in a
    few seconds all fall in one review week, whenever it runs."""
    now = timezone.now()
    for zone in ZONES:
        local = now.astimezone(ZoneInfo(zone))
        since_monday = timedelta(days=local.weekday(), hours=local.hour, minutes=local.minute)
        if MARGIN < since_monday < timedelta(days=7) - MARGIN:
            settings.TIME_ZONE = zone
            return zone
    raise AssertionError("unreachable: the two zones are never both near a Monday")


@pytest.fixture
def desk(people, fake_x, channel, settings):
    """The cast, with questions about orders routed to queue A (E100) and about repairs to queue B (E200). A new
    employee's first replies are not picked unless a test asks (every employee of a test is new)."""
    settings.QUALITY_FIRST_REPLIES = 0
    save_setting(RoutingRule(name="to A", keywords="order", queue=people.queue_a), actor=None)
    save_setting(RoutingRule(name="to B", keywords="repair", queue=people.queue_b), actor=None)
    numbers = count(1)

    def ask(author, text: str | None = None) -> Question:
        n = next(numbers)
        keyword = "repair" if author == people.employee_b else "order"
        post_id = fake_x.mention(f"customer_{n}", text or f"Where is my {keyword} {n}?")
        ingest_mentions(channel)
        return Question.objects.get(posts__network_id=post_id)

    def send(author, body: str | None = None, *, question: Question | None = None, late: bool = False) -> Reply:
        """A reply by `author` that reached X."""
        question = question or ask(author)
        if late:
            wind_back([question], 24 * 60)
        held = claims.claim(question, actor=author)
        accepted = services.send_reply(
            held, actor=author, token=str(held.claim_token), body=body or f"Thank you, reply {question.pk}."
        )
        if isinstance(accepted, ReplyDraft):
            raise AssertionError("this reply waits for approval: use send_approved")
        assert outbox.deliver(accepted.pk, channel).outcome == "sent"
        return Reply.objects.select_related("author", "question").get(pk=accepted.pk)

    def send_approved(author, body: str, *, approver, edited_body: str | None = None) -> Reply:
        """A reply that needed approval (`body` matches a rule), approved by `approver` (with an edit, if given)."""
        question = ask(author)
        held = claims.claim(question, actor=author)
        draft = services.send_reply(held, actor=author, token=str(held.claim_token), body=body)
        assert isinstance(draft, ReplyDraft)
        approvals.approve(draft, actor=approver, seen_sha256=text_hash(draft.text), edited_body=edited_body)
        reply = Reply.objects.get(question=question)
        assert outbox.deliver(reply.pk, channel).outcome == "sent"
        return Reply.objects.select_related("author", "question", "approval").get(pk=reply.pk)

    def follow_up(reply: Reply, text: str) -> None:
        """The customer writes again in the reply's conversation."""
        question = reply.question
        fake_x.mention(question.customer.handle, text, in_reply_to=reply.posted_id or question.source_post_id)
        ingest_mentions(channel)

    people.ask = ask
    people.send = send
    people.send_approved = send_approved
    people.follow_up = follow_up
    return people


def week_after(reply: Reply):
    """The reply's week, and a moment once that week is over (when the worker samples it)."""
    week = week_of(reply.sent_at)
    return week, timezone.now() + timedelta(days=8)
