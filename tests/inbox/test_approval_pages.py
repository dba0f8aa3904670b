"""The pages of four-eyes approval: the composer says why a reply will need approval, the author sees it wait and come
back, approvers decide on their list, and the compliance officer reads who approved what and why."""

import pytest
from django.urls import reverse

from accounts.models import Role
from audit.models import AuditEntry
from inbox import approval_rules, approvals, claims
from inbox.models import ApprovalDecision, ApprovalRuleSet, Question, Reply, ReplyDraft
from tests import cast
from tests.helpers import signed_in

REFUND = "返金の手続きをご案内します。お電話 ０９０－１２３４－５６７８ まで。"


def _send_from_the_page(desk, body: str = REFUND):
    client = signed_in(desk.employee_a)
    client.post(reverse("inbox:claim", args=[desk.question.pk]))
    question = Question.objects.get(pk=desk.question.pk)
    response = client.post(
        reverse("inbox:send", args=[question.pk]), {"token": str(question.claim_token), "body": body}
    )
    return client, response


def test_the_composer_check_marks_what_needs_approval(desk):
    client = signed_in(desk.employee_a)
    claims.claim(desk.question, actor=desk.employee_a)
    url = reverse("inbox:approval_check", args=[desk.question.pk])
    needs = client.post(url, {"body": REFUND}, headers={"HX-Request": "true"}).content.decode()
    assert "<mark>返金</mark>" in needs and "<mark>０９０－１２３４－５６７８</mark>" in needs
    assert "keyword “返金”" in needs and "personal data (phone number)" in needs
    plain = client.post(url, {"body": "明日お届けします。"}, headers={"HX-Request": "true"}).content.decode()
    assert "No approval needed" in plain


def test_the_composer_check_follows_the_question_access(desk):
    response = signed_in(desk.employee_b).post(reverse("inbox:approval_check", args=[desk.question.pk]), {"body": "x"})
    assert response.status_code == 404


def test_sending_a_sensitive_reply_from_the_page_waits_for_approval(desk):
    client, response = _send_from_the_page(desk)
    assert response.status_code == 302
    assert Reply.objects.count() == 0
    page = client.get(reverse("inbox:question", args=[desk.question.pk])).content.decode()
    assert "Your reply needs approval before it goes to X" in page
    assert "Your reply waits for approval" in page and "Who may approve it: S100." in page
    assert 'id="reply-body"' not in page
    other = signed_in(desk.supervisor).get(reverse("inbox:question", args=[desk.question.pk])).content.decode()
    assert "E100's reply to this question waits for approval." in other


def test_approvers_see_the_list_and_others_are_refused(desk):
    _send_from_the_page(desk)
    assert signed_in(desk.employee_a).get(reverse("inbox:approvals")).status_code == 403
    assert signed_in(desk.compliance).get(reverse("inbox:approvals")).status_code == 403
    listing = signed_in(desk.supervisor).get(reverse("inbox:approvals")).content.decode()
    draft = ReplyDraft.objects.get()
    assert reverse("inbox:approval", args=[draft.pk]) in listing and "keyword “返金”" in listing
    badges = signed_in(desk.supervisor).get(reverse("inbox:badges")).content.decode()
    assert 'id="approvals-badge"' in badges and '<span class="count"' in badges
    assert signed_in(desk.administrator).get(reverse("inbox:approvals")).status_code == 200


def test_an_approver_decides_on_the_draft_page(desk):
    _send_from_the_page(desk)
    draft = ReplyDraft.objects.get()
    client = signed_in(desk.supervisor)
    page = client.get(reverse("inbox:approval", args=[draft.pk])).content.decode()
    assert "<mark>返金</mark>" in page and "Approve as written and send" in page and "Where is my order?" in page
    response = client.post(reverse("inbox:approve", args=[draft.pk]), {"seen": draft.text_sha256})
    assert response.status_code == 302
    assert Reply.objects.get().approval.approver == desk.supervisor
    decided = client.get(reverse("inbox:approval", args=[draft.pk])).content.decode()
    assert "Approved by S100" in decided and "Approve as written and send" not in decided


def test_the_author_reads_a_rejection_and_finds_the_text_back_in_the_reply_box(desk):
    client, _response = _send_from_the_page(desk)
    draft = ReplyDraft.objects.get()
    supervisor = signed_in(desk.supervisor)
    refused = supervisor.post(reverse("inbox:reject", args=[draft.pk]), {"seen": draft.text_sha256, "comment": ""})
    assert refused.status_code == 302 and not ApprovalDecision.objects.exists()
    supervisor.post(
        reverse("inbox:reject", args=[draft.pk]), {"seen": draft.text_sha256, "comment": "電話番号は載せないで"}
    )
    page = client.get(reverse("inbox:question", args=[desk.question.pk])).content.decode()
    assert "S100 rejected your reply: 電話番号は載せないで" in page
    assert 'id="reply-body"' in page and "返金の手続きをご案内します。" in page


def test_the_author_withdraws_a_waiting_reply_to_change_it(desk):
    client, _response = _send_from_the_page(desk)
    response = client.post(reverse("inbox:withdraw", args=[desk.question.pk]))
    assert response.status_code == 302
    page = client.get(reverse("inbox:question", args=[desk.question.pk])).content.decode()
    assert "Your reply is withdrawn from approval" in page and "返金の手続きをご案内します。" in page
    assert ReplyDraft.objects.get().status == ReplyDraft.Status.WITHDRAWN


