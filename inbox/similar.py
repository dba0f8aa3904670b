"""Similar answered questions for the compose page: how the desk answered the same question before.

Retrieval only: the words of the question being answered are looked up among the questions the desk answered, and
the replies X accepted for the closest are shown, to be inserted by the employee (nothing is generated, nothing
leaves the desk). The text searched is the inbox's own (`Question.search_text`, inbox/search.py), so Japanese works
as it does in the inbox search.

The words of a question (`key_terms`), from its normalised text:
- a run of kanji is taken as its overlapping pairs ("掃除機" → 掃除, 除機): Japanese compounds are built of such
  pairs, so that "返金" is shared by "返金の方法" and "返金したい"; a kanji alone is kept (届 of "届いた");
- a run of katakana ("キャンセル") or of Latin letters ("refund") is one word; English words of one or two letters and
  the commonest English words are left out;
- hiragana (particles, endings: "の", "ください"), digits (order numbers are the customer's own) and @handles are
  left out.

Finding the closest, at a cost that does not grow with the history:
1. the newest WINDOW answered questions the employee may see are tested for each word (a substring test in the
   database); this finds the common questions' recent answers, and tells how common each word is (the share of the
   window that holds it);
2. the words rare in the window (under RARE_SHARE) are looked up in the whole history through the inbox's bigram
   index, unordered and at most HISTORY_CANDIDATES rows: a rare question answered long ago is found too, while a
   common word, which would make the index read hundreds of thousands of entries, is never looked up there.
Candidates are ranked by the weighted overlap of their words with the question's (a rare word weighs more than a
common one, and a long question sharing one word is less alike than a short one), newest first on a tie.
On SQLite (the embedded desk, small) only the window is searched.
The questions searched are those of the queues the person answers (every queue for a supervisor), answered (not
escalated or closed), with the reply X accepted for their first round.
"""

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import connections
from django.db.models import Case, Q, QuerySet, Value, When

from accounts.models import Employee

from .access import may_supervise, queue_ids_for
from .approval_reasons import Folded
from .approval_selectors import Segment, highlighted
from .models import Question, Reply
from .search import first_index_matches, normalised, tsquery

# How many of the newest answered questions are tested word by word.
WINDOW = 4000
# A word held by fewer than this share of the window is also looked up in the whole history.
RARE_SHARE = 0.01
HISTORY_CANDIDATES = 200
# At most this many words of a question are looked for (a long question's first ones).
MAX_TERMS = 12
# What the compose page shows.
SHOWN = 3
# At most this many candidates holding the same of the question's words are read before ranking them in full.
PER_KIND = 3
# Below this weighted overlap a question is not alike enough to show.
MIN_SCORE = 0.08
# The weight of a word a candidate holds and the question does not: less than any of the question's own words (a
# missing word of the question's counts more than an extra one of the candidate's).
EXTRA_WORD = 1.0

_KANJI = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆"
_KATAKANA = "\u30a1-\u30fa\u30fc"
_LATIN = "a-z\u00df-\u00f6\u00f8-\u024f"
_RUN = re.compile(rf"@\S+|https?://\S+|[{_KANJI}]+|[{_KATAKANA}]{{2,}}|[{_LATIN}]+(?:'[{_LATIN}]+)?")
_KATAKANA_RUN = re.compile(f"[{_KATAKANA}]+")
_KANJI_RUN = re.compile(f"[{_KANJI}]+")
_COMMONEST_ENGLISH = """
about after again all also and any are been but can cannot could did does doing don't for from get got had has
have hello help her here him his how i'm it's its just let me more most much not now off our out please she
should some than thank thanks that the their them then there these they this those too very was way we're were
what when where which while who why will with would yet you you're your yours
"""
_ENGLISH_STOPWORDS = frozenset(_COMMONEST_ENGLISH.split())


def key_terms(text: str) -> list[str]:
    """The words a question is compared by, in the order they occur, each once (see the module's docstring)."""
    terms: dict[str, None] = {}
    for match in _RUN.finditer(normalised(text)):
        run = match.group()
        if run[0] == "@" or run.startswith("http"):
            continue
        if _KATAKANA_RUN.fullmatch(run):
            terms.setdefault(run)
        elif _KANJI_RUN.fullmatch(run):
            # A kanji alone is a word too (届 of 届いた, 届きません); a compound is its pairs.
            for i in range(max(len(run) - 1, 1)):
                terms.setdefault(run[i : i + 2])
        elif len(run) > 2 and run not in _ENGLISH_STOPWORDS:
            terms.setdefault(run)
    return list(terms)


