"""The automatic checks on a sent reply (quality/checks.py), pure."""

from datetime import UTC, datetime, timedelta

from inbox.approval_reasons import RiskRules
from quality.checks import Flag, SentReply, flags, reads_negative

SENT = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
RULES = RiskRules()


def reply(**changes) -> SentReply:
    fields = {"text": "明日お届けします。\n^E100", "signature": "^E100", "sent_at": SENT} | changes
    return SentReply(**fields)


def test_a_plain_reply_on_time_has_no_flag():
    assert flags(reply(due_at=SENT + timedelta(minutes=5)), RULES) == ()


def test_a_reply_without_its_authors_signature_is_flagged():
    assert flags(reply(text="明日お届けします。"), RULES) == (Flag.SIGNATURE_MISSING,)
    assert flags(reply(text="明日お届けします。\n^E200"), RULES) == (Flag.SIGNATURE_MISSING,)


def test_personal_data_is_flagged_but_not_the_companys_own_number():
    assert flags(reply(text="090-1234-5678 にお電話ください。\n^E100"), RULES) == (Flag.PERSONAL_DATA,)
    company = RiskRules(allowed=("0120-123-456",))
    assert flags(reply(text="0120-123-456 までお電話ください。\n^E100"), company) == ()


def test_a_reply_sent_after_the_service_level_is_flagged():
    assert flags(reply(due_at=SENT - timedelta(seconds=1)), RULES) == (Flag.SENT_LATE,)
    assert flags(reply(due_at=SENT), RULES) == ()
    assert flags(reply(due_at=None), RULES) == ()  # older replies kept no deadline


def test_an_approval_edited_by_the_approver_is_flagged():
    assert flags(reply(edited_by_approver=True), RULES) == (Flag.EDITED_BY_APPROVER,)


def test_an_unhappy_follow_up_is_flagged_whatever_its_width_or_case():
    assert flags(reply(follow_up="対応が遅いです"), RULES) == (Flag.NEGATIVE_FOLLOW_UP,)
    assert reads_negative("ＷＯＲＳＴ service ever")
    assert reads_negative("もう二度と買いません")
    assert reads_negative("I am Disappointed.")
    assert not reads_negative("ありがとうございました！助かりました")
    assert flags(reply(follow_up="Thanks!"), RULES) == ()


def test_a_new_employees_first_replies_are_flagged():
    assert flags(reply(among_first_replies=True), RULES) == (Flag.FIRST_REPLIES,)
