"""What the reports' tests share.

`report_desk`: questions asked on the fake X at given moments (backdated posts: the question's time is the post's
`created_at` on X, whenever the desk fetches it), answered, approved and escalated through the desk's own services
with `now=` at given moments, and posted through the real outbox. Times are on the desk's clock (Asia/Tokyo) in
November 2026, so no figure depends on when the suite runs.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import count
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings

from accounts import services as staff
from accounts.models import Role
from inbox import approvals, claims, escalations, outbox, services
from inbox.approval_rules import text_hash
from inbox.configuration import save_setting
from inbox.ingest import ingest_mentions
from inbox.models import Department, Escalation, Question, Reply, ReplyDraft, RoutingRule
from reports import rollups
from reports.figures import period_report
from tests import cast

JST = ZoneInfo("Asia/Tokyo")
# Words the default approval rules hold for an approver.
NEEDS_APPROVAL = "返金の手続きをご案内します。"


def jst(moment: str) -> datetime:
    """A moment on the desk's clock: jst("2026-11-10 10:00")."""
    return datetime.fromisoformat(moment).replace(tzinfo=JST)


@dataclass
class ReportDesk:
    """The cast (E100 answers queue A, E200 queue B, S100 supervises and approves), a payments team with a member
    (D100), and the moves a report counts, each at a given moment."""

    people: object
    fake_x: object
    channel: object
    refunds: Department
    member: object

    def __post_init__(self):
        self._numbers = count(1)
        self._latest_post: datetime | None = None

    # --- the customer, on X ----------------------------------------------------------------------------------------

    def _post(self, author: str, text: str, at: datetime, in_reply_to: str | None = None) -> str:
        # The desk reads mentions newer than its cursor, and a backdated post's id encodes its moment: a post older
        # than one already read would never be read. The tests post in time order, as customers do.
        if self._latest_post is not None and at < self._latest_post:
            raise AssertionError(f"post in time order: {at} is before {self._latest_post}")
        self._latest_post = at
        post_id = self.fake_x.post_as(author, text, in_reply_to=in_reply_to, at=at)
        ingest_mentions(self.channel)
        return post_id

    def ask(self, at: datetime, text: str = "Where is my order?", *, customer: str | None = None) -> Question:
        """A new customer @mentions the account at `at` (queue A for "order", queue B for "repair")."""
        customer = customer or f"customer_{next(self._numbers)}"
        post_id = self._post(customer, f"@{self.fake_x.account_username} {text}", at)
        return Question.objects.get(posts__network_id=post_id)

    def follow_up(self, question: Question, at: datetime, text: str = "Any news?") -> Question:
        question.refresh_from_db()
        self._post(question.customer.handle, text, at, in_reply_to=question.last_post_id)
        question.refresh_from_db()
        return question

    # --- the desk --------------------------------------------------------------------------------------------------

    def claim(self, question: Question, by, at: datetime) -> Question:
        return claims.claim(question, actor=by, now=at)

    def write(self, question: Question, *, by=None, claimed: datetime, written: datetime, body: str | None = None):
        """`by` claims at `claimed` (renewing the lease as the compose page does) and sends at `written`: the reply
        queued, or a draft waiting for approval."""
        by = by or self.people.employee_a
        held = claims.claim(question, actor=by, now=claimed)
        moment = claimed
        while written - moment >= self._lease_step():
            moment += self._lease_step()
            held = claims.renew(held, actor=by, token=held.claim_token, now=moment)
        body = body or f"Thank you for waiting, here is the answer ({next(self._numbers)})."
        return services.send_reply(held, actor=by, token=str(held.claim_token), body=body, now=written)

    def answer(
        self,
        question: Question,
        *,
        by=None,
        claimed: datetime,
        written: datetime,
        posted: datetime,
        body: str | None = None,
    ) -> Reply:
        """A reply that needs no approval, written and posted at the given moments."""
        reply = self.write(question, by=by, claimed=claimed, written=written, body=body)
        assert isinstance(reply, Reply), "this reply waits for approval"
        return self.post(reply, queued=written, posted=posted)

    def approve(self, draft: ReplyDraft, at: datetime, *, by=None, edited_body: str | None = None) -> Reply:
        approvals.approve(
            draft,
            actor=by or self.people.supervisor,
            seen_sha256=text_hash(draft.text),
            edited_body=edited_body,
            now=at,
        )
        return Reply.objects.get(question_id=draft.question_id, round=draft.round, status=Reply.Status.QUEUED)

    def reject(self, draft: ReplyDraft, at: datetime, *, by=None, comment: str = "Say when, please."):
        return approvals.reject(
            draft, actor=by or self.people.supervisor, seen_sha256=text_hash(draft.text), comment=comment, now=at
        )

    def post(self, reply: Reply, *, queued: datetime, posted: datetime) -> Reply:
        """The outbox posts the reply to the fake X. The outbox stamps a reply queued (`created_at`, auto_now_add)
        and posted (`sent_at`, when X answered 201) with the wall clock, so both are set to the test's moments
        afterwards: the one place these tests write reply times themselves."""
        assert outbox.deliver(reply.pk, self.channel).outcome == "sent"
        Reply.objects.filter(pk=reply.pk).update(created_at=queued, sent_at=posted)
        return Reply.objects.get(pk=reply.pk)

    def escalate(
        self, question: Question, at: datetime, *, reason: str = Escalation.Reason.RESPONSIBILITY, note: str = "Charged"
    ) -> Escalation:
        """A supervisor hands the question to the payments team (internal: the customer is told nothing)."""
        return escalations.escalate(
            question,
            actor=self.people.supervisor,
            department=self.refunds,
            reason=reason,
            note=note,
            now=at,
        )

    # --- the reports -----------------------------------------------------------------------------------------------

    def refresh(self, first: date, last: date, *, now: datetime) -> int:
        return rollups.refresh_days(first, last, now=now)

    def report(self, first: date, last: date, *, now: datetime) -> dict:
        """The worker's refresh of the period's days at `now`, then the period's report."""
        self.refresh(first, last, now=now)
        return period_report(first, last, now=now)

    def _lease_step(self) -> timedelta:
        return django_settings.CLAIM_LEASE / 2


@pytest.fixture
def report_desk(people, fake_x, channel, settings) -> ReportDesk:
    """Questions about orders land in queue A, about repairs in queue B; every question's level is the normal
    priority's, set here to 60 minutes, and the desk's clock is Tokyo's, whatever the environment says."""
    settings.TIME_ZONE = "Asia/Tokyo"
    settings.SERVICE_LEVEL_MINUTES = {3: 15, 2: 30, 1: 60, 0: 240}
    settings.REPORT_BUSINESS_HOURS = ("09:00", "18:00", (0, 1, 2, 3, 4))
    save_setting(RoutingRule(name="Orders", keywords="order", queue=people.queue_a), actor=None)
    save_setting(RoutingRule(name="Repairs", keywords="repair", queue=people.queue_b), actor=None)
    refunds = save_setting(
        Department(
            code="refunds",
            name_ja="返金チーム",
            name_en="Payments team",
            acknowledgement_ja="担当より詳しくご案内いたします。",
            acknowledgement_en="Our payments team will take care of this.",
            accept_within_minutes=30,
            resolve_within_minutes=240,
        ),
        actor=people.administrator,
    )
    member = cast.approved("D100", by=people.supervisor, role=Role.EMPLOYEE)
    staff.join_department(member, refunds, actor=people.supervisor)
    return ReportDesk(people, fake_x, channel, refunds, member)
