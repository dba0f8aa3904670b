"""X's weighted post length (inbox.composer): twitter-text's v3 conformance data, then the cases this service meets.

Pure functions: no database, no Django.
"""

from dataclasses import asdict
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from inbox.composer import (
    FORBIDDEN_CHARACTERS,
    MAX_WEIGHTED_LENGTH,
    is_valid_post,
    measure,
    normalize,
    reply_text,
    url_spans,
    weighted_length,
)

CONFORMANCE = Path(__file__).resolve().parents[1] / "data" / "twitter-text" / "validate.yml"
# The sections that describe X today; README.md beside the data says why the others do not.
V3_SECTIONS = ("WeightedTweetsWithDiscountedEmojiCounterTest", "UnicodeDirectionalMarkerCounterTest")
FIELDS = {
    "weightedLength": "weighted_length",
    "valid": "valid",
    "permillage": "permillage",
    "displayRangeStart": "display_range_start",
    "displayRangeEnd": "display_range_end",
    "validRangeStart": "valid_range_start",
    "validRangeEnd": "valid_range_end",
}


def conformance_cases():
    tests = yaml.safe_load(CONFORMANCE.read_text(encoding="utf-8"))["tests"]
    for section in V3_SECTIONS:
        for case in tests[section]:
            yield pytest.param(case["text"], case["expected"], id=f"{section}: {case['description']}")


@pytest.mark.parametrize(("text", "expected"), list(conformance_cases()))
def test_twitter_text_conformance(text, expected):
    result = asdict(measure(text))
    assert {key: result[FIELDS[key]] for key in expected} == expected


def test_conformance_data_is_all_there():
    assert len(list(conformance_cases())) == 24


# --- Japanese ---------------------------------------------------------------------------------------------------


def test_140_japanese_characters_fill_a_post():
    text = "あ" * 140
    assert weighted_length(text) == 280
    assert is_valid_post(text)


def test_141_japanese_characters_are_one_too_many():
    text = "あ" * 141
    assert weighted_length(text) == 282
    assert not is_valid_post(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello 世界", 10),
        ("お問い合わせありがとうございます。Order #123 は発送済みです。", 2 * 17 + 11 + 2 * 8),
        ("ｱｲｳ", 6),  # half-width katakana is outside the light ranges all the same
        ("“quoted” — yes…", 16),  # U+2010-U+201F punctuation weighs 1; the ellipsis U+2026 weighs 2
        ("′″", 2),  # primes, U+2032-U+2037
        ("ÀÉÎõü ΑΒΓ Жук שלום مرحبا ไทย", 28),
    ],
    ids=["hello-world", "japanese-and-ascii", "half-width-katakana", "typographic-punctuation", "primes", "scripts"],
)
def test_mixed_scripts(text, expected):
    assert weighted_length(text) == expected


# --- URLs -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://example.com/very/long/path/that/goes/on/and/on/and/on?with=a&query=string#and-a-fragment", 23),
        ("http://example.com", 23),
        ("HTTPS://WWW.EXAMPLE.COM/INDEX.HTML", 23),
        ("example.com", 23),
        ("example.co.jp", 23),
        ("www.example.jp/faq", 23),
        ("t.co/abc", 23),
        ("https://t.co/abc", 23),
        ("サポート.jp", 11),  # no ASCII label: only an ASCII domain is a link without https://
        ("https://サポート.jp", 23),
        ("file.txt", 8),
        ("version 1.2.3", 13),
        ("e.g. this", 9),
        ("foo@example.com", 15),  # an e-mail address is not shortened
        ("#example.com", 12),  # nor a hashtag
        ("See https://example.com.", 4 + 23 + 1),  # the full stop ends the sentence, not the URL
        ("(example.com)", 1 + 23 + 1),
        ("詳しくはexample.co.jpへ", 2 * 4 + 23 + 2),
        (
            "ご注文ありがとうございます。詳しくは https://example.com/orders/12345?lang=ja をご覧ください",
            36 + 1 + 23 + 1 + 14,
        ),
        ("https://example.com https://example.org", 23 + 1 + 23),
        ("randomurlrandomurlrandomurlrandomurlrandomurlrandomurlrandomurls.com", 68),  # a 64-character label
    ],
)
def test_urls(text, expected):
    assert weighted_length(text) == expected


def test_a_url_weighs_23_whatever_its_length():
    short, long = "https://a.co/x", "https://example.com/" + "a" * 3000
    assert weighted_length(short) == weighted_length(long) == 23


def test_url_spans_are_indexes_into_normalised_text():
    text = normalize("日本語 example.com と https://t.co/abc!")
    assert [text[start:end] for start, end in url_spans(text)] == ["example.com", "https://t.co/abc"]


