"""Why a reply needs approval: the one pure function the composer and the send service both ask (issue 15)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inbox.approval_reasons import (
    PersonalData,
    Reason,
    ReasonKind,
    ReplyFacts,
    RiskRules,
    Span,
    approval_reasons,
)

RULES = RiskRules(version=7)
A_VETERAN = ReplyFacts(author_replies_posted=100)


def matched(text: str, rules: RiskRules = RULES, facts: ReplyFacts = A_VETERAN) -> list[tuple[str, str, list[str]]]:
    """(kind, detail, the written text of each span) for every reason."""
    return [
        (reason.kind.value, reason.detail, [text[span.start : span.end] for span in reason.spans])
        for reason in approval_reasons(text, facts, rules)
    ]


def test_a_plain_reply_needs_no_approval():
    assert approval_reasons("明日お届けします。ご不便をおかけしました。", A_VETERAN, RULES) == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("お電話番号０９０－１２３４－５６７８までご連絡ください", [("phone", ["０９０－１２３４－５６７８"])]),
        ("090-1234-5678 2個", [("phone", ["090-1234-5678"])]),
        ("090ー1234ー5678", [("phone", ["090ー1234ー5678"])]),
        ("03-1234-5678 まで", [("phone", ["03-1234-5678"])]),
        ("0312345678", [("phone", ["0312345678"])]),
        ("Call +81 90 1234 5678 please", [("phone", ["+81 90 1234 5678"])]),
        ("or +44 20 7946 0958", [("phone", ["+44 20 7946 0958"])]),
        ("mail me at Taro.Yamada@Example.com", [("email", ["Taro.Yamada@Example.com"])]),
        ("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｃｏｍ", [("email", ["ｔａｒｏ＠ｅｘａｍｐｌｅ．ｃｏｍ"])]),
        ("〒100-0005 にお送りします", [("postal_address", ["〒100-0005"])]),
        ("東京都千代田区丸の内１－２－３", [("postal_address", ["東京都千代田区丸の内１－２－３"])]),
        ("大阪市北区梅田3丁目1-3 まで", [("postal_address", ["大阪市北区梅田3丁目1-3"])]),
        ("221b Baker Street", [("postal_address", ["221b Baker Street"])]),
        ("注文番号48213 について", [("order_number", ["注文番号48213"])]),
        ("order #A-1234", [("order_number", ["order #A-1234"])]),
        ("カード 4111 1111 1111 1111 2個", [("card_number", ["4111 1111 1111 1111"])]),
        ("4111-1111-1111-1111", [("card_number", ["4111-1111-1111-1111"])]),
        ("3782 822463 10005", [("card_number", ["3782 822463 10005"])]),
    ],
)
def test_personal_data_is_found_however_it_is_written(text, expected):
    assert [(detail, spans) for kind, detail, spans in matched(text)] == expected
    assert {kind for kind, _, _ in matched(text)} == {"personal_data"}


@pytest.mark.parametrize(
    "text",
    [
        "明日2026-12-03に届きます",  # a date
        "在庫は3-5日で入ります",
        "港区の店舗で2日後にお渡しします",  # a ward, no address
        "4111 1111 1111 1112",  # sixteen digits that are no card (the check digit fails)
        "0.5 mm の差です",
        "#12 をご確認ください",  # too short for an order number
        "123-4567-8901-2345-6789-0",  # too long for anything
    ],
)
def test_numbers_that_are_not_personal_data_need_no_approval(text):
    assert matched(text) == []


def test_keywords_match_full_width_and_any_case_and_name_the_rule_s_version():
    text = "ＲＥＦＵＮＤ and Refund: 返金いたします"
    reasons = approval_reasons(text, A_VETERAN, RiskRules(version=12, keywords=("refund", "返金")))
    assert [(r.kind, r.detail, r.rule_version) for r in reasons] == [
        (ReasonKind.KEYWORD, "refund", 12),
        (ReasonKind.KEYWORD, "返金", 12),
    ]
    assert [text[s.start : s.end] for s in reasons[0].spans] == ["ＲＥＦＵＮＤ", "Refund"]


def test_the_company_s_own_numbers_and_addresses_are_allowed_however_written():
    rules = RiskRules(allowed=("0120-123-456", "03-1234-5678", "東京都千代田区丸の内1-2-3", "support@example.co.jp"))
    for text in (
        "０１２０－１２３－４５６までお電話ください",
        "+81 3 1234 5678 (平日9-17時)",
        "東京都千代田区丸の内１－２－３の本社まで",
        "support@example.co.jp まで",
    ):
        assert matched(text, rules) == [], text
    assert matched("090-1234-5678", rules) == [("personal_data", "phone", ["090-1234-5678"])]


def test_a_kind_of_personal_data_the_rules_leave_out_is_not_looked_for():
    rules = RiskRules(personal_data=frozenset(PersonalData) - {PersonalData.ORDER_NUMBER})
    assert matched("注文番号48213 について", rules) == []


def test_the_queue_s_policy_and_a_new_employee_s_first_replies_need_approval_whatever_the_text():
    rules = RiskRules(version=3, first_replies=5)
    facts = ReplyFacts(queue_requires_approval=True, author_replies_posted=4)
    assert approval_reasons("ありがとうございます", facts, rules) == (
        Reason(ReasonKind.QUEUE_POLICY, rule_version=3),
        Reason(ReasonKind.NEW_EMPLOYEE, rule_version=3),
    )
    assert approval_reasons("ありがとうございます", ReplyFacts(author_replies_posted=5), rules) == ()


def test_an_unedited_template_is_exempt_from_the_word_rules_and_an_edited_one_needs_approval():
    template = "返金のお手続きはこちらから: https://example.com/refund"
    unedited = ReplyFacts(template_text=template, author_replies_posted=100)
    assert approval_reasons(template + "\n", unedited, RULES) == ()
    edited = approval_reasons("返金のお手続きは090-1234-5678まで", unedited, RULES)
    assert [r.kind for r in edited] == [ReasonKind.TEMPLATE_EDITED, ReasonKind.KEYWORD, ReasonKind.PERSONAL_DATA]
    # The queue's policy holds for a template too.
    strict = ReplyFacts(template_text=template, author_replies_posted=100, queue_requires_approval=True)
    assert [r.kind for r in approval_reasons(template, strict, RULES)] == [ReasonKind.QUEUE_POLICY]


def test_a_character_that_folds_into_several_maps_back_to_itself():
    # NFKC turns "㈱" into "(株)": the span of a keyword after it still points at the written characters.
    text = "㈱返金"
    (reason,) = approval_reasons(text, A_VETERAN, RiskRules(keywords=("返金",)))
    assert reason.spans == (Span(1, 3),)


FULL_WIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")


@given(
    st.lists(
        st.sampled_from(
            ["090-1234-5678", "注文番号48213", "4111 1111 1111 1111", "〒100-0005", "返金", "明日", "、", " ", "2個"]
        ),
        max_size=6,
    )
)
def test_full_width_digits_find_the_same_reasons_at_the_same_places(pieces):
    text = "".join(pieces)
    half = approval_reasons(text, A_VETERAN, RULES)
    full = approval_reasons(text.translate(FULL_WIDTH), A_VETERAN, RULES)
    assert half == full


@given(st.text(max_size=80))
def test_any_text_gets_reasons_whose_spans_lie_inside_it(text):
    for reason in approval_reasons(text, A_VETERAN, RULES):
        assert reason.spans, reason
        for span in reason.spans:
            assert 0 <= span.start < span.end <= len(text)
