"""Publishing the guidelines: administrators only, a new numbered version each time (never an edit), the text's hash in
the audit entry, and no two versions with one number however many publish at once."""

import pytest
from django.db import DatabaseError, transaction

from audit.models import AuditEntry
from guidelines import services
from guidelines.errors import NotAllowedToPublish, NothingToPublish, PublishedMeanwhile, UnchangedText
from guidelines.models import GuidelinesVersion, text_sha256
from tests.concurrency import at_once
from tests.helpers import actions_since, last_entry_id

from .conftest import RULES_EN, RULES_JA, publish


@pytest.mark.django_db
def test_publishing_is_audited_with_the_number_and_the_text_hash(people):
    mark = last_entry_id()

    version = publish(people, summary="First rules")

    assert version.number == 1
    assert version.text_sha256 == text_sha256(RULES_JA, RULES_EN)
    assert actions_since(mark) == ["guidelines.version.published"]
    entry = AuditEntry.objects.get(action="guidelines.version.published")
    assert entry.actor_number == people.administrator.employee_number
    assert entry.after == {
        "number": 1,
        "requires_acknowledgement": True,
        "text_sha256": text_sha256(RULES_JA, RULES_EN),
        "summary": "First rules",
    }


@pytest.mark.django_db
def test_the_hash_covers_both_languages(people):
    assert text_sha256("ja", "en") != text_sha256("ja", "en.")
    assert text_sha256("ja", "en") != text_sha256("ja.", "en")
    assert text_sha256("a", "") != text_sha256("", "a")


@pytest.mark.django_db
def test_the_first_version_always_requires_acceptance(people):
    assert publish(people, required=False).requires_acknowledgement is True
    assert publish(people, RULES_EN + "\n- Typo.", required=False).requires_acknowledgement is False


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["supervisor", "compliance", "employee_a"])
def test_only_administrators_publish(people, persona):
    mark = last_entry_id()
    with pytest.raises(NotAllowedToPublish):
        services.publish_version(actor=getattr(people, persona), body_ja="ルール", body_en="Rules", based_on=0)
    assert not GuidelinesVersion.objects.exists()
    assert actions_since(mark) == []


@pytest.mark.django_db
def test_empty_guidelines_are_not_published(people):
    with pytest.raises(NothingToPublish):
        services.publish_version(actor=people.administrator, body_ja="  \r\n", body_en="", based_on=0)


@pytest.mark.django_db
def test_the_same_text_again_is_not_a_new_version(people):
    first = publish(people)
    with pytest.raises(UnchangedText):
        # The browser's line endings and trailing spaces are no change.
        services.publish_version(
            actor=people.administrator,
            body_ja=RULES_JA.replace("\n", "\r\n"),
            body_en=RULES_EN + "  \n",
            based_on=first.number,
        )
    assert GuidelinesVersion.objects.count() == 1


@pytest.mark.django_db
def test_a_form_written_from_an_older_version_is_refused(people):
    publish(people)
    publish(people, RULES_EN + "\n- Escalate every complaint.")
    with pytest.raises(PublishedMeanwhile) as refused:
        services.publish_version(actor=people.administrator, body_ja="", body_en="Other rules", based_on=1)
    assert "version 2" in refused.value.message
    assert GuidelinesVersion.objects.count() == 2


@pytest.mark.django_db
def test_a_published_version_cannot_be_changed_or_deleted_in_the_database(people):
    version = publish(people)
    with pytest.raises(DatabaseError), transaction.atomic():
        GuidelinesVersion.objects.filter(pk=version.pk).update(body_en="Anything goes.")
    with pytest.raises(DatabaseError), transaction.atomic():
        GuidelinesVersion.objects.filter(pk=version.pk).delete()
    assert GuidelinesVersion.objects.get(pk=version.pk).body_en == RULES_EN


@pytest.mark.django_db(transaction=True)
def test_administrators_publishing_at_once_never_share_a_number(people):
    from tests import cast

    admins = [people.administrator, *(cast.administrator(f"A90{i}") for i in range(1, 6))]
    mark = last_entry_id()

    def press_publish(admin) -> str:
        try:
            services.publish_version(actor=admin, body_ja="", body_en=f"Rules by {admin}", based_on=0)
            return "published"
        except PublishedMeanwhile:
            return "told"

    outcomes = at_once(admins, press_publish)

    assert sorted(outcomes) == ["published"] + ["told"] * 5
    assert list(GuidelinesVersion.objects.values_list("number", flat=True)) == [1]
    assert actions_since(mark) == ["guidelines.version.published"]


@pytest.mark.django_db(transaction=True)
def test_accepting_twice_at_once_records_one_acceptance(people):
    version = publish(people)
    mark = last_entry_id()

    outcomes = at_once([1, 2, 3, 4], lambda _i: str(services.acknowledge(people.employee_a, version.number).pk))

    assert len(set(outcomes)) == 1 and len(outcomes) == 4
    assert actions_since(mark) == ["guidelines.version.acknowledged"]
