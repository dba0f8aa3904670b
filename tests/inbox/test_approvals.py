"""Four eyes: a reply that needs approval waits for an approver, and nothing reaches the outbox without the approval
of its exact text (the service decides again, and on PostgreSQL the database refuses what slips past it)."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from accounts import services as staff
from accounts.models import Role
from inbox import approval_rules, approval_selectors, approval_sweep, approvals, claims, outbox, services
from inbox.approval_rules import text_hash
from inbox.configuration import save_setting
from inbox.errors import (
    AlreadyClaimed,
    AlreadyDecided,
    ApprovalRequired,
    AwaitingApproval,
    ChangedSinceShown,
    CommentRequired,
    EditsNotAllowed,
    NotAllowedToApprove,
)
from inbox.models import ApprovalDecision, Notification, Question, Reply, ReplyDraft, ReplyTemplate
from inbox.replies import accept_reply
from tests import cast
from tests.concurrency import at_once
from tests.helpers import actions_for, actions_since, last_entry_id

PLAIN = "明日お届け予定です。Arriving tomorrow."
REFUND = "返金の手続きをご案内します。"


@pytest.fixture
def desk(people, routed_to_a, ask):
    """A customer's question in queue A; E100 answers A; S100 approves every queue (none names approvers)."""
    people.question = ask("Where is my order? 注文はどこですか", customer="kato")
    return people


def held(question: Question, by) -> Question:
    return claims.claim(question, actor=by)


def send(question: Question, by, body: str, template: ReplyTemplate | None = None):
    question.refresh_from_db()
    return services.send_reply(question, actor=by, token=str(question.claim_token), body=body, template=template)


def waiting(desk, body: str = REFUND) -> ReplyDraft:
    """E100's reply, held for approval."""
    draft = send(held(desk.question, desk.employee_a), desk.employee_a, body)
    assert isinstance(draft, ReplyDraft)
    return draft


# --- what needs approval -----------------------------------------------------------------------------------------


def test_a_plain_reply_goes_to_the_outbox_at_once(desk):
    reply = send(held(desk.question, desk.employee_a), desk.employee_a, PLAIN)
    assert isinstance(reply, Reply) and reply.approval is None and not reply.needed_approval
    assert ReplyDraft.objects.count() == 0


def test_a_queue_that_requires_approval_holds_every_reply(desk):
    desk.queue_a.requires_approval = True
    save_setting(desk.queue_a, actor=desk.administrator)
    draft = send(held(desk.question, desk.employee_a), desk.employee_a, PLAIN)
    assert isinstance(draft, ReplyDraft)
    assert [r["kind"] for r in draft.reasons] == ["queue_policy"]
    assert Reply.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "kind", "detail", "marked"),
    [
        (REFUND, "keyword", "返金", "返金"),
        ("Your refund is on its way.", "keyword", "refund", "refund"),
        (
            "お電話番号０９０－１２３４－５６７８までご連絡ください。",
            "personal_data",
            "phone",
            "０９０－１２３４－５６７８",
        ),
        ("Please write to taro@example.com", "personal_data", "email", "taro@example.com"),
        ("〒100-0005 へお送りします。", "personal_data", "postal_address", "〒100-0005"),
        ("注文番号48213 を確認しました。", "personal_data", "order_number", "注文番号48213"),
        ("カード 4111 1111 1111 1111 は使えません", "personal_data", "card_number", "4111 1111 1111 1111"),
    ],
)
def test_each_rule_kind_holds_the_reply_and_marks_what_matched(desk, body, kind, detail, marked):
    draft = waiting(desk, body)
    (reason,) = draft.reasons
    assert (reason["kind"], reason["detail"]) == (kind, detail)
    (start, end), *_ = reason["spans"]
    assert draft.text[start:end] == marked


def test_a_new_employees_first_replies_need_approval(desk):
    approval_rules.publish_rules(actor=desk.supervisor, keywords="", personal_data=[], allowed="", first_replies=1)
    draft = send(held(desk.question, desk.employee_a), desk.employee_a, PLAIN)
    assert [r["kind"] for r in draft.reasons] == ["new_employee"]
    assert draft.rule_version == 1


def test_the_companys_own_number_is_allowed(desk):
    approval_rules.publish_rules(
        actor=desk.supervisor, keywords="", personal_data=["phone"], allowed="0120-123-456", first_replies=0
    )
    reply = send(held(desk.question, desk.employee_a), desk.employee_a, "お客様相談室 0120-123-456 までどうぞ。")
    assert isinstance(reply, Reply)


