"""The guidelines pages and what the inbox shows someone who must accept them: the read-only banner, the refused
claim over HTTP, the acceptance with its way back, the changes since the version accepted, the list of who accepted
which version and its export."""

import csv
import io
from datetime import UTC

import pytest
from django.urls import reverse
from django.utils import timezone

from guidelines import services
from guidelines.models import GuidelinesAcknowledgement, GuidelinesVersion
from guidelines.rendering import render_markdown
from inbox.models import Question
from tests.helpers import actions_since, last_entry_id, signed_in

from .conftest import RULES_EN, publish

pytestmark = pytest.mark.django_db

BANNER = b"data-guidelines-must-accept"


def test_a_claim_over_http_is_refused_with_a_message_and_nothing_written(people, first_rules, question_in_a):
    client = signed_in(people.employee_a)
    mark = last_entry_id()

    response = client.post(reverse("inbox:claim", args=[question_in_a.pk]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("inbox:question", args=[question_in_a.pk])
    assert "First read and accept the desk&#x27;s social-media guidelines (version 1)" in response.content.decode()
    assert BANNER in response.content
    assert Question.objects.get(pk=question_in_a.pk).holder is None
    assert actions_since(mark) == []


def test_next_question_over_http_is_refused_with_a_message(people, first_rules, question_in_a):
    response = signed_in(people.employee_a).post(reverse("inbox:next"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("inbox:inbox")
    assert "social-media guidelines (version 1)" in response.content.decode()
    assert Question.objects.get(pk=question_in_a.pk).holder is None


def test_the_inbox_is_read_only_until_the_guidelines_are_accepted(people, first_rules, question_in_a):
    client = signed_in(people.employee_a)

    page = client.get(reverse("inbox:inbox")).content.decode()
    assert BANNER.decode() in page
    assert 'disabled aria-describedby="guidelines-banner"' in page
    assert 'href="/guidelines/?next=/inbox/"' in page
    # The question is still listed and may be read.
    assert client.get(reverse("inbox:question", args=[question_in_a.pk])).status_code == 200

    services.acknowledge(people.employee_a, first_rules.number)
    page = client.get(reverse("inbox:inbox")).content.decode()
    assert BANNER.decode() not in page
    assert "disabled" not in page


def test_nobody_sees_the_banner_before_any_guidelines_are_published(people, question_in_a):
    page = signed_in(people.employee_a).get(reverse("inbox:question", args=[question_in_a.pk])).content
    assert BANNER not in page


def test_the_question_page_carries_the_banner_that_hides_its_claim_button(people, first_rules, question_in_a):
    page = signed_in(people.employee_a).get(reverse("inbox:question", args=[question_in_a.pk])).content.decode()
    assert BANNER.decode() in page
    assert f"/guidelines/?next=/inbox/questions/{question_in_a.pk}/" in page


def test_accepting_on_the_page_leads_back_to_the_question_and_the_claim_then_works(people, first_rules, question_in_a):
    client = signed_in(people.employee_a)
    back = reverse("inbox:question", args=[question_in_a.pk])
    page = client.get(reverse("guidelines:current"), {"next": back}).content.decode()
    assert "I have read the guidelines and accept them" in page
    assert "Sign every reply." in page
    assert f'name="next" value="{back}"' in page

    response = client.post(reverse("guidelines:acknowledge"), {"version": 1, "next": back})

    assert response.status_code == 302 and response["Location"] == back
    assert GuidelinesAcknowledgement.objects.filter(employee=people.employee_a, version=first_rules).exists()
    client.post(reverse("inbox:claim", args=[question_in_a.pk]))
    assert Question.objects.get(pk=question_in_a.pk).holder == people.employee_a


def test_accepting_never_leads_to_another_site(people, first_rules):
    response = signed_in(people.employee_a).post(
        reverse("guidelines:acknowledge"), {"version": 1, "next": "https://evil.example/phish"}
    )
    assert response["Location"] == reverse("inbox:inbox")


def test_a_stale_page_accepting_an_older_version_is_refused_and_shown_the_newer_one(people, first_rules):
    client = signed_in(people.employee_a)
    publish(people, RULES_EN + "\n- Escalate every complaint.")

    response = client.post(reverse("guidelines:acknowledge"), {"version": 1}, follow=True)

    page = response.content.decode()
    assert "Version 2 of the guidelines was published since that page was shown" in page
    assert 'name="version" value="2"' in page
    assert not GuidelinesAcknowledgement.objects.exists()


def test_the_changes_since_the_version_accepted_are_shown_line_by_line(people, first_rules):
    services.acknowledge(people.employee_a, first_rules.number)
    publish(people, RULES_EN.replace("- Never argue with a customer.", "- Stay polite, whatever is said."))

    page = signed_in(people.employee_a).get(reverse("guidelines:current")).content.decode()

    assert "Changes since the version you accepted (version 1)" in page
    assert "<del>- Never argue with a customer.</del>" in page
    assert "<ins>- Stay polite, whatever is said.</ins>" in page
    assert "Removed:" in page and "Added:" in page
    assert "Version 2 must be accepted again" in page


def test_the_page_shows_the_japanese_text_to_a_japanese_reader(people, first_rules):
    client = signed_in(people.employee_a)
    page = client.get(reverse("guidelines:current"), HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "返信には必ず署名する。" in page
    assert "Sign every reply." not in page
    assert "Sign every reply." in client.get(reverse("guidelines:current"), {"text": "en"}).content.decode()


def test_a_version_without_text_in_the_readers_language_shows_the_other_and_says_so(people):
    publish(people, en="", ja="返信には必ず署名する。")
    page = signed_in(people.employee_a).get(reverse("guidelines:current")).content.decode()
    assert "This version has no English text: it is shown in Japanese." in page
    assert "返信には必ず署名する。" in page


def test_raw_html_and_script_links_do_not_survive_the_markdown(people):
    hostile = (
        "<script>alert('x')</script>\n\n"
        '<img src=x onerror="alert(1)">\n\n'
        "[click](javascript:alert(1)) [data](data:text/html;base64,PHNjcmlwdD4=) [ok](https://example.com/faq)\n\n"
        "![tracker](https://tracker.example/pixel.png)"
    )
    html = str(render_markdown(hostile))
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript:' not in html and 'href="data:' not in html
    assert '<a href="https://example.com/faq">ok</a>' in html

    publish(people, en=hostile, ja="")
    page = signed_in(people.employee_a).get(reverse("guidelines:current")).content.decode()
    assert "<script>alert" not in page and 'href="javascript:' not in page


def test_an_older_version_is_read_with_its_changes_from_the_one_before(people, first_rules):
    publish(people, RULES_EN + "\n- Escalate every complaint.", required=False, summary="Escalations")
    client = signed_in(people.employee_b)

    old = client.get(reverse("guidelines:version", args=[1])).content.decode()
    assert "This is an earlier version, no longer in force. Version 2 is in force." in old
    newer = client.get(reverse("guidelines:version", args=[2])).content.decode()
    assert "<ins>- Escalate every complaint.</ins>" in newer
    history = client.get(reverse("guidelines:versions")).content.decode()
    assert "Escalations" in history and first_rules.text_sha256[:12] in history
    assert client.get(reverse("guidelines:version", args=[3])).status_code == 404


def test_the_publish_form_starts_from_the_version_in_force_and_a_preview_saves_nothing(people, first_rules):
    client = signed_in(people.administrator)
    form = client.get(reverse("guidelines:publish")).content.decode()
    assert "- Never argue with a customer." in form and 'name="based_on" value="1"' in form
    mark = last_entry_id()

    data = {"body_ja": "", "body_en": "**Be kind.**", "summary": "", "based_on": 1, "requires_acknowledgement": "on"}
    preview = client.post(reverse("guidelines:publish"), {**data, "preview": "1"})

    assert preview.status_code == 200
    assert "<strong>Be kind.</strong>" in preview.content.decode()
    assert "<del>- Sign every reply.</del>" in preview.content.decode()
    assert GuidelinesVersion.objects.count() == 1 and actions_since(mark) == []

    published = client.post(reverse("guidelines:publish"), {**data, "publish": "1"})
    assert published["Location"] == reverse("guidelines:current")
    assert GuidelinesVersion.objects.get(number=2).body_en == "**Be kind.**"
    assert actions_since(mark) == ["guidelines.version.published"]


def test_a_publication_in_between_is_shown_against_the_newer_version_and_nothing_is_published(people, first_rules):
    client = signed_in(people.administrator)
    publish(people, RULES_EN + "\n- Escalate every complaint.")
    data = {"body_ja": "", "body_en": "Mine", "summary": "", "based_on": 1, "publish": "1"}

    response = client.post(reverse("guidelines:publish"), data)

    page = response.content.decode()
    assert response.status_code == 409
    assert "published version 2 while you were writing" in page
    assert 'name="based_on" value="2"' in page and "Mine" in page
    assert GuidelinesVersion.objects.count() == 2


def test_supervisors_see_who_accepted_which_version(people, first_rules):
    services.acknowledge(people.employee_a, first_rules.number)
    services.acknowledge(people.compliance, first_rules.number)
    client = signed_in(people.supervisor)

    page = client.get(reverse("guidelines:acknowledgements")).content.decode()

    # E100, E200 and S100 answer (the suspended X100 no longer does); E100 accepted.
    assert "1 of 3 people who answer customers have accepted version 1 or later." in page
    assert "2 may not claim or send until they accept it." in page
    assert "E100" in page and "E200" in page and "S100" in page
    assert "up to date" in page and "must accept version 1" in page
    # Someone who does not answer is listed when they accepted, and not counted.
    assert "C100" in page and "does not answer: not required" in page
    assert "A900" not in page
    pending = client.get(reverse("guidelines:acknowledgements"), {"show": "pending"}).content.decode()
    assert "E200" in pending and "E100" not in pending


def test_employees_do_not_see_who_accepted(people, first_rules):
    assert signed_in(people.employee_a).get(reverse("guidelines:acknowledgements")).status_code == 403
    assert signed_in(people.employee_a).post(reverse("guidelines:export")).status_code == 403


def test_the_export_lists_every_acceptance_and_is_recorded(people, first_rules, settings):
    accepted = services.acknowledge(people.employee_a, first_rules.number)
    services.acknowledge(people.compliance, first_rules.number)
    client = signed_in(people.compliance)
    mark = last_entry_id()

    response = client.post(reverse("guidelines:export"))

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    text = response.content.decode()
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == [
        "Employee number",
        "Version",
        f"Accepted at ({settings.TIME_ZONE})",
        "Accepted at (UTC)",
        "SHA-256 of the version's text",
    ]
    local = timezone.localtime(accepted.acknowledged_at).isoformat(sep=" ", timespec="seconds")
    utc = accepted.acknowledged_at.astimezone(UTC).isoformat(timespec="seconds")
    assert rows[1] == ["E100", "1", local, utc, first_rules.text_sha256]
    assert [row[0] for row in rows[1:]] == ["E100", "C100"]
    assert actions_since(mark) == ["guidelines.acknowledgements.exported"]


def test_opening_the_export_address_exports_nothing(people, first_rules):
    client = signed_in(people.compliance)
    mark = last_entry_id()
    response = client.get(reverse("guidelines:export"))
    assert response["Location"] == reverse("guidelines:acknowledgements")
    assert actions_since(mark) == []