@dataclass(frozen=True)
class PastAnswer:
    """An answered question like the one being answered, and the reply X accepted for it."""

    question_id: int
    asked_text: str
    answered_at: datetime
    queue_name: str
    # The reply as its author wrote it: the post without their signature line.
    reply_body: str
    shared_terms: tuple[str, ...]
    score: float

    @property
    def asked_segments(self) -> list[Segment]:
        """The question as asked, with the words it shares with the one being answered marked ("matched")."""
        folded = Folded.of(self.asked_text)
        spans = [
            (span.start, span.end)
            for term in self.shared_terms
            for match in re.finditer(re.escape(term), folded.text)
            for span in [folded.span(match.start(), match.end())]
        ]
        return highlighted(self.asked_text, [{"spans": spans}])


@dataclass
class _Candidate:
    question_id: int
    terms: frozenset[str]
    newest_first: int  # 0 for the newest of the window; history rows come after the window


def _weight(term: str, counts: "WordCounts") -> float:
    """A word's weight: its inverse document frequency over the window (smoothed, so that on a small desk the one
    earlier answer holding a word does not make it common), halved for a kanji alone; a word only a candidate holds
    weighs EXTRA_WORD."""
    if term not in counts.held:
        return EXTRA_WORD
    weight = math.log(1 + (counts.window + 1) / (counts.held[term] + 1))
    # A kanji alone is mostly a verb's stem (教えて, 届いた): what is asked about is in the compounds.
    return weight / 2 if len(term) == 1 else weight


@dataclass(frozen=True)
class WordCounts:
    """How many of the window's `window` questions hold each of the question's words."""

    window: int
    held: dict[str, int]

    def share(self, term: str) -> float:
        return self.held.get(term, 0) / self.window if self.window else 0.0


def overlap(question_terms: Sequence[str], candidate_terms: frozenset[str], counts: WordCounts) -> float:
    """The weighted overlap (Jaccard) of two questions' words: what they share over what either holds. The
    question's words that no candidate holds are left out of it: they say nothing of which candidate is closer."""
    mine = {term for term in question_terms if counts.held.get(term)} | (set(question_terms) & candidate_terms)
    shared = sum(_weight(term, counts) for term in mine & candidate_terms)
    if not shared:
        return 0.0
    either = sum(_weight(term, counts) for term in mine | candidate_terms)
    return shared / either


def reply_body(reply: Reply) -> str:
    """The post without its author's signature line: what the employee wrote (inbox.composer.reply_text). The line
    is their number after a short prefix, whatever the prefix was when it was posted (REPLY_SIGNATURE_PREFIX)."""
    body, _newline, last = reply.text.rstrip().rpartition("\n")
    number = reply.author.employee_number
    signature = last.strip()
    if body and signature.endswith(number) and len(signature) - len(number) <= 8 and " " not in signature:
        return body.rstrip()
    return reply.text.rstrip()


def _answered_visible_to(employee: Employee, question: Question) -> QuerySet[Question]:
    answered = Question.objects.filter(status=Question.Status.ANSWERED).exclude(pk=question.pk)
    if may_supervise(employee):
        return answered
    return answered.filter(queue_id__in=queue_ids_for(employee))


def _without_handles(search_text: str) -> str:
    return " ".join(word for word in search_text.split(" ") if not word.startswith("@"))


def _window_matches(answered: QuerySet[Question], terms: list[str]) -> tuple[list[_Candidate], WordCounts]:
    """The newest WINDOW answered questions holding any of `terms`, with the terms each holds; and each term's
    share of the window."""
    newest = answered.order_by("-waiting_since", "-id").values("pk")[:WINDOW]
    tested = Question.objects.filter(pk__in=newest).annotate(
        **{
            f"has_{i}": Case(When(search_text__contains=term, then=Value(1)), default=Value(0))
            for i, term in enumerate(terms)
        },
    )
    any_term = Q()
    for term in terms:
        any_term |= Q(search_text__contains=term)
    rows = list(
        tested.filter(any_term)
        .order_by("-waiting_since", "-id")
        .values_list("pk", *(f"has_{i}" for i in range(len(terms))))
    )
    # Counted whether or not any matched: a question whose words only the history holds still weighs them as rare.
    window_size = min(WINDOW, newest.count())
    counts = [0] * len(terms)
    candidates = []
    for position, (pk, *holds) in enumerate(rows):
        held = frozenset(term for term, has in zip(terms, holds, strict=True) if has)
        for i, has in enumerate(holds):
            counts[i] += has
        candidates.append(_Candidate(pk, held, position))
    return candidates, WordCounts(
        window_size, {term: count for term, count in zip(terms, counts, strict=True) if count}
    )


