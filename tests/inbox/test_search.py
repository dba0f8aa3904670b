"""Search finds a question by a word of its text (Japanese two-character words included), the customer's handle or
an order number, within the person's queues, on PostgreSQL (bigrams on a GIN index) and on the embedded SQLite
(a substring test), with the inbox's sorts and keyset pages."""

import pytest
from django.db import connection
from hypothesis import assume, given
from hypothesis import strategies as st

from inbox import search, selectors
from inbox.configuration import save_setting
from inbox.models import Question, RoutingRule
from tests.embedded import run_on_embedded_sqlite


@pytest.fixture
def asked(people, routed_to_a, ask):
    """Questions in queue A (routed by "order", or by "注文") and one in queue B, which E100 may not answer."""
    save_setting(RoutingRule(name="ja to A", keywords="注文", queue=people.queue_a), actor=None)
    save_setting(RoutingRule(name="to B", keywords="queue-b", queue=people.queue_b), actor=None)
    questions = {
        "refund": ask("注文した商品の返金はいつですか", customer="kato"),
        "returned": ask("注文品を返品したいです", customer="ito"),
        "exchange": ask("注文のサイズ交換をお願いします", customer="sato_ai"),
        "order_number": ask("My order #12345 has not arrived", customer="brown"),
        "full_width": ask("注文番号：Ａ－１２３４、まだ届きません", customer="suzuki"),
        "ends_with": ask("注文したものを返", customer="mori"),
        "other_queue": ask("queue-b 返金してください #12345", customer="kato"),
    }
    return questions


def found(people, text: str, **filters) -> list[int]:
    page = selectors.questions_for_inbox(
        people.employee_a,
        [people.queue_a.pk],
        selectors.InboxFilters(search=text, **filters),
    )
    return [q.pk for q in page.questions]


def ids(asked, *names) -> set[int]:
    return {asked[name].pk for name in names}


def test_a_two_character_japanese_word_is_found_inside_a_sentence(people, asked):
    assert set(found(people, "返金")) == ids(asked, "refund")
    assert set(found(people, "交換")) == ids(asked, "exchange")
    assert set(found(people, "返品")) == ids(asked, "returned")


def test_one_character_finds_every_word_it_begins_ends_or_stands_in(people, asked):
    assert set(found(people, "返")) == ids(asked, "refund", "returned", "ends_with")


def test_every_word_of_a_search_must_occur(people, asked):
    assert set(found(people, "注文 返金")) == ids(asked, "refund")
    assert found(people, "返金 交換") == []


def test_the_customer_handle_is_found_with_or_without_at(people, asked):
    assert set(found(people, "@kato")) == ids(asked, "refund")
    assert set(found(people, "sato_a")) == ids(asked, "exchange")
    assert set(found(people, "@KATO")) == ids(asked, "refund")


def test_order_numbers_are_found_as_written_and_in_full_width(people, asked):
    assert set(found(people, "#12345")) == ids(asked, "order_number")
    assert set(found(people, "12345")) == ids(asked, "order_number")
    # The customer typed full-width "Ａ－１２３４": NFKC makes it "a-1234", as the search is typed.
    assert set(found(people, "A-1234")) == ids(asked, "full_width")
    assert set(found(people, "ａ－１２３４")) == ids(asked, "full_width")
    assert found(people, "A-9999") == []


def test_english_words_are_found_whatever_their_case(people, asked):
    assert set(found(people, "ARRIVED")) == ids(asked, "order_number")


def test_search_never_shows_a_question_of_a_queue_the_person_may_not_answer(people, asked):
    assert asked["other_queue"].queue == people.queue_b
    assert asked["other_queue"].pk not in found(people, "返金")
    assert asked["other_queue"].pk not in found(people, "@kato")
    # E200 answers queue B and finds it there, and nothing of queue A.
    page = selectors.questions_for_inbox(people.employee_b, [people.queue_b.pk], selectors.InboxFilters(search="返金"))
    assert [q.pk for q in page.questions] == [asked["other_queue"].pk]


def test_bigrams_that_occur_apart_are_not_a_match(people, routed_to_a, ask):
    apart = ask("order: ab bc", customer="lee")
    together = ask("order: abc", customer="kim")
    assert found(people, "abc") == [together.pk]
    assert apart.pk not in found(people, "abc")


def test_a_follow_up_is_searchable_too(people, routed_to_a, ask, fake_x):
    question = ask("Where is my order?", customer="nakamura")
    ask("追加で質問です。交換できますか", customer="nakamura", in_reply_to=question.source_post_id)
    assert Question.objects.count() == 1
    assert found(people, "交換") == [question.pk]
    assert found(people, "where") == [question.pk]


def test_a_closed_or_answered_question_is_found_under_its_status(people, asked):
    from inbox.services import close_question

    close_question(asked["refund"], actor=people.supervisor, reason="Duplicate")
    assert found(people, "返金") == []
    assert found(people, "返金", status=Question.Status.CLOSED) == [asked["refund"].pk]


