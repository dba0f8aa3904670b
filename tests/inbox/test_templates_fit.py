"""A reply template is refused at save when no reply could be sent with it: counted as the composer counts, with the
longest signature an employee can have ("^" and a 12-character number, on a line of its own)."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from inbox.composer import MAX_WEIGHTED_LENGTH, reply_text, weighted_length
from inbox.configuration import save_setting
from inbox.models import ReplyTemplate
from tests.helpers import actions_since, last_entry_id

LONGEST_SIGNATURE = "^ABCDEFGHJK12"
# The line break before the signature and the signature itself: 14.
ROOM = MAX_WEIGHTED_LENGTH - 14


def test_the_longest_signature_leaves_266_for_the_template():
    assert weighted_length(reply_text("a" * ROOM, LONGEST_SIGNATURE)) == MAX_WEIGHTED_LENGTH
    assert ROOM == 266


@pytest.mark.parametrize(
    "body",
    ["a" * ROOM, "あ" * (ROOM // 2), "https://example.com/" + "x" * 200 + " " + "b" * (ROOM - 23 - 1)],
    ids=["latin", "japanese", "a long link counts 23"],
)
def test_a_template_that_fits_with_the_longest_signature_is_saved(db, body):
    template = save_setting(ReplyTemplate(title="Fits", body=body), actor=None)
    assert template.pk is not None


@pytest.mark.parametrize(
    ("body", "length"),
    [("a" * (ROOM + 1), MAX_WEIGHTED_LENGTH + 1), ("あ" * (ROOM // 2 + 1), MAX_WEIGHTED_LENGTH + 2)],
    ids=["latin", "japanese"],
)
def test_a_template_too_long_for_any_post_is_refused_with_the_composers_count(db, body, length):
    before = last_entry_id()
    with pytest.raises(ValidationError) as refused:
        save_setting(ReplyTemplate(title="Too long", body=body), actor=None)
    (message,) = refused.value.message_dict["body"]
    assert f"{length} characters long as X counts them" in message
    assert f"Shorten it by {length - MAX_WEIGHTED_LENGTH}." in message
    assert not ReplyTemplate.objects.exists()
    assert actions_since(before) == []


def test_trailing_blank_lines_do_not_count_as_the_composer_drops_them(db):
    save_setting(ReplyTemplate(title="Trailing", body="a" * ROOM + "\n\n  \n"), actor=None)


def test_settings_shows_the_refusal_on_the_text_field(people):
    client = Client()
    client.force_login(people.administrator)
    response = client.post(
        reverse("admin:inbox_replytemplate_add"), {"title": "Too long", "body": "a" * 300, "position": 0}
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert list(form.errors) == ["body"]
    assert "314 characters long as X counts them" in form.errors["body"][0]
    assert not ReplyTemplate.objects.exists()


def test_editing_a_template_to_be_too_long_is_refused_and_keeps_the_saved_text(people):
    template = save_setting(ReplyTemplate(title="Short", body="Thanks!"), actor=None)
    client = Client()
    client.force_login(people.administrator)
    response = client.post(
        reverse("admin:inbox_replytemplate_change", args=[template.pk]),
        {"title": "Short", "body": "あ" * 200, "position": 0},
    )
    assert response.status_code == 200
    assert "body" in response.context["adminform"].form.errors
    template.refresh_from_db()
    assert template.body == "Thanks!"