# --- Emoji ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "emoji",
    [
        "👍",
        "👨\u200d👩\u200d👧\u200d👦",  # ZWJ family of four, seven code points
        "🇯🇵",  # flag: two regional indicators
        "1\ufe0f\u20e3",  # keycap
        "1\u20e3",  # keycap without the presentation selector
        "👍🏽",  # skin tone
        "🏳️\u200d🌈",
        "❤️",
        "🫱🏽\u200d🫲🏿",  # Unicode 14 handshake with two skin tones
        "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",  # Scotland: tag sequence
        "©",  # twitter-text counts a pictograph in the 1-weight range as an emoji too
    ],
    ids=[
        "thumbs-up",
        "family",
        "flag",
        "keycap",
        "bare-keycap",
        "skin-tone",
        "rainbow-flag",
        "heart",
        "handshake",
        "scotland",
        "copyright",
    ],
)
def test_an_emoji_weighs_2(emoji):
    assert weighted_length(emoji) == 2


def test_emoji_next_to_text():
    assert weighted_length("ありがとう🙇‍♀️") == 12
    assert weighted_length("🇯🇵🇺🇸") == 4
    assert weighted_length("🇯") == 2  # a lone regional indicator is an ordinary code point outside the ranges


# --- Normalisation and validity ---------------------------------------------------------------------------------


def test_crlf_counts_as_one_line_break():
    # Browsers submit a textarea's line breaks as CR LF.
    assert weighted_length("line one\r\nline two") == weighted_length("line one\nline two") == 17


def test_nfd_input_is_counted_as_nfc():
    assert weighted_length("e\u0301") == 1
    assert weighted_length("か\u3099") == weighted_length("が") == 2  # decomposed dakuten, as macOS may send it
    assert weighted_length("Cafe\u0301") == 4


@pytest.mark.parametrize("char", sorted(FORBIDDEN_CHARACTERS))
def test_forbidden_characters_make_a_post_invalid(char):
    text = f"hello{char}"
    assert weighted_length(text) == 7
    assert not is_valid_post(text)


def test_empty_text_is_not_a_post():
    assert weighted_length("") == 0
    assert not is_valid_post("")


def test_whitespace_only_text_is_valid_for_twitter_text():
    # twitter-text only asks for a length above 0; refusing blank replies is the service's job
    # (inbox.reply_text.check_reply_text).
    assert weighted_length("   ") == 3
    assert is_valid_post("   ")
    assert is_valid_post("\n")


def test_exactly_280_ascii_characters_are_valid():
    assert is_valid_post("x" * MAX_WEIGHTED_LENGTH)
    assert not is_valid_post("x" * (MAX_WEIGHTED_LENGTH + 1))


def test_measure_reports_where_the_text_stops_fitting():
    result = measure("あ" * 150)
    assert (result.weighted_length, result.valid, result.permillage) == (300, False, 1071)
    assert (result.display_range_end, result.valid_range_end) == (149, 139)


# --- Signature --------------------------------------------------------------------------------------------------


def test_reply_text_puts_the_signature_on_its_own_line():
    assert reply_text("Thank you for waiting.  \n\n", "^E042") == "Thank you for waiting.\n^E042"


def test_the_signature_counts():
    assert weighted_length(reply_text("ありがとうございます", "^E042")) == 20 + 1 + 5
    assert is_valid_post(reply_text("あ" * 137, "^E042"))  # 274 + line break + 5 = 280
    assert not is_valid_post(reply_text("あ" * 138, "^E042"))
    assert weighted_length(reply_text("あ" * 138, "^E042")) == 282


def test_trailing_blanks_of_the_body_do_not_count():
    assert weighted_length(reply_text("ok \u3000\r\n", "^E042")) == weighted_length("ok\n^E042") == 8


# --- Properties -------------------------------------------------------------------------------------------------

# Pieces that make URLs, emoji sequences and normalisation cases far likelier than random text does.
FRAGMENTS = [
    "https://",
    "http://",
    "www.",
    "example",
    ".com",
    ".co.jp",
    ".jp",
    "t.co/",
    "/path",
    "?q=1",
    "(",
    ")",
    " ",
    ".",
    "-",
    "_",
    "@",
    "#",
    "日本語",
    "。",
    "xn--",
    "👍",
    "🏽",
    "\u200d",
    "\ufe0f",
    "\u20e3",
    "🇯",
    "e\u0301",
    "\r\n",
    "\ufeff",
]
texts = st.text() | st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=3), max_size=20).map("".join)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_weighted_length_is_defined_for_any_text(text):
    assert weighted_length(text) >= 0


@settings(max_examples=300, deadline=None)
@given(texts)
def test_validity_is_length_and_characters(text):
    length = weighted_length(text)
    assert is_valid_post(text) == (0 < length <= MAX_WEIGHTED_LENGTH and FORBIDDEN_CHARACTERS.isdisjoint(text))