@pytest.mark.parametrize("text", ["'", "\\", "''", "a'b", "&|!", ":*", "(返金)", "100%", "_", "\\'", "返金 & !交換"])
def test_characters_with_a_meaning_in_sql_or_tsquery_are_searched_as_they_are(people, routed_to_a, ask, text):
    question = ask(f"order {text} end", customer="odd")
    assert question.pk in found(people, text)


def test_a_search_of_blanks_or_only_hashes_narrows_nothing(people, asked):
    everything = found(people, "")
    assert len(everything) == 6
    assert found(people, "   ") == everything
    assert found(people, "#") == everything


@pytest.mark.parametrize("window", [search.WINDOW, 3, 1], ids=["the window", "the index", "the index at once"])
def test_search_keeps_the_sort_and_pages_by_keyset(people, routed_to_a, ask, settings, monkeypatch, window):
    # A small window leaves the pages to the index step (first_matches), as a rare word does on a large desk.
    monkeypatch.setattr(search, "WINDOW", window)
    settings.INBOX_PAGE_SIZE = 2
    matching = []
    for i in range(5):
        matching.append(ask(f"order 返金 {i}", customer=f"buyer{i}"))
        ask(f"order without the word {i}", customer=f"quiet{i}")
    for sort, expected in (
        (selectors.WAITING, [q.pk for q in matching]),
        (selectors.NEWEST, [q.pk for q in reversed(matching)]),
        (selectors.DUE, [q.pk for q in matching]),
    ):
        seen, after = [], ""
        while True:
            page = selectors.questions_for_inbox(
                people.employee_a,
                [people.queue_a.pk],
                selectors.InboxFilters(search="返金", sort=sort, after=after),
            )
            seen += [q.pk for q in page.questions]
            if not page.next_after:
                break
            after = page.next_after
        assert seen == expected, sort


def test_the_index_step_reads_through_bitmap_scans_and_leaves_the_planner_as_it_was(people, asked, monkeypatch):
    monkeypatch.setattr(search, "WINDOW", 1)
    plans = []
    real_matching = search.matching

    def explained(questions, query):
        narrowed = real_matching(questions, query)
        plans.append(narrowed.select_related(None).values_list("pk", flat=True).explain())
        return narrowed

    monkeypatch.setattr(search, "matching", explained)
    assert set(found(people, "返金 注文")) == ids(asked, "refund")
    assert plans and all("Bitmap" in plan and "Index Scan using" not in plan for plan in plans)
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_indexscan")
        assert cursor.fetchone()[0] == "on"


def test_the_search_uses_the_bigram_index(people, asked):
    queryset = search.matching(Question.objects.filter(queue=people.queue_a), "返金")
    plan = queryset.explain()
    # At this size PostgreSQL may scan the table; the expression must be the index's, so a large desk uses it.
    assert "inbox_search_grams" in plan
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            assert "question_search_grams" in search.matching(Question.objects.all(), "返金").explain()
        finally:
            cursor.execute("SET enable_seqscan = on")


# --- the two definitions of the terms: Python's (the queries) and the SQL function's (the index) -------------------


