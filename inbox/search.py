"""Finding questions by what the customer wrote, by handle or by an order number, in Japanese as in English.

Each question keeps `search_text`: the customer's handle and every post of theirs, normalised once at ingestion
(NFKC, so that full-width "ＡＢＣ１２３" and half-width katakana read as their usual forms; case-folded; one space
between words). A search word matches when it occurs in that text, anywhere: "返金" inside "返金してください",
"12345" inside "#12345", "tanaka" inside "@tanaka_k".

Japanese has no spaces between words, so a word index cannot find "返金" in "返金してください". PostgreSQL finds it
through character bigrams instead: every two adjacent characters of the text are one term ("返金", "金し", "して",
...), indexed with GIN on `inbox_search_grams(search_text)` (migration 0005 defines the function and the index).
A word of two or more characters is looked up as its bigrams, all of which must be present (the index's work), and
then as a substring of the text (exact: the bigrams of "注文番号" can occur apart). A one-character word ("傘")
matches the terms that begin with it. A word that begins with "@" is also kept whole, as one term: a handle's
bigrams are common ("@u", "er", "12" occur in most questions) and intersecting them cost tens of milliseconds at a
million questions, where the one term costs one lookup ("@tanaka" finds "@tanaka_k": the terms that begin with it;
so a word with "@" finds handles and mentions, not "taro@example.com").
On SQLite (the embedded desk, small) the substring test alone is enough.

`grams` below and the SQL function in migration 0005 make the same terms; tests/inbox/test_search.py holds the
two together.
"""

import unicodedata
from collections.abc import Callable

from django.db import connections, transaction
from django.db.models import BooleanField, F, Func, Q, QuerySet, TextField, Value

from .models import display_text

# A search is at most this many words of at most this many characters: enough for any question, and it bounds
# the index lookup a pasted essay would make.
MAX_WORDS = 8
MAX_WORD_LENGTH = 64
# How many questions, in the list's order, are read first for a common word's page (first_matches).
WINDOW = 1000


