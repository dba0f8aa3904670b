"""The risk rules in force and the facts `approval_reasons` decides from, gathered from the database; publishing a new
version of the rules; and how a reason is said to a person.

The composer's preview, the send service and an approver's edit all ask `reasons_for`, so that they cannot disagree.
"""

import hashlib
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Employee
from audit import recorder

from .access import ensure_may_manage_approval_rules
from .approval_reasons import (
    PersonalData,
    Reason,
    ReasonKind,
    ReplyFacts,
    RiskRules,
    approval_reasons,
    same_text,
)
from .composer import reply_text
from .models import ApprovalRuleSet, Department, Question, Reply, ReplyTemplate
from .wording import listed

PERSONAL_DATA_KINDS = frozenset(kind.value for kind in PersonalData)
# The rules before any supervisor published a version: version 0, the built-in keywords, every kind of personal
# data, no allow-list, and no approval for new employees' first replies.
BUILT_IN = RiskRules()


def text_hash(text: str) -> str:
    """What an approval is bound to: the SHA-256 of the post's UTF-8 text (the database computes the same)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def as_rules(rule_set: ApprovalRuleSet) -> RiskRules:
    return RiskRules(
        version=rule_set.version,
        keywords=_lines(rule_set.keywords),
        personal_data=frozenset(PersonalData(kind) for kind in rule_set.personal_data if kind in PERSONAL_DATA_KINDS),
        allowed=_lines(rule_set.allowed),
        first_replies=rule_set.first_replies,
    )


def current_rule_set() -> ApprovalRuleSet | None:
    return ApprovalRuleSet.objects.order_by("-version").first()


def published_versions(limit: int = 20) -> list[ApprovalRuleSet]:
    """The newest versions, each with what it held as lists a page shows."""
    versions = list(ApprovalRuleSet.objects.select_related("published_by").order_by("-version")[:limit])
    for rule_set in versions:
        rule_set.keyword_list = _lines(rule_set.keywords)
        rule_set.personal_data_labels = [personal_data_label(kind) for kind in rule_set.personal_data]
        rule_set.allowed_list = _lines(rule_set.allowed)
    return versions


def rules_in_force() -> RiskRules:
    current = current_rule_set()
    return as_rules(current) if current else BUILT_IN


def facts_for(question: Question, author: Employee, template: ReplyTemplate | None) -> ReplyFacts:
    """What approval_reasons knows besides the text: the queue's policy, how many replies the author has had accepted
    (failed ones do not count), and the template the reply started from, as it would be posted by this author."""
    return ReplyFacts(
        queue_requires_approval=question.queue.requires_approval,
        author_replies_posted=Reply.objects.filter(author=author).exclude(status=Reply.Status.FAILED).count(),
        template_text=reply_text(template.body, author.signature) if template is not None else None,
    )


def reasons_for(
    question: Question,
    author: Employee,
    text: str,
    template: ReplyTemplate | None = None,
    *,
    purpose: str | None = None,
) -> tuple[Reason, ...]:
    """Why the post `text` (signature included) by `author` on `question` needs approval; empty: it needs none.

    The department's acknowledgement of an escalated question, sent as the department wrote it, counts as an
    unedited template: its words were reviewed when the department was set up (a refunds team's acknowledgement
    says "refund"). The queue's policy and the new-employee rule still apply; changed, it is an ordinary reply.
    `purpose` is what the reply is (Question.reply_purpose), given by a caller that decided it before marking the
    question answered."""
    facts = facts_for(question, author, template)
    if template is None and (purpose or question.reply_purpose()) == Reply.Purpose.ACKNOWLEDGEMENT:
        acknowledgement = _unedited_acknowledgement(question.department, author, text)
        if acknowledgement is not None:
            facts = replace(facts, template_text=acknowledgement)
    return approval_reasons(text, facts, rules_in_force())


def _unedited_acknowledgement(department: Department, author: Employee, text: str) -> str | None:
    for body in (department.acknowledgement_ja, department.acknowledgement_en):
        if body and same_text(text, reply_text(body, author.signature)):
            return reply_text(body, author.signature)
    return None


def reasons_as_data(reasons: Iterable[Reason]) -> list[dict]:
    """Reasons as stored on a draft or a decision (JSON)."""
    return [
        {
            "kind": reason.kind.value,
            "detail": reason.detail,
            "rule_version": reason.rule_version,
            "spans": [[span.start, span.end] for span in reason.spans],
        }
        for reason in reasons
    ]


def reason_codes(reasons: Iterable[Reason | dict]) -> list[str]:
    """Reasons as the audit trail records them: "keyword:返金", "personal_data:phone", "queue_policy"."""
    codes = []
    for reason in reasons:
        kind, detail = (reason["kind"], reason["detail"]) if isinstance(reason, dict) else (reason.kind, reason.detail)
        codes.append(f"{kind}:{detail}" if detail else str(kind))
    return codes


def describe_code(code: str) -> str:
    """One reason in the reader's language, from its code (reason_codes)."""
    kind, _sep, detail = code.partition(":")
    if kind == ReasonKind.QUEUE_POLICY:
        return _("the queue requires approval")
    if kind == ReasonKind.NEW_EMPLOYEE:
        return _("one of the author's first replies")
    if kind == ReasonKind.TEMPLATE_EDITED:
        return _("a template, edited")
    if kind == ReasonKind.KEYWORD:
        return _("keyword “%(keyword)s”") % {"keyword": detail}
    if kind == ReasonKind.PERSONAL_DATA:
        return _("personal data (%(kind)s)") % {"kind": personal_data_label(detail)}
    return code