def sql_grams(text: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tsvector_to_array(inbox_search_grams(%s))", [text])
        return sorted(cursor.fetchone()[0])


texts = st.text(
    alphabet=st.sampled_from(list("ab 1#-@_'\\返金交換注文ｱＡ") + ["\u3000", "\n"]),
    max_size=30,
).map(search.normalised)


@pytest.mark.django_db
@given(texts)
def test_the_sql_function_makes_the_terms_python_makes(text):
    assert sql_grams(text) == sorted(set(search.grams(text)))


@pytest.mark.django_db
@given(texts, st.integers(min_value=0, max_value=30), st.integers(min_value=1, max_value=6))
def test_every_piece_of_a_text_is_found_by_the_index_condition(text, start, length):
    word = text[start : start + length].strip().split(" ")[0] if text else ""
    # A word with "@" is looked for at the start of a word (a handle, a mention): pieces from inside one are not.
    assume(word and (not word.startswith("@") or len(word) == 1 or f" {text}".find(f" {word}") >= 0))
    with connection.cursor() as cursor:
        cursor.execute("SELECT inbox_search_grams(%s) @@ %s::tsquery", [text, search.tsquery([word])])
        assert cursor.fetchone()[0] is True


def test_normalised_text_is_nfkc_case_folded_with_single_spaces():
    assert search.normalised("  ＡＢＣ　ｶﾀｶﾅ\n\tStraße ") == "abc カタカナ strasse"
    assert search.search_text("Kato_K", ["@replydesk_support 返金は？", "追加です"]) == "@kato_k 返金は? 追加です"


def test_words_drop_a_leading_hash_and_keep_an_at():
    assert search.words("#12345 @Kato  返金") == ["12345", "@kato", "返金"]
    assert search.words("#") == []
    assert len(search.words("a " * 50)) == search.MAX_WORDS


def test_a_one_character_word_beside_longer_ones_is_left_to_the_substring_test():
    assert search.tsquery(["返", "交換"]) == "'交換'"
    assert search.tsquery(["返"]) == "'返':*"


def test_the_substring_test_is_left_out_only_where_the_index_is_exact():
    assert search.settled_by_the_index(["返金", "@kato", "12345", "@a", "返"]) == {"返金", "@kato"}
    assert search.settled_by_the_index(["返", "a"]) == {"返", "a"}


def test_a_short_handle_is_not_found_inside_an_address(people, routed_to_a, ask):
    mention = ask("order: ask @s please", customer="quiet")
    address = ask("order: mail taro@s.example", customer="loud")
    assert found(people, "@s") == [mention.pk]
    assert address.pk in found(people, "o@s")


def test_a_handle_is_one_term_not_its_common_pairs():
    assert search.tsquery(["@user1234", "返金"]) == "'@user1234':* & '返金'"
    assert "@kato_k" in search.grams("@kato_k 返金 mail taro@example.com")
    assert "@example.com" not in search.grams("@kato_k 返金 mail taro@example.com")


def test_a_word_with_at_finds_handles_and_mentions_not_addresses(people, routed_to_a, ask):
    mention = ask("order: please ask @shop_help", customer="quiet")
    address = ask("order: mail me at taro@shop_help.example", customer="loud")
    assert found(people, "@shop_help") == [mention.pk]
    assert set(found(people, "shop_help")) == {mention.pk, address.pk}


def test_the_migration_fills_the_search_text_of_existing_questions(people, asked):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("inbox.migrations.0005_search_text_and_inbox_sorts")
    Question.objects.update(search_text="")
    migration.fill_search_text(apps, None)
    refund = Question.objects.get(pk=asked["refund"].pk)
    assert refund.search_text == search.search_text("kato", ["注文した商品の返金はいつですか"])
    assert set(found(people, "返金")) == ids(asked, "refund")


# --- the embedded desk: the same search on SQLite ----------------------------------------------------------------

SQLITE_PROBE = r"""
import json, sys
from datetime import UTC, datetime, timedelta
import django
django.setup()
from django.core.management import call_command
from django.db import connection
call_command("migrate", verbosity=0)
assert connection.vendor == "sqlite", connection.vendor

from accounts.models import Role
from channels.base import Author, Mention, MentionPage
from inbox import selectors
from inbox.access import queue_ids_for
from inbox.configuration import save_setting
from inbox.ingest import ingest_mentions
from inbox.models import RoutingRule
from tests import cast

queue_a, queue_b = cast.make_queue("Queue A"), cast.make_queue("Queue B")
admin = cast.administrator()
supervisor = cast.approved("S100", by=admin, role=Role.SUPERVISOR)
employee = cast.approved("E100", by=supervisor, role=Role.EMPLOYEE, queues=[queue_a])
save_setting(RoutingRule(name="to A", keywords="注文\norder", queue=queue_a), actor=None)
save_setting(RoutingRule(name="to B", keywords="queue-b", queue=queue_b), actor=None)

POSTS = [
    ("kato", "@desk 注文した商品の返金はいつですか", None),
    ("ito", "@desk 注文品を返品したいです", None),
    ("sato_ai", "@desk 注文のサイズ交換をお願いします", None),
    ("brown", "@desk My order #12345 has not arrived", None),
    ("suzuki", "@desk 注文番号：Ａ－１２３４、まだ届きません", None),
    ("kato", "@desk queue-b 返金してください", None),
    ("lee", "@desk order: ab bc", None),
    ("nakamura", "@desk Where is my order?", None),
    ("nakamura", "@desk 追加で質問です。交換できますか", 8),
]


class Channel:
    account_id, account_username = "1", "desk"

    def mentions(self, *, since_id, pagination_token, max_results=100):
        start = datetime(2026, 12, 1, tzinfo=UTC)
        mentions = []
        for n, (handle, text, joins) in enumerate(POSTS, start=1):
            conversation = str(100 + (joins or n))
            author = Author(id=str(1000 + sum(map(ord, handle))), username=handle, name=handle)
            mentions.append(Mention(str(100 + n), text, author, conversation, start + timedelta(minutes=n)))
        return MentionPage(mentions=mentions[::-1], newest_id=mentions[-1].id)


ingest_mentions(Channel())
results = {}
for query in ["返金", "交換", "返", "@kato", "#12345", "A-1234", "abc", "arrived", "返金 交換"]:
    page = selectors.questions_for_inbox(employee, queue_ids_for(employee), selectors.InboxFilters(search=query))
    results[query] = sorted(q.customer.handle for q in page.questions)
print("RESULTS " + json.dumps(results, ensure_ascii=False))
"""


@pytest.fixture(scope="module")
def sqlite_results(tmp_path_factory):
    """The embedded desk (no DATABASE_URL: SQLite under its own var directory) in a process of its own: migrate,
    ingest, search."""
    return run_on_embedded_sqlite(SQLITE_PROBE, tmp_path_factory.mktemp("embedded"))


def test_the_embedded_desk_finds_the_same_on_sqlite(sqlite_results):
    assert sqlite_results == {
        "返金": ["kato"],
        "交換": ["nakamura", "sato_ai"],
        "返": ["ito", "kato"],
        "@kato": ["kato"],
        "#12345": ["brown"],
        "A-1234": ["suzuki"],
        "abc": [],
        "arrived": ["brown"],
        "返金 交換": [],
    }
