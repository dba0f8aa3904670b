"""What a reply must be besides fitting X's length: something the customer can see, and not damaged text.

inbox.reply_text.check_reply_text decides (the page, the fault tests' `accepted_reply` and any other caller ask it);
inbox.composer.shows_nothing and REPLACEMENT_CHARACTER name the rules.
"""

import unicodedata

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from inbox import claims
from inbox.composer import INVISIBLE_RANGES, REPLACEMENT_CHARACTER, shows_nothing
from inbox.errors import InvalidReply
from inbox.models import Question, Reply
from inbox.reply_text import check_reply_text
from tests.helpers import actions_for

SIGNATURE = "^E042"
# Cf, yet drawn: a reply of these is odd, not empty (Prepended_Concatenation_Mark).
DRAWN_FORMAT_CHARACTERS = {
    0x600,
    0x601,
    0x602,
    0x603,
    0x604,
    0x605,
    0x6DD,
    0x70F,
    0x890,
    0x891,
    0x8E2,
    0x110BD,
    0x110CD,
}


def invisible_code_points() -> set[int]:
    points = set()
    for item in INVISIBLE_RANGES.split():
        first, _, last = item.partition("-")
        points.update(range(int(first, 16), int(last or first, 16) + 1))
    return points


INVISIBLE = sorted(invisible_code_points())

INVISIBLE_ONLY = [
    "\u200b",  # zero-width space
    "\u200b\u200c\u200d",  # and the joiners
    "\u202e",  # right-to-left override
    "\u2066\u202a\u202c\u2069",  # bidi isolates and embeddings
    "\u200e\u200f\u061c",  # direction marks
    "\ufeff",  # byte-order mark
    "\u00ad",  # soft hyphen
    "\u2060\u2061\u2062\u2063\u2064",  # word joiner, invisible operators
    "\u3164\uffa0\u115f\u1160",  # Hangul fillers
    "\u2800",  # braille blank
    "\ufe0f\ufe0e",  # variation selectors alone
    "\U000e0001\U000e0041\U000e007f",  # tags
    "\u180e",  # Mongolian vowel separator
    "\u200b \u3000\n\u00a0\t\u2028",  # mixed with every kind of space
    "\x1c\x1d\x1e\x1f\x85",  # what Python's str.strip() also strips
    "\x7f\x9b",  # C0/C1 controls
]
VISIBLE = ["a", "。", "あ", "👍", "\u0600", "\ufffd", "\u200bThanks\u200b", "\u202eok", "1\u20e3", "\u0301"]


@pytest.mark.parametrize("text", INVISIBLE_ONLY, ids=ascii)
def test_text_of_invisible_characters_shows_nothing(text):
    assert shows_nothing(text)


@pytest.mark.parametrize("text", VISIBLE, ids=ascii)
def test_text_with_a_character_that_is_drawn_shows_something(text):
    assert not shows_nothing(text)


def test_empty_text_shows_nothing():
    assert shows_nothing("")


def test_the_list_holds_every_control_format_and_space_character_python_knows():
    # The list is Unicode 17.0; Python 3.11's unicodedata is 14.0, so every character it classifies is in the list.
    listed = invisible_code_points()
    missing = [
        f"U+{code:04X}"
        for code in range(0x110000)
        if code not in DRAWN_FORMAT_CHARACTERS
        and (unicodedata.category(chr(code)) in ("Cc", "Cf", "Zs", "Zl", "Zp") or chr(code).isspace())
        and code not in listed
    ]
    assert missing == []
    assert listed.isdisjoint(DRAWN_FORMAT_CHARACTERS)
    # Only these look like characters to unicodedata: the Hangul fillers, letters (Lo) that draw nothing, and the
    # braille cell without dots (So).
    lettered = {code for code in listed if unicodedata.category(chr(code))[0] in "LNPS"}
    assert lettered == {0x115F, 0x1160, 0x3164, 0xFFA0, 0x2800}


@pytest.mark.parametrize("body", [*INVISIBLE_ONLY, "\u200b" * 300], ids=ascii)
def test_a_reply_made_only_of_invisible_characters_is_refused(body):
    with pytest.raises(InvalidReply) as refused:
        check_reply_text(body, SIGNATURE)
    assert "invisible characters" in str(refused.value.message) or "Write a reply first." in str(refused.value.message)


def test_a_reply_of_spaces_only_is_still_asked_for():
    with pytest.raises(InvalidReply, match="Write a reply first."):
        check_reply_text(" \u3000\n", SIGNATURE)


def test_a_reply_of_zero_width_spaces_is_told_why():
    with pytest.raises(InvalidReply, match="The reply shows nothing: it is made only of invisible characters"):
        check_reply_text("\u200b\u200b", SIGNATURE)


@pytest.mark.parametrize(
    "body", ["\ufffd", "Thank you \ufffd for waiting", "ご注文\ufffd\ufffdありがとうございます"], ids=ascii
)
def test_a_reply_holding_the_replacement_character_is_refused(body):
    with pytest.raises(InvalidReply, match="Retype that part"):
        check_reply_text(body, SIGNATURE)


@pytest.mark.parametrize(
    "body",
    ["Thanks!", "\u200bThanks\u200b", "ありがとうございます\u3000", "Call us 👍\ufe0f", "שלום \u200fok", "\u0600"],
    ids=ascii,
)
def test_a_reply_with_something_to_see_is_accepted_as_before(body):
    assert check_reply_text(body, SIGNATURE) == f"{body.rstrip()}\n{SIGNATURE}"


@given(
    st.text(alphabet=st.sampled_from([chr(code) for code in INVISIBLE if not 0xD800 <= code <= 0xDFFF]), max_size=40)
)
def test_any_text_of_listed_characters_is_refused(body):
    with pytest.raises(InvalidReply):
        check_reply_text(body, SIGNATURE)


@given(st.text(max_size=40), st.text(max_size=40))
def test_any_text_holding_the_replacement_character_is_refused(before, after):
    with pytest.raises(InvalidReply):
        check_reply_text(before + REPLACEMENT_CHARACTER + after, SIGNATURE)


# --- on the page ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "said"),
    [("\u200b\u202e\ufeff", "The reply shows nothing"), ("Your order \ufffd\ufffd left today.", "Retype that part")],
    ids=["invisible", "replacement"],
)
def test_the_page_refuses_it_keeps_the_text_and_nothing_is_queued(people, question_in_a, body, said):
    claims.claim(question_in_a, actor=people.employee_a)
    question = Question.objects.get(pk=question_in_a.pk)
    client = Client()
    client.force_login(people.employee_a)
    response = client.post(
        reverse("inbox:send", args=[question.pk]), {"token": str(question.claim_token), "body": body}
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert said in page
    assert f">\n{body}</textarea>" in page
    question.refresh_from_db()
    assert question.status == Question.Status.OPEN and question.holder_id == people.employee_a.pk
    assert not Reply.objects.exists()
    assert actions_for(question)[-1] == "inbox.question.claimed"
