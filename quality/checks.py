"""The automatic checks on a sent reply, pure (the sampler gathers the facts): deterministic flags that put a reply in
front of a reviewer and show on the review form. They never score a reply by themselves.

- `signature_missing`: the post does not end with its author's signature (^E042);
- `personal_data`: it contains what the approval rules' personal-data patterns find (a phone number, an e-mail or
  postal address, an order or card number), less the company's own numbers and addresses (the rules' allow-list);
- `sent_late`: X accepted it after the round's service level had run out;
- `edited_by_approver`: its approver changed the author's words while approving;
- `negative_follow_up`: the customer's next post in the conversation reads as unhappy (a short ja/en word list, matched
  on the NFKC-folded text);
- `first_replies`: one of the author's first replies ever (QUALITY_FIRST_REPLIES).
"""

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from inbox.approval_reasons import ReplyFacts, RiskRules, approval_reasons


class Flag(StrEnum):
    SIGNATURE_MISSING = "signature_missing"
    PERSONAL_DATA = "personal_data"
    SENT_LATE = "sent_late"
    EDITED_BY_APPROVER = "edited_by_approver"
    NEGATIVE_FOLLOW_UP = "negative_follow_up"
    FIRST_REPLIES = "first_replies"


# The flags that make a "check" pick (the other two are picks of their own reasons).
CHECK_FLAGS = (Flag.SIGNATURE_MISSING, Flag.PERSONAL_DATA, Flag.SENT_LATE, Flag.EDITED_BY_APPROVER)

NEGATIVE_WORDS = (
    "最悪",
    "ひどい",
    "酷い",
    "遅い",
    "不満",
    "がっかり",
    "二度と",
    "使えない",
    "腹が立つ",
    "ふざけ",
    "terrible",
    "worst",
    "useless",
    "disappointed",
    "disappointing",
    "awful",
    "horrible",
    "unacceptable",
    "ridiculous",
    "never again",
)


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


_FOLDED_NEGATIVE = tuple(_folded(word) for word in NEGATIVE_WORDS)


def reads_negative(text: str) -> bool:
    """The customer's post contains one of the negative words (width and case do not matter: ＷＯＲＳＴ, ﾋﾄﾞｲ)."""
    folded = _folded(text)
    return any(word in folded for word in _FOLDED_NEGATIVE)


@dataclass(frozen=True)
class SentReply:
    """What the checks know of one sent reply."""

    text: str
    signature: str
    sent_at: datetime
    due_at: datetime | None = None
    edited_by_approver: bool = False
    # The customer's first post in the conversation after the reply was sent, if any.
    follow_up: str | None = None
    among_first_replies: bool = False


def flags(reply: SentReply, rules: RiskRules) -> tuple[Flag, ...]:
    """Every flag of `reply`, in the order of Flag."""
    found: list[Flag] = []
    if not reply.text.rstrip().endswith(reply.signature):
        found.append(Flag.SIGNATURE_MISSING)
    if _has_personal_data(reply.text, rules):
        found.append(Flag.PERSONAL_DATA)
    if reply.due_at is not None and reply.sent_at > reply.due_at:
        found.append(Flag.SENT_LATE)
    if reply.edited_by_approver:
        found.append(Flag.EDITED_BY_APPROVER)
    if reply.follow_up is not None and reads_negative(reply.follow_up):
        found.append(Flag.NEGATIVE_FOLLOW_UP)
    if reply.among_first_replies:
        found.append(Flag.FIRST_REPLIES)
    return tuple(found)


def _has_personal_data(text: str, rules: RiskRules) -> bool:
    # The approval rules' own matcher, asked about personal data only: no keywords, no queue policy, no first replies.
    only_personal_data = RiskRules(
        version=rules.version, keywords=(), personal_data=rules.personal_data, allowed=rules.allowed, first_replies=0
    )
    return bool(approval_reasons(text, ReplyFacts(), only_personal_data))
