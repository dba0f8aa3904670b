"""A signature is typed however the reply showed it; what it names is the employee number, or nothing."""

import pytest

from verification.signatures import number_from


@pytest.mark.parametrize("raw", ["^E042", "E042", "＾Ｅ０４２", "^e042", " e042 ", "^ E042", "Ｅ０４２"])
def test_every_way_of_typing_a_signature_names_the_number(raw):
    assert number_from(raw) == "E042"


@pytest.mark.parametrize("raw", ["", "^", "^E", "^E-042", "E 042", "^E042<script>", "社員042", "^^E042", "x" * 200])
def test_what_cannot_be_a_number_names_none(raw):
    assert number_from(raw) is None


def test_another_prefix_is_read_from_the_settings(settings):
    settings.REPLY_SIGNATURE_PREFIX = "/"
    assert number_from("/E042") == "E042"
    assert number_from("^E042") is None
