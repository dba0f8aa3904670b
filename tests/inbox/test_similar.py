"""Similar past answers on the compose page (inbox/similar.py): the answered questions that share words with the one
being answered, found in Japanese as in English, with the reply X accepted for each, without its signature; only
questions the person may see; and an inserted past answer is checked for approval like typed text."""

import pytest
from django.urls import reverse

from accounts.models import Employee
from inbox import claims, outbox, services, similar
from inbox.configuration import save_setting
from inbox.models import Question, Reply, ReplyDraft, ReplyTemplate, RoutingRule
from inbox.similar import key_terms, similar_answers
from tests.helpers import signed_in
from tests.past_answers import answered

pytestmark = pytest.mark.django_db

REFUND_ANSWER = "返金は手続き完了から5営業日ほどで口座に反映されます。"
PASSWORD_ANSWER = "ログイン画面の「パスワードをお忘れの方」から再設定できます。"


@pytest.fixture
def routed(people, routed_to_a):
    """Japanese questions about refunds and passwords land in queue A, returns in queue B."""
    save_setting(RoutingRule(name="返金", keywords="返金\nパスワード\n保証\nrefund", queue=people.queue_a), actor=None)
    save_setting(RoutingRule(name="返品", keywords="返品", queue=people.queue_b), actor=None)
    return people


@pytest.fixture
def answer(routed, ask, channel):
    """A question answered (by E100 of queue A unless said), the reply posted on X."""

    def answering(text: str, reply: str, *, customer: str, author=None) -> Question:
        author = author or routed.employee_a
        return answered(ask, channel, text, reply, customer=customer, author=author, approver=routed.supervisor)

    return answering


def test_key_terms_are_kanji_pairs_katakana_and_latin_words():
    assert key_terms("返金の方法を教えてください") == ["返金", "方法", "教"]
    assert key_terms("届いた掃除機が動きません") == ["届", "掃除", "除機", "動"]
    assert key_terms("ＰＡＳＳＷＯＲＤ パスワードを忘れました https://example.com/a") == [
        "password",
        "パスワード",
        "忘",
    ]
    # Handles, order numbers, particles and the commonest English words are not what a question is about.
    assert key_terms("@tanaka can you help with my refund #12345 注文番号98765") == ["refund", "注文", "文番", "番号"]


def test_a_japanese_paraphrase_sharing_a_two_character_word_finds_the_answer(routed, answer, ask):
    answer("返金したいのですが", REFUND_ANSWER, customer="sato")
    answer("パスワードを忘れました", PASSWORD_ANSWER, customer="ito")
    asking = ask("返金の方法を教えてください", customer="kato")

    found = similar_answers(asking, routed.employee_a)

    assert [past.asked_text for past in found] == ["返金したいのですが"]
    assert found[0].reply_body == REFUND_ANSWER  # the signature line ^E100 is not part of it
    assert found[0].shared_terms == ("返金",)


def test_the_closest_comes_first_and_an_unanswered_question_is_not_offered(routed, answer, ask):
    answer(
        "refund please, the vacuum cleaner is broken",
        "Sorry to hear that. Send us the order number by DM.",
        customer="a1",
    )
    answer("how long does a refund take", "Refunds reach your account within 5 business days.", customer="a2")
    ask("how long does a refund take to arrive", customer="a3")  # asked, never answered
    asking = ask("how long will my refund take?", customer="a4")

    found = similar_answers(asking, routed.employee_a)

    assert [past.asked_text for past in found] == [
        "how long does a refund take",
        "refund please, the vacuum cleaner is broken",
    ]
    assert found[0].reply_body == "Refunds reach your account within 5 business days."


def test_only_questions_the_person_may_see_are_offered(routed, answer, ask):
    answer("返品の受付はいつまでですか", "到着から8日以内に承っております。", customer="b1", author=routed.employee_b)
    asking = ask("パスワード再発行の受付はいつまでですか", customer="b2")  # queue A

    assert asking.queue == routed.queue_a
    assert similar_answers(asking, routed.employee_a) == []
    assert [past.asked_text for past in similar_answers(asking, routed.supervisor)] == ["返品の受付はいつまでですか"]


def test_a_reply_x_never_accepted_is_not_offered(routed, ask, channel, fake_x):
    question = ask("パスワードを忘れました", customer="c1")
    claims.claim(question, actor=routed.employee_a)
    question.refresh_from_db()
    reply = services.send_reply(
        question, actor=routed.employee_a, token=str(question.claim_token), body=PASSWORD_ANSWER
    )
    fake_x.faults.queue("server_error", path_prefix="/2/tweets", method="POST", count=20)
    outbox.deliver(reply.pk, channel)
    assert Reply.objects.get(pk=reply.pk).status != Reply.Status.SENT

    assert similar_answers(ask("パスワードが分かりません", customer="c2"), routed.employee_a) == []