def test_an_unedited_template_is_exempt_and_an_edited_one_is_not(desk, ask):
    template = save_setting(ReplyTemplate(title="Refunds", body="返金は5営業日以内です。", queue=None), actor=None)
    unedited = send(held(desk.question, desk.employee_a), desk.employee_a, template.body, template)
    assert isinstance(unedited, Reply)
    other = ask("My order is broken", customer="mori")
    edited = send(held(other, desk.employee_a), desk.employee_a, template.body + "ご迷惑をおかけしました。", template)
    assert isinstance(edited, ReplyDraft)
    assert {r["kind"] for r in edited.reasons} == {"template_edited", "keyword"}


# --- while it waits ----------------------------------------------------------------------------------------------


def test_while_waiting_the_author_keeps_the_question_with_the_lease_paused(desk):
    draft = waiting(desk)
    question = Question.objects.get(pk=draft.question_id)
    assert question.awaiting_approval and question.holder_id == desk.employee_a.pk
    later = timezone.now() + timedelta(hours=5)
    assert claims.release_expired(now=later) == 0
    colleague = cast.approved("E101", by=desk.supervisor, role=Role.EMPLOYEE, queues=[desk.queue_a])
    with pytest.raises(AlreadyClaimed):
        claims.claim(question, actor=colleague, now=later)
    with pytest.raises(AwaitingApproval):
        claims.claim(question, actor=desk.employee_a)
    assert actions_for(question)[-2:] == ["inbox.question.claimed", "inbox.approval.required"]


@pytest.mark.parametrize("how", ["force_release", "reassign", "close", "release"])
def test_ending_the_claim_withdraws_the_waiting_reply(desk, how):
    draft = waiting(desk)
    question = Question.objects.get(pk=draft.question_id)
    colleague = cast.approved("E101", by=desk.supervisor, role=Role.EMPLOYEE, queues=[desk.queue_a])
    mark = last_entry_id()
    if how == "force_release":
        claims.force_release(question, actor=desk.supervisor, reason="Training")
    elif how == "reassign":
        claims.reassign(question, actor=desk.supervisor, to=colleague, reason="E101 knows it")
    elif how == "close":
        services.close_question(question, actor=desk.supervisor, reason="Spam")
    else:
        claims.release(question, actor=desk.employee_a)
    draft.refresh_from_db()
    question.refresh_from_db()
    assert draft.status == ReplyDraft.Status.WITHDRAWN and not question.awaiting_approval
    assert "inbox.approval.withdrawn" in actions_since(mark)
    with pytest.raises(AlreadyDecided):
        approvals.approve(draft, actor=desk.supervisor, seen_sha256=draft.text_sha256)
    assert Reply.objects.count() == 0


def test_suspending_the_author_withdraws_the_waiting_reply(desk):
    draft = waiting(desk)
    staff.suspend_employee(desk.employee_a, actor=desk.supervisor, reason="Left")
    draft.refresh_from_db()
    assert draft.status == ReplyDraft.Status.WITHDRAWN


def test_the_author_withdraws_to_change_it_and_holds_the_question_again(desk):
    draft = waiting(desk)
    question = Question.objects.get(pk=draft.question_id)
    approvals.withdraw(question, actor=desk.employee_a)
    question.refresh_from_db()
    assert question.holder_id == desk.employee_a.pk and not question.awaiting_approval
    assert question.lease_ends > timezone.now()
    again = send(question, desk.employee_a, REFUND + "よろしくお願いします。")
    assert isinstance(again, ReplyDraft) and again.version == 2


# --- deciding ----------------------------------------------------------------------------------------------------


def test_approval_queues_the_exact_text_signed_by_the_author(desk):
    draft = waiting(desk)
    mark = last_entry_id()
    decision = approvals.approve(draft, actor=desk.supervisor, seen_sha256=draft.text_sha256)
    reply = Reply.objects.get(question=draft.question_id)
    assert reply.approval == decision and reply.needed_approval
    assert reply.text == draft.text and reply.text.endswith("^E100") and reply.author == desk.employee_a
    assert Question.objects.get(pk=draft.question_id).status == Question.Status.ANSWERED
    assert actions_since(mark) == ["inbox.approval.decided", "inbox.reply.queued"]
    told = Notification.objects.get(recipient=desk.employee_a)
    assert (told.kind, told.by) == (Notification.Kind.REPLY_APPROVED, "S100")