def test_the_author_may_not_open_their_own_draft_for_a_decision(desk):
    writer = cast.approved("S101", by=desk.administrator, role=Role.SUPERVISOR, queues=[desk.queue_a])
    client = signed_in(writer)
    client.post(reverse("inbox:claim", args=[desk.question.pk]))
    question = Question.objects.get(pk=desk.question.pk)
    client.post(reverse("inbox:send", args=[question.pk]), {"token": str(question.claim_token), "body": REFUND})
    draft = ReplyDraft.objects.get()
    page = client.get(reverse("inbox:approval", args=[draft.pk])).content.decode()
    assert "You wrote or edited this reply" in page and "Approve as written and send" not in page
    client.post(reverse("inbox:approve", args=[draft.pk]), {"seen": draft.text_sha256})
    assert not ApprovalDecision.objects.exists()


def test_the_compliance_officer_reads_who_approved_what_and_why(desk):
    _send_from_the_page(desk)
    draft = ReplyDraft.objects.get()
    approvals.approve(draft, actor=desk.supervisor, seen_sha256=draft.text_sha256)
    timeline = signed_in(desk.compliance).get(reverse("audit:question_timeline", args=[desk.question.pk]))
    text = timeline.content.decode()
    assert "approved, reasons: keyword “返金”, personal data (phone number)" in text
    assert "S100" in text and draft.text_sha256 in text
    question_page = signed_in(desk.employee_a).get(reverse("inbox:question", args=[desk.question.pk])).content.decode()
    assert "approved, reasons: keyword “返金”, personal data (phone number)" in question_page


def test_supervisors_publish_a_new_version_of_the_rules(desk):
    client = signed_in(desk.supervisor)
    page = client.get(reverse("inbox:approval_rules")).content.decode()
    assert "返金" in page and "the built-in rules" in page
    response = client.post(
        reverse("inbox:approval_rules"),
        {
            "keywords": "補償\nrecall",
            "personal_data": ["phone", "email"],
            "allowed": "0120-000-000",
            "first_replies": 2,
        },
    )
    assert response.status_code == 302
    rules = approval_rules.rules_in_force()
    assert (rules.version, rules.keywords, rules.first_replies) == (1, ("補償", "recall"), 2)
    entry = AuditEntry.objects.get(action="inbox.approvalrules.published")
    assert entry.actor_number == "S100" and entry.after["keywords"] == ["補償", "recall"]
    assert signed_in(desk.employee_a).get(reverse("inbox:approval_rules")).status_code == 403


def test_a_bad_rules_form_publishes_nothing(desk):
    response = signed_in(desk.supervisor).post(
        reverse("inbox:approval_rules"), {"keywords": "x", "personal_data": ["nonsense"], "first_replies": -1}
    )
    assert response.status_code == 200 and not ApprovalRuleSet.objects.exists()


@pytest.mark.parametrize("approves", ["1", "0"])
def test_the_staff_page_names_and_removes_approvers(desk, approves):
    other = cast.approved("S101", by=desk.administrator, role=Role.SUPERVISOR)
    client = signed_in(desk.supervisor)
    url = reverse("accounts:set_approver_permission", args=[other.pk, desk.queue_a.pk])
    client.post(url, {"approves": "1"})
    client.post(url, {"approves": approves})
    actions = list(
        AuditEntry.objects.filter(action__startswith="accounts.approve_permission")
        .order_by("id")
        .values_list("action", flat=True)
    )
    expected = ["accounts.approve_permission.granted"] + (
        ["accounts.approve_permission.revoked"] if approves == "0" else []
    )
    assert actions == expected


def test_an_employee_cannot_be_named_approver(desk):
    client = signed_in(desk.supervisor)
    client.post(
        reverse("accounts:set_approver_permission", args=[desk.employee_a.pk, desk.queue_a.pk]), {"approves": "1"}
    )
    assert not AuditEntry.objects.filter(action="accounts.approve_permission.granted").exists()


def test_the_page_of_a_version_an_approvers_edit_replaced_leads_to_the_decided_one(desk):
    _send_from_the_page(desk)
    draft = ReplyDraft.objects.get()
    decision = approvals.approve(
        draft, actor=desk.supervisor, seen_sha256=draft.text_sha256, edited_body="返金はウェブのフォームからどうぞ。"
    )
    client = signed_in(desk.supervisor)
    response = client.get(reverse("inbox:approval", args=[draft.pk]))
    assert response["Location"] == reverse("inbox:approval", args=[decision.draft_id])
    page = client.get(response["Location"]).content.decode()
    assert "The reply, as approved" in page and "The approver changed the text." in page
    assert "返金はウェブのフォームからどうぞ。" in page and "<del>" in page


def test_deciding_on_a_withdrawn_reply_says_it_was_withdrawn(desk):
    client, _response = _send_from_the_page(desk)
    draft = ReplyDraft.objects.get()
    client.post(reverse("inbox:withdraw", args=[desk.question.pk]))
    supervisor = signed_in(desk.supervisor)
    response = supervisor.post(reverse("inbox:approve", args=[draft.pk]), {"seen": draft.text_sha256}, follow=True)
    assert "This reply was withdrawn" in response.content.decode()