def test_an_old_answer_with_a_rare_word_is_found_beyond_the_window(routed, answer, ask, monkeypatch):
    """Beyond the newest answers tested word by word, the bigram index finds the rare word in the whole history."""
    answer("延長保証に入りたいのですが", "延長保証は購入から30日以内にお申し込みいただけます。", customer="d1")
    for number in range(3):
        answer(f"パスワードを忘れました {number}", f"{PASSWORD_ANSWER} ({number})", customer=f"d{number + 2}")
    monkeypatch.setattr(similar, "WINDOW", 2)

    found = similar_answers(ask("延長保証の料金を知りたい", customer="d9"), routed.employee_a)

    assert [past.asked_text for past in found] == ["延長保証に入りたいのですが"]


def test_the_compose_page_loads_them(routed, answer, ask):
    answer("返金したいのですが", REFUND_ANSWER, customer="e1")
    asking = ask("返金の方法を教えてください", customer="e2")
    claims.claim(asking, actor=routed.employee_a)
    client = signed_in(routed.employee_a)

    page = client.get(reverse("inbox:question", args=[asking.pk])).content.decode()
    assert reverse("inbox:similar_answers", args=[asking.pk]) in page
    fragment = client.get(reverse("inbox:similar_answers", args=[asking.pk])).content.decode()

    assert "<mark>返金</mark>したいのですが" in fragment  # the word it shares, marked
    assert f'data-insert-text="{REFUND_ANSWER}"' in fragment
    assert "^E100" not in fragment


def test_another_queues_question_is_a_404(routed, ask):
    question = ask("返品したいです", customer="f1")  # queue B
    response = signed_in(routed.employee_a).get(reverse("inbox:similar_answers", args=[question.pk]))
    assert response.status_code == 404


def _held(question: Question, by) -> Question:
    claims.claim(question, actor=by)
    question.refresh_from_db()
    return question


def test_an_inserted_past_answer_is_checked_for_approval_like_typed_text(routed, answer, ask):
    """The past answer was sent once; inserted again, its words are checked again (返金 is a keyword)."""
    answer("返金したいのですが", REFUND_ANSWER, customer="g1")
    asking = _held(ask("返金の方法を教えてください", customer="g2"), routed.employee_a)
    inserted = similar_answers(asking, routed.employee_a)[0].reply_body

    sent = services.send_reply(asking, actor=routed.employee_a, token=str(asking.claim_token), body=inserted)

    assert isinstance(sent, ReplyDraft)
    assert [reason["kind"] for reason in sent.reasons] == ["keyword"]


def test_a_template_with_a_past_answer_inserted_is_an_edited_template(routed, answer, ask):
    answer("パスワードを忘れました", PASSWORD_ANSWER, customer="h1")
    template = save_setting(
        ReplyTemplate(title="お詫び", body="ご不便をおかけしております。", queue=routed.queue_a),
        actor=routed.supervisor,
    )
    asking = _held(ask("パスワードが分かりません", customer="h2"), routed.employee_a)
    inserted = similar_answers(asking, routed.employee_a)[0].reply_body

    sent = services.send_reply(
        asking,
        actor=routed.employee_a,
        token=str(asking.claim_token),
        body=f"{template.body}{inserted}",
        template=template,
    )

    assert isinstance(sent, ReplyDraft)
    assert "template_edited" in [reason["kind"] for reason in sent.reasons]


def test_the_window_counts_its_questions_even_when_none_holds_a_word(routed, answer):
    """A word only the history holds is weighed as rare in a window of that size, not in an empty one."""
    answer("パスワードを忘れました", PASSWORD_ANSWER, customer="j1")
    answer("パスワードが分かりません", f"{PASSWORD_ANSWER} (2)", customer="j2")
    answered = Question.objects.filter(status=Question.Status.ANSWERED)

    candidates, counts = similar._window_matches(answered, ["寿司"])

    assert candidates == []
    assert counts.window == 2


def test_the_signature_line_is_taken_off_whatever_its_prefix_was():
    author = Employee(employee_number="E100")
    assert similar.reply_body(Reply(text="ご案内します。\n^E100", author=author)) == "ご案内します。"
    assert similar.reply_body(Reply(text="ご案内します。\n/E100 ", author=author)) == "ご案内します。"
    # Another person's number, or a last line of words, is part of the reply.
    assert similar.reply_body(Reply(text="ご案内します。\n^E200", author=author)) == "ご案内します。\n^E200"
    assert similar.reply_body(Reply(text="Call us.\nWe open at 9 E100", author=author)) == "Call us.\nWe open at 9 E100"