def test_approving_a_text_other_than_the_one_shown_is_refused(desk):
    draft = waiting(desk)
    with pytest.raises(ChangedSinceShown):
        approvals.approve(draft, actor=desk.supervisor, seen_sha256=text_hash("something else"))
    assert ApprovalDecision.objects.count() == 0


def test_a_supervisor_cannot_approve_their_own_reply(desk):
    writer = cast.approved("S101", by=desk.administrator, role=Role.SUPERVISOR, queues=[desk.queue_a])
    draft = send(held(desk.question, writer), writer, REFUND)
    with pytest.raises(NotAllowedToApprove) as refused:
        approvals.approve(draft, actor=writer, seen_sha256=draft.text_sha256)
    assert "nobody approves their own words" in refused.value.message
    assert not approval_selectors.waiting_for(writer).exists()
    assert approval_selectors.waiting_for(desk.supervisor).get() == draft


def test_with_no_other_approver_the_draft_goes_to_the_fallback_approvers(desk):
    """S100 is the desk's only supervisor and wrote the reply: the administrator (a fallback approver) decides."""
    staff.grant_queue(desk.supervisor, desk.queue_a, actor=desk.administrator)
    draft = send(held(desk.question, desk.supervisor), desk.supervisor, REFUND)
    assert draft.escalation == ReplyDraft.Escalation.FALLBACK
    assert approval_selectors.waiting_for(desk.administrator).get() == draft
    approvals.approve(draft, actor=desk.administrator, seen_sha256=draft.text_sha256)
    assert Reply.objects.get(question=draft.question_id).author == desk.supervisor


def test_edit_on_approve_is_a_new_version_by_the_approver_with_its_reasons_found_again(desk):
    draft = waiting(desk)
    mark = last_entry_id()
    decision = approvals.approve(
        draft, actor=desk.supervisor, seen_sha256=draft.text_sha256, edited_body=REFUND + "０３－１２３４－５６７８"
    )
    draft.refresh_from_db()
    assert draft.status == ReplyDraft.Status.SUPERSEDED
    edited = decision.draft
    assert (edited.version, edited.written_by, edited.author) == (2, desk.supervisor, desk.employee_a)
    assert decision.edited and decision.text_seen_sha256 == draft.text_sha256
    assert {(r["kind"], r["detail"]) for r in decision.reasons} == {("keyword", "返金"), ("personal_data", "phone")}
    reply = Reply.objects.get(question=draft.question_id)
    assert reply.text == edited.text and reply.text.endswith("^E100")
    assert actions_since(mark) == ["inbox.approval.superseded", "inbox.approval.decided", "inbox.reply.queued"]
    assert Notification.objects.get(recipient=desk.employee_a).kind == Notification.Kind.REPLY_APPROVED_EDITED


def test_a_queue_may_forbid_edits_on_approve(desk):
    desk.queue_a.approvers_may_edit = False
    save_setting(desk.queue_a, actor=desk.administrator)
    draft = waiting(desk)
    with pytest.raises(EditsNotAllowed):
        approvals.approve(draft, actor=desk.supervisor, seen_sha256=draft.text_sha256, edited_body="Another text")
    approvals.approve(draft, actor=desk.supervisor, seen_sha256=draft.text_sha256, edited_body=draft.body)
    assert Reply.objects.get(question=draft.question_id).text == draft.text


def test_rejection_goes_back_to_the_author_with_the_comment(desk):
    draft = waiting(desk)
    with pytest.raises(CommentRequired):
        approvals.reject(draft, actor=desk.supervisor, seen_sha256=draft.text_sha256, comment="  ")
    approvals.reject(draft, actor=desk.supervisor, seen_sha256=draft.text_sha256, comment="Refunds go by the web form")
    question = Question.objects.get(pk=draft.question_id)
    assert question.holder_id == desk.employee_a.pk and not question.awaiting_approval
    assert question.lease_ends > timezone.now()
    told = Notification.objects.get(recipient=desk.employee_a)
    assert (told.kind, told.reason) == (Notification.Kind.REPLY_REJECTED, "Refunds go by the web form")
    assert Reply.objects.count() == 0
    resent = send(question, desk.employee_a, REFUND + "ウェブフォームからお願いします。")
    assert resent.version == 2 and resent.status == ReplyDraft.Status.PENDING


