"""Every way a person names an X post comes down to the post's id, as a string; anything else is refused."""

import pytest

from verification.post_links import post_id_from

BIG = "1866789012345678901"  # beyond 2**53: as a float it would be another post's id


def test_the_example_id_is_beyond_what_a_float_keeps():
    assert int(BIG) > 2**53 and float(BIG) == float(int(BIG) + 1)


@pytest.mark.parametrize(
    "raw",
    [
        BIG,
        f"  {BIG}\n",
        "１８６６７８９０１２３４５６７８９０１",  # full-width digits from a Japanese IME
        f"https://x.com/replydesk_support/status/{BIG}",
        f"http://x.com/replydesk_support/status/{BIG}",
        f"x.com/replydesk_support/status/{BIG}",
        f"https://www.x.com/replydesk_support/status/{BIG}",
        f"https://mobile.x.com/replydesk_support/status/{BIG}",
        f"https://twitter.com/replydesk_support/status/{BIG}",
        f"https://www.twitter.com/replydesk_support/status/{BIG}",
        f"https://mobile.twitter.com/replydesk_support/status/{BIG}",
        f"mobile.twitter.com/replydesk_support/status/{BIG}",
        f"https://TWITTER.COM/Replydesk_Support/Status/{BIG}",
        f"https://x.com/replydesk_support/status/{BIG}?s=20",
        f"https://x.com/replydesk_support/status/{BIG}?s=20&t=AbCdEf_123-xyz",
        f"https://twitter.com/replydesk_support/status/{BIG}?s=46&t=x#reply",
        f"https://x.com/replydesk_support/status/{BIG}/",
        f"https://x.com/replydesk_support/status/{BIG}/photo/1",
        f"https://x.com/replydesk_support/status/{BIG}/analytics",
        f"https://twitter.com/replydesk_support/statuses/{BIG}",
        f"https://x.com/i/web/status/{BIG}",
        f"https://twitter.com/i/status/{BIG}",
        f"https://twitter.com/#!/replydesk_support/status/{BIG}",
        f"ｈｔｔｐｓ：／／ｘ．ｃｏｍ／replydesk_support／status／{BIG}",
    ],
)
def test_every_form_of_a_post_link_gives_the_id_as_a_string(raw):
    found = post_id_from(raw)
    assert found == BIG
    assert isinstance(found, str)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "hello",
        "^E042",
        "123456789012345678901",  # 21 digits: more than a 64-bit id
        "-1866789012345678901",
        "1866789012345678901.0",
        "1.866789012345678901e18",
        f"https://example.com/replydesk_support/status/{BIG}",
        f"https://x.com.example.com/replydesk_support/status/{BIG}",
        f"https://evil-x.com/replydesk_support/status/{BIG}",
        f"https://x.com:8443/replydesk_support/status/{BIG}",
        f"https://someone@x.com/replydesk_support/status/{BIG}",
        f"ftp://x.com/replydesk_support/status/{BIG}",
        f"javascript://x.com/replydesk_support/status/{BIG}",
        "https://x.com/replydesk_support",
        "https://x.com/replydesk_support/likes",
        f"https://x.com/not-a-handle/status/{BIG}",
        f"https://x.com/replydesk_support/status/{BIG}abc",
        f"https://x.com/replydesk_support/status/ {BIG}",
        f"https://x.com/search?q={BIG}",
        "https://x.com/" + "a" * 600,
    ],
)
def test_anything_else_names_no_post(raw):
    assert post_id_from(raw) is None


def test_leading_zeros_typed_by_hand_name_the_same_post():
    assert post_id_from(f"0{BIG}") == BIG
    assert post_id_from(f"https://x.com/someone/status/0{BIG}") == BIG
    assert post_id_from("000") is None