def normalised(text: str) -> str:
    """NFKC, case-folded (then NFKC again, as case folding can undo it), runs of white space as one space."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return " ".join(folded.split())


def search_text(handle: str, posts: list[str]) -> str:
    """What a question is searched by: `@handle` and the customer's posts, in order, without the @handles X puts in
    front of a reply (the pages leave them out too; the official account's would match every question)."""
    return normalised(" ".join([f"@{handle}", *map(display_text, posts)]))


def with_post(text: str, post: str) -> str:
    """A question's search text with one more post of the customer's."""
    return normalised(f"{text} {display_text(post)}")


def _is_handle(word: str) -> bool:
    return word.startswith("@") and len(word) > 1


def grams(text: str) -> list[str]:
    """The terms the PostgreSQL index holds for a normalised text: at each character that is not a space, it and
    the next one, or the character alone when the next is a space or the end (so that every character begins a
    term, and a one-character word can be found); and each word that begins with "@" whole, so that a handle is
    one rare term rather than a dozen common pairs ("@u", "us", "se", ...). The SQL function `inbox_search_grams` is
    the same rule."""
    terms = []
    for i, char in enumerate(text):
        if char == " ":
            continue
        pair = text[i : i + 2]
        terms.append(char if pair.endswith(" ") else pair)
    terms += [word for word in text.split(" ") if _is_handle(word)]
    return terms


def words(query: str) -> list[str]:
    """The words of a search, normalised as the text is. A leading "#" is dropped (customers write an order
    number with it or without: "#12345", "注文番号12345"); "@" stays, so "@tanaka" looks for the handle."""
    found = (word.lstrip("#")[:MAX_WORD_LENGTH] for word in normalised(query).split(" "))
    return [word for word in found if word][:MAX_WORDS]


def _quoted(term: str) -> str:
    # A tsquery lexeme in quotes is taken as it is (no parser, no dictionary); inside, ' and \ are escaped.
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def tsquery(query_words: list[str]) -> str:
    """The index condition for `query_words` (see the module's docstring): for a word that begins with "@", the
    whole words that begin with it (a handle, or the start of one); for every other word of two or more characters,
    its bigrams; only when all words are single characters, the terms beginning with each."""
    handles = {word for word in query_words if _is_handle(word)}
    pairs = {word[i : i + 2] for word in query_words if word not in handles for i in range(len(word) - 1)}
    if handles or pairs:
        return " & ".join([f"{_quoted(handle)}:*" for handle in sorted(handles)] + [_quoted(p) for p in sorted(pairs)])
    return " & ".join(f"{_quoted(word)}:*" for word in sorted(set(query_words)))


class _GramsMatch(Func):
    """inbox_search_grams(search_text) @@ '…'::tsquery: the expression of the index in migration 0005."""

    arg_joiner = " @@ "
    template = "(%(expressions)s)"
    output_field = BooleanField()


def settled_by_the_index(query_words: list[str]) -> set[str]:
    """The words the index condition alone decides exactly: a two-character word (its one bigram is there exactly
    when the word is), a handle of two characters or more after the "@" (only whole words are terms that long),
    and single characters when they are all there is (a term beginning with each). Longer words also need the
    substring test: their bigrams can occur apart."""
    if all(len(word) == 1 for word in query_words):
        return set(query_words)
    # "@a" is looked up as the terms beginning with it, and the bigram "@a" of "taro@abc" is one: checked again.
    return {word for word in query_words if (len(word) > 2 if _is_handle(word) else len(word) == 2)}


def _contains(word: str) -> Q:
    if _is_handle(word):
        # A handle or a mention: a word that begins with it (the index's whole-word terms say the same).
        return Q(search_text__startswith=word) | Q(search_text__contains=f" {word}")
    return Q(search_text__contains=word)


def matching(questions: QuerySet, query: str) -> QuerySet:
    """`questions` narrowed to those whose text, handle or order numbers contain every word of `query`; the
    sort and paging of the caller stay as they are. An empty query narrows nothing."""
    query_words = words(query)
    if not query_words:
        return questions
    if connections[questions.db].vendor != "postgresql":
        return questions.filter(*map(_contains, query_words))
    grams_of_text = Func(F("search_text"), function="inbox_search_grams", output_field=TextField())
    as_tsquery = Func(Value(tsquery(query_words)), template="%(expressions)s::tsquery", output_field=TextField())
    # No substring test where the index condition is exact: PostgreSQL would count the two as independent and
    # expect far fewer rows than there are; it then reads every match of a common word through the index instead of
    # walking the sort's index to the first page of them (65 ms against 14 ms for 返金 among 900,000 answered).
    settled = settled_by_the_index(query_words)
    rechecks = [_contains(word) for word in query_words if word not in settled]
    return questions.filter(_GramsMatch(grams_of_text, as_tsquery), *rechecks)


def first_index_matches(questions: QuerySet, index_condition: str, limit: int) -> list[tuple[int, str]]:
    """(id, search_text) of at most `limit` of `questions` whose terms satisfy `index_condition` (a tsquery over
    the terms `grams` makes), in no particular order, on PostgreSQL: bitmap scans of the bigram index, stopping at
    `limit` rows. Ordering them would read every match; similar answers (inbox/similar.py) rank them itself."""
    grams_of_text = Func(F("search_text"), function="inbox_search_grams", output_field=TextField())
    as_tsquery = Func(Value(index_condition), template="%(expressions)s::tsquery", output_field=TextField())
    matches = questions.filter(_GramsMatch(grams_of_text, as_tsquery)).order_by().values_list("pk", "search_text")
    with transaction.atomic(using=questions.db), connections[questions.db].cursor() as cursor:
        # As in first_matches: bitmap scans, never a walk of another index computing every row's terms.
        _plan_with(cursor, "off")
        try:
            return list(matches[:limit])
        finally:
            _plan_with(cursor, "DEFAULT")


def _plan_with(cursor, value: str) -> None:
    for setting in ("enable_indexscan", "enable_indexonlyscan", "enable_seqscan"):
        cursor.execute(f"SET LOCAL {setting} = {value}")


def _on_postgresql(questions: QuerySet) -> bool:
    return connections[questions.db].vendor == "postgresql"


def first_matches(questions: QuerySet, query: str, fetch: Callable[[QuerySet, int], list], limit: int) -> list:
    """The first `limit` of `questions` that match `query`, in the order and from the position `fetch` applies
    (`fetch(queryset, n)`: the first n rows of it after the position). The inbox's one way into search.

    Steps, on PostgreSQL:
    1. the first WINDOW questions in the list's order (ids, by walking the sort's index) are tested for the words
       as substrings: a common word fills the page here, at a cost that does not grow with the table;
    2. otherwise the word is rare among them, and its matches come from the bigram index alone: ids by bitmap
       scans (the GIN index, and-ed with the queues' index), sorted, then those rows. PostgreSQL is kept from
       walking the sort's index instead, which it prefers when it expects a word to be common enough and which
       then makes the terms of every row it passes: seconds for a word found nowhere among 900,000 answered
       questions (its statistics give any unseen term a floor of a few thousand rows).
    On SQLite the substring test is the search.
    """
    query_words = words(query)
    if not query_words:
        return fetch(questions, limit)
    if not _on_postgresql(questions):
        return fetch(questions.filter(*map(_contains, query_words)), limit)
    window = fetch(questions.values_list("pk", flat=True), WINDOW)
    found = fetch(questions.filter(*map(_contains, query_words), pk__in=window), limit)
    if len(found) == limit or len(window) < WINDOW:
        return found
    with transaction.atomic(using=questions.db), connections[questions.db].cursor() as cursor:
        # For this one query: bitmap scans, no index walk. Set back at once rather than left to the transaction's
        # end, since a caller's transaction may go on.
        _plan_with(cursor, "off")
        try:
            ids = fetch(matching(questions, query).select_related(None).values_list("pk", flat=True), limit)
        finally:
            _plan_with(cursor, "DEFAULT")
    return fetch(questions.filter(pk__in=ids), limit)
