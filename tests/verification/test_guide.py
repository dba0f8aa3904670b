"""The "how to recognise us" block: sensible words before anyone wrote any, changed by administrators only, each change
in the audit trail with what it replaced, and never one administrator's save silently over another's."""

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEntry
from tests.helpers import actions_since, last_entry_id, signed_in
from verification import services
from verification.errors import ChangedMeanwhile, NotAllowedToEdit
from verification.guide import default_texts
from verification.models import TEXT_FIELDS, RecognitionGuide

CHECK = reverse("verification:check")
EDIT = reverse("verification:edit_guide")


def texts(**changes) -> dict[str, str]:
    return {**{name: f"{name} text" for name in TEXT_FIELDS}, **changes}


def form_data(based_on: int, **changes) -> dict[str, str]:
    return {"based_on": str(based_on), **texts(**changes)}


def test_before_anything_is_saved_the_page_shows_defaults_from_the_settings(people, settings):
    settings.X_ACCOUNT_USERNAME = "repli_support"
    page = Client().get(CHECK).content.decode()
    assert "@repli_support (our support desk&#x27;s official account)" in page
    assert "for example ^E042" in page
    assert "We never ask for your password" in page
    ja = Client(headers={"accept-language": "ja"}).get(CHECK).content.decode()
    assert "@repli_support（サポート窓口の公式アカウント）" in ja
    assert "^E042" in ja


def test_the_editor_starts_from_the_defaults(people):
    response = signed_in(people.administrator).get(EDIT)
    assert response.status_code == 200
    assert response.context["form"].initial == {"based_on": 0, **default_texts()}


def test_an_administrators_edit_is_shown_at_once_and_audited_with_what_it_replaced(people):
    client = signed_in(people.administrator)
    mark = last_entry_id()
    response = client.post(
        EDIT,
        form_data(
            0,
            official_accounts_en="@repli_support only.\nSee https://example.com/official",
            report_fake_en="<b>Report</b> it on X.",
        ),
    )
    assert response.status_code == 302 and response["Location"] == CHECK
    assert actions_since(mark) == ["verification.guide.updated"]
    entry = AuditEntry.objects.get(action="verification.guide.updated")
    assert entry.actor_id == people.administrator.pk
    assert entry.before["version"] == 0 and entry.before["how_we_sign_en"] == default_texts()["how_we_sign_en"]
    assert entry.after["version"] == 1 and entry.after["official_accounts_en"].startswith("@repli_support only.")
    page = Client().get(CHECK).content.decode()
    assert "@repli_support only.<br>See <a" in page  # line breaks kept, the address a link
    assert 'href="https://example.com/official"' in page
    assert "&lt;b&gt;Report&lt;/b&gt; it on X." in page  # plain text: no HTML gets through
    assert "<b>Report</b>" not in page


def test_a_second_edit_records_the_first_as_its_before(people):
    first = services.update_recognition_guide(actor=people.administrator, texts=texts(), based_on=0)
    services.update_recognition_guide(actor=people.administrator, texts=texts(never_ask_ja="新しい文"), based_on=1)
    latest = AuditEntry.objects.filter(action="verification.guide.updated").order_by("-id").first()
    assert latest.before == {"version": 1, **first.texts()}
    assert latest.after["never_ask_ja"] == "新しい文" and latest.after["version"] == 2
    assert RecognitionGuide.objects.count() == 2


def test_saving_the_same_words_again_records_nothing(people):
    services.update_recognition_guide(actor=people.administrator, texts=texts(), based_on=0)
    mark = last_entry_id()
    services.update_recognition_guide(actor=people.administrator, texts=texts(), based_on=1)
    assert actions_since(mark) == []
    assert RecognitionGuide.objects.count() == 1


@pytest.mark.parametrize("who", ["supervisor", "compliance", "employee_a"])
def test_only_administrators_may_change_the_block(people, who):
    person = getattr(people, who)
    with pytest.raises(NotAllowedToEdit):
        services.update_recognition_guide(actor=person, texts=texts(), based_on=0)
    assert signed_in(person).post(EDIT, form_data(0)).status_code == 403
    assert not RecognitionGuide.objects.exists()
    assert not AuditEntry.objects.filter(action="verification.guide.updated").exists()


def test_a_suspended_administrator_may_not_either(people):
    from accounts import services as people_services
    from tests import cast

    other = cast.administrator("A901")
    people_services.suspend_employee(other, actor=people.administrator, reason="Left")
    other.refresh_from_db()
    with pytest.raises(NotAllowedToEdit):
        services.update_recognition_guide(actor=other, texts=texts(), based_on=0)


def test_a_save_over_a_newer_version_is_refused_and_keeps_the_editors_words(people):
    from tests import cast

    other = cast.administrator("A901")
    services.update_recognition_guide(actor=other, texts=texts(), based_on=0)
    with pytest.raises(ChangedMeanwhile):
        services.update_recognition_guide(actor=people.administrator, texts=texts(), based_on=0)
    client = signed_in(people.administrator)
    response = client.post(EDIT, form_data(0, never_ask_en="My careful words."))
    assert response.status_code == 409
    page = response.content.decode()
    assert "Another administrator saved the block while you were editing it" in page
    assert "My careful words." in page
    assert response.context["form"]["based_on"].value() == 1
    # Saving again now replaces the newer version on purpose.
    again = client.post(EDIT, {**response.context["form"].data})
    assert again.status_code == 302
    assert RecognitionGuide.objects.order_by("-version").first().never_ask_en == "My careful words."


def test_a_text_too_long_is_refused_with_the_form_kept(people):
    response = signed_in(people.administrator).post(EDIT, form_data(0, never_ask_en="x" * 2001))
    assert response.status_code == 400
    assert "at most 2000 characters" in response.content.decode()
    assert not RecognitionGuide.objects.exists()


def test_a_topic_left_empty_in_one_language_shows_the_other(people):
    services.update_recognition_guide(
        actor=people.administrator, texts=texts(never_ask_ja="", never_ask_en="Only in English."), based_on=0
    )
    ja = Client(headers={"accept-language": "ja"}).get(CHECK).content.decode()
    assert "Only in English." in ja


def test_the_editor_shows_how_many_checks_were_answered(people):
    Client().get(CHECK, {"post": "1866789012345678901"})
    Client().get(CHECK, {"signature": "^E100"})
    response = signed_in(people.administrator).get(EDIT)
    today = response.context["days"][0]
    assert (today.genuine, today.not_ours, today.signature, today.refused) == (0, 1, 1, 0)