def personal_data_label(kind: str) -> str:
    labels = {
        PersonalData.PHONE: _("phone number"),
        PersonalData.EMAIL: _("e-mail address"),
        PersonalData.POSTAL_ADDRESS: _("postal address"),
        PersonalData.ORDER_NUMBER: _("order number"),
        PersonalData.CARD_NUMBER: _("card number"),
    }
    return str(labels.get(kind, kind))


def describe(reasons: Iterable[Reason | dict | str]) -> list[str]:
    """Each reason in the reader's language."""
    return [describe_code(reason if isinstance(reason, str) else reason_codes([reason])[0]) for reason in reasons]


def describe_entry(action: str, after: dict) -> str:
    """What an approval's entry in the trail says, in the reader's language: the question page's history and the
    compliance pages show it ("approved, reasons: personal data (phone number)")."""
    reasons = listed(describe(after.get("reasons") or []))
    if action == "inbox.approval.required":
        return _("reasons: %(reasons)s") % {"reasons": reasons}
    if action == "inbox.approval.decided":
        if after.get("verdict") == "rejected":
            return _("rejected, reasons: %(reasons)s; comment: %(comment)s") % {
                "reasons": reasons,
                "comment": after.get("comment", ""),
            }
        if after.get("edited"):
            return _("approved with the approver's changes, reasons: %(reasons)s") % {"reasons": reasons}
        return _("approved, reasons: %(reasons)s") % {"reasons": reasons}
    if action == "inbox.approval.withdrawn":
        return str(after.get("reason") or _("by its author"))
    if action == "inbox.approval.stale":
        return _("the customer wrote again before a decision")
    if action == "inbox.approval.superseded":
        return _("replaced by a version written by %(number)s") % {"number": after.get("written_by", "")}
    return ""


# --- publishing ---------------------------------------------------------------------------------------------------


def _as_record(rules: RiskRules) -> dict:
    return {
        "version": rules.version,
        "keywords": list(rules.keywords),
        "personal_data": sorted(kind.value for kind in rules.personal_data),
        "allowed": list(rules.allowed),
        "first_replies": rules.first_replies,
    }


@transaction.atomic(durable=True)
def publish_rules(
    *,
    actor: Employee,
    keywords: str,
    personal_data: Iterable[str],
    allowed: str,
    first_replies: int,
    now: datetime | None = None,
) -> ApprovalRuleSet:
    """A new version of the risk rules, in force from now for every reply not yet decided."""
    ensure_may_manage_approval_rules(actor)
    before = rules_in_force()
    version = (ApprovalRuleSet.objects.aggregate(newest=Max("version"))["newest"] or 0) + 1
    rule_set = ApprovalRuleSet.objects.create(
        version=version,
        keywords="\n".join(_lines(keywords)),
        personal_data=sorted({PersonalData(kind).value for kind in personal_data}),
        allowed="\n".join(_lines(allowed)),
        first_replies=first_replies,
        published_at=now or timezone.now(),
        published_by=actor,
    )
    recorder.record(
        "inbox.approvalrules.published",
        actor=actor,
        target=rule_set,
        before=_as_record(before),
        after=_as_record(as_rules(rule_set)),
    )
    return rule_set