def test_a_new_customer_post_makes_the_waiting_reply_stale(desk, ask):
    draft = waiting(desk)
    ask("もう一つ質問です", customer="kato", in_reply_to=desk.question.source_post_id)
    draft.refresh_from_db()
    assert draft.status == ReplyDraft.Status.STALE
    question = Question.objects.get(pk=draft.question_id)
    assert not question.awaiting_approval and question.holder_id == desk.employee_a.pk
    with pytest.raises(AlreadyDecided):
        approvals.approve(draft, actor=desk.supervisor, seen_sha256=draft.text_sha256)
    assert Notification.objects.get(recipient=desk.employee_a).kind == Notification.Kind.DRAFT_STALE
    assert "inbox.approval.stale" in actions_for(question)
    resent = send(question, desk.employee_a, REFUND)
    assert resent.based_on_post_id == question.last_post_id != draft.based_on_post_id


@pytest.mark.django_db(transaction=True)
def test_two_approvers_pressing_approve_at_once_make_one_decision(desk):
    other = cast.approved("S101", by=desk.administrator, role=Role.SUPERVISOR)
    draft = waiting(desk)

    def press(approver) -> str:
        try:
            approvals.approve(draft, actor=approver, seen_sha256=draft.text_sha256)
        except AlreadyDecided:
            return "refused"
        return "approved"

    assert sorted(at_once([desk.supervisor, other], press)) == ["approved", "refused"]
    assert ApprovalDecision.objects.count() == 1 and Reply.objects.count() == 1


def test_an_approver_who_loses_the_permission_mid_way_is_refused(desk):
    draft = waiting(desk)
    seen = draft.text_sha256  # the supervisor opened the page...
    other = cast.approved("S101", by=desk.administrator, role=Role.SUPERVISOR)
    staff.name_approver(other, desk.queue_a, actor=desk.administrator)  # ...then queue A named its own approver
    with pytest.raises(NotAllowedToApprove):
        approvals.approve(draft, actor=desk.supervisor, seen_sha256=seen)
    staff.change_role(other, actor=desk.administrator, role=Role.EMPLOYEE)  # with no approver left, supervisors again
    approvals.approve(draft, actor=desk.supervisor, seen_sha256=seen)


def test_x_refusing_an_approved_reply_gives_it_back_to_the_author_and_the_approval_is_spent(desk, fake_x, channel):
    """Named approver A901 (an administrator) edits and approves; X refuses; the author tries again with the same
    words, and A901, who wrote part of them, may not approve them."""
    approver = cast.administrator("A901")
    staff.name_approver(approver, desk.queue_a, actor=desk.administrator)
    draft = waiting(desk)
    decision = approvals.approve(
        draft, actor=approver, seen_sha256=draft.text_sha256, edited_body=REFUND + "詳しくはウェブで。"
    )
    reply = Reply.objects.get(approval=decision)
    fake_x.delete_tweet(reply.in_reply_to)
    assert outbox.deliver(reply.pk, channel).outcome == "failed"
    question = Question.objects.get(pk=reply.question_id)
    assert (question.status, question.holder_id) == (Question.Status.OPEN, desk.employee_a.pk)
    with transaction.atomic(), pytest.raises(ApprovalRequired):
        accept_reply(
            question,
            author=desk.employee_a,
            actor=desk.administrator,
            text="Other",
            now=timezone.now(),
            approval=decision,
        )
    again = send(question, desk.employee_a, REFUND + "詳しくはウェブで。")
    with pytest.raises(NotAllowedToApprove):
        approvals.approve(again, actor=approver, seen_sha256=again.text_sha256)
    assert fake_x.replies_posted() == []


# --- no way round it -----------------------------------------------------------------------------------------------


def test_the_outbox_refuses_a_reply_needing_approval_without_one(desk):
    question = held(desk.question, desk.employee_a)
    Question.objects.filter(pk=question.pk).update(status=Question.Status.ANSWERED)
    with transaction.atomic(), pytest.raises(ApprovalRequired):
        accept_reply(
            question, author=desk.employee_a, actor=desk.employee_a, text=REFUND + "\n^E100", now=timezone.now()
        )
    assert Reply.objects.count() == 0


def test_the_admin_has_no_way_to_write_replies_drafts_or_decisions(desk, client):
    client.force_login(desk.administrator)
    for model in ("reply", "replydraft", "approvaldecision"):
        assert client.get(f"/admin/inbox/{model}/add/").status_code == 404


def _insert_reply(question: Question, text: str, **fields) -> None:
    with transaction.atomic():
        Reply.objects.create(
            question=question,
            round=question.round,
            author_id=question.holder_id or 1,
            text=text,
            in_reply_to=question.last_post_id,
            **fields,
        )