def _history_matches(
    answered: QuerySet[Question], terms: list[str], counts: WordCounts, seen: set[int]
) -> list[_Candidate]:
    """Questions anywhere in the history holding a word that is rare in the window (PostgreSQL's bigram index)."""
    rare = [term for term in terms if counts.share(term) < RARE_SHARE]
    if not rare or connections[answered.db].vendor != "postgresql":
        return []
    either = " | ".join(f"({tsquery([term])})" for term in rare)
    rows = first_index_matches(answered.exclude(pk__in=seen), either, HISTORY_CANDIDATES)
    return [
        _Candidate(pk, frozenset(term for term in terms if term in text), WINDOW + position)
        for position, (pk, text) in enumerate(rows)
    ]


def similar_answers(question: Question, employee: Employee, *, limit: int = SHOWN) -> list[PastAnswer]:
    """The `limit` answered questions most like `question` among those `employee` may see, each with the reply X
    accepted for it (the first round's answer), most alike first."""
    terms = key_terms(_without_handles(question.search_text) or question.asked_text)[:MAX_TERMS]
    if not terms:
        return []
    answered = _answered_visible_to(employee, question)
    candidates, counts = _window_matches(answered, terms)
    candidates += _history_matches(answered, terms, counts, {c.question_id for c in candidates})
    # Words found only beyond the window count as held once.
    counts = WordCounts(counts.window, {term: counts.held.get(term) or 1 for c in candidates for term in c.terms})
    ranked = sorted(
        ((overlap(terms, c.terms, counts), c) for c in candidates),
        key=lambda scored: (-scored[0], scored[1].newest_first),
    )
    # The candidates' own words weigh too (a long question sharing one word is less alike): read the best few, at
    # most PER_KIND of those sharing the same words (a common question asked a thousand times would fill the list).
    best: list[_Candidate] = []
    per_kind: dict[frozenset[str], int] = {}
    for score, candidate in ranked:
        if score <= 0 or len(best) == limit * 8:
            break
        if per_kind.get(candidate.terms, 0) < PER_KIND:
            per_kind[candidate.terms] = per_kind.get(candidate.terms, 0) + 1
            best.append(candidate)
    return _with_replies(best, terms, counts, limit)


def _with_replies(candidates: list[_Candidate], terms: list[str], counts: WordCounts, limit: int) -> list[PastAnswer]:
    if not candidates:
        return []
    questions = Question.objects.select_related("queue").in_bulk([c.question_id for c in candidates])
    replies: dict[int, Reply] = {}
    for reply in (
        Reply.objects.select_related("author")
        .filter(
            question_id__in=list(questions),
            status=Reply.Status.SENT,
            purpose__in=[Reply.Purpose.ANSWER, Reply.Purpose.CLOSING],
        )
        .order_by("-round", "-id")
    ):
        replies[reply.question_id] = reply  # the earliest round's, as the asked text is the first round's
    found = []
    for candidate in candidates:
        past, reply = questions.get(candidate.question_id), replies.get(candidate.question_id)
        if past is None or reply is None:
            continue
        # What it holds is decided as the window decided it (a substring of its text: カード in クレジットカード),
        # without the handles, and its own words besides, which make a long question less alike.
        text = _without_handles(past.search_text)
        own_terms = frozenset(term for term in terms if term in text) | frozenset(key_terms(text))
        score = overlap(terms, own_terms, counts)
        if score < MIN_SCORE:
            continue
        found.append(
            PastAnswer(
                question_id=past.pk,
                asked_text=past.asked_text,
                answered_at=reply.sent_at or past.answered_at or past.created_at,
                queue_name=past.queue.name,
                reply_body=reply_body(reply),
                shared_terms=tuple(term for term in terms if term in own_terms),
                score=score,
            )
        )
    found.sort(key=lambda answer: (-answer.score, -answer.answered_at.timestamp()))
    # One answer for each set of shared words, the closest: three askings of one common question would hide the rest.
    shown, sharing = [], set()
    for answer in found:
        if answer.shared_terms not in sharing:
            sharing.add(answer.shared_terms)
            shown.append(answer)
    return shown[:limit]