def test_the_database_refuses_a_reply_marked_as_needing_approval_without_one(desk):
    with pytest.raises(IntegrityError):
        _insert_reply(desk.question, "x", needed_approval=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the approval trigger is PostgreSQL's")
def test_the_database_refuses_a_direct_outbox_insert_without_the_approval_it_needs(desk):
    desk.queue_a.requires_approval = True
    save_setting(desk.queue_a, actor=desk.administrator)
    question = held(desk.question, desk.employee_a)
    with pytest.raises(IntegrityError):
        _insert_reply(question, PLAIN)
    draft = send(question, desk.employee_a, PLAIN)
    decision = approvals.approve(draft, actor=desk.supervisor, seen_sha256=draft.text_sha256)
    reply = Reply.objects.get(approval=decision)
    with pytest.raises(IntegrityError), transaction.atomic():
        Reply.objects.filter(pk=reply.pk).update(text="Something the approver never saw")
    with pytest.raises(DatabaseError, match="never changed"), transaction.atomic():
        ApprovalDecision.objects.filter(pk=decision.pk).update(text_sha256=text_hash("forged"))
    Reply.objects.filter(pk=reply.pk).update(status=Reply.Status.FAILED)
    with pytest.raises(IntegrityError):
        _insert_reply(question, "Another text\n^E100", approval=decision, needed_approval=True)


# --- the approval service level ----------------------------------------------------------------------------------


def test_the_sweep_warns_the_approvers_then_asks_the_fallback_approvers_once(desk):
    draft = waiting(desk)
    at_warn = draft.warn_at + timedelta(seconds=1)
    assert approval_sweep.escalate_overdue(now=at_warn).warned == 1
    assert approval_sweep.escalate_overdue(now=at_warn).warned == 0
    assert Notification.objects.get(kind=Notification.Kind.APPROVAL_OVERDUE).recipient == desk.supervisor
    assert approval_selectors.waiting_for(desk.administrator).count() == 0
    result = approval_sweep.escalate_overdue(now=draft.fallback_at + timedelta(seconds=1))
    assert (result.warned, result.fallback) == (0, 1)
    # The administrators, fallback approvers too, read no notifications: the navigation's count tells them.
    fallback_told = Notification.objects.filter(kind=Notification.Kind.APPROVAL_FALLBACK)
    assert {n.recipient for n in fallback_told} == {desk.supervisor}
    assert approval_selectors.waiting_for(desk.administrator).get() == draft
    question = Question.objects.get(pk=draft.question_id)
    assert actions_for(question)[-2:] == ["inbox.approval.approvers_warned", "inbox.approval.fallback_opened"]


# --- the report ----------------------------------------------------------------------------------------------------


def test_the_report_gives_waits_and_rejections_by_reason(desk):
    draft = waiting(desk)
    submitted = draft.submitted_at
    approvals.reject(
        draft, actor=desk.supervisor, seen_sha256=draft.text_sha256, comment="No", now=submitted + timedelta(minutes=10)
    )
    question = Question.objects.get(pk=draft.question_id)
    again = send(question, desk.employee_a, REFUND + "再送")
    approvals.approve(
        again, actor=desk.supervisor, seen_sha256=again.text_sha256, now=again.submitted_at + timedelta(minutes=2)
    )
    report = approval_selectors.report(timezone.now() + timedelta(minutes=15))
    assert (report.waiting, report.decided, report.rejected) == (0, 2, 1)
    assert report.median_wait == timedelta(minutes=6)
    assert report.p90_wait == timedelta(minutes=10)
    assert report.rejections_by_reason == [("keyword “返金”", 1)]


def test_the_percentile_is_the_nearest_rank():
    waits = [timedelta(minutes=m) for m in range(1, 11)]
    assert approval_selectors.percentile(waits, 90) == timedelta(minutes=9)
    assert approval_selectors.percentile(waits[:1], 90) == timedelta(minutes=1)
    assert approval_selectors.percentile([], 90) is None


def test_the_diff_compares_latin_words_whole_and_japanese_by_character():
    def changes(old, new):
        segments = approval_selectors.diff(old, new)
        return [s.text for s in segments if s.change == "removed"], [s.text for s in segments if s.change == "added"]

    # Whole words change, never letters inside them ("at" does not become "a" plus a stray "t").
    assert changes("Please call us at 090", "Please send us a DM") == (["call", "at", "090"], ["send", "a", "DM"])
    assert changes("返金いたします。", "交換いたします。") == (["返金"], ["交換"])
