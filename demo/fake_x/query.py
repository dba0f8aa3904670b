"""Recent search's query language, as much of it as the desk uses: parsed into one predicate over posts.

X's grammar, in the order it binds: a leading "-" negates a term or a group; terms side by side are ANDed; `OR`
(upper case) joins the ANDed runs; parentheses group. So `delivery late OR 配送 -遅延` means
`(delivery AND late) OR (配送 AND NOT 遅延)`. A query must hold at least one term that is not negated, like X's.

Keywords and phrases match after NFKC and casefolding. A keyword of ASCII letters and digits matches a whole word
("order" does not match "border"), as X's tokens do; anything else, Japanese above all, has no spaces to split on
and matches as a substring.
"""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
Predicate = Callable[[T], bool]

TOKEN = re.compile(r'\s*(?:(-?\()|(\))|(-?"[^"]*")|(-?"[^"]*$)|([^\s()"]+))')
WORD_CHARACTER = re.compile(r"[0-9a-z_]")


class QuerySyntaxError(ValueError):
    """The query is not one X would accept; the message says where, as X's does."""


def folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def keyword_matcher(keyword: str) -> Callable[[str], bool]:
    """Whether a text holds `keyword` (a word or a phrase): whole words for ASCII edges, substrings otherwise."""
    wanted = folded(keyword)
    if not wanted:
        return lambda text: True
    before = r"(?<![0-9a-z_])" if WORD_CHARACTER.fullmatch(wanted[0]) else ""
    after = r"(?![0-9a-z_])" if WORD_CHARACTER.fullmatch(wanted[-1]) else ""
    pattern = re.compile(before + re.escape(wanted) + after)
    return lambda text: pattern.search(folded(text)) is not None


@dataclass(frozen=True)
class _Token:
    kind: str  # "open", "close", "term"
    text: str
    negated: bool
    position: int


def _tokens(query: str) -> list[_Token]:
    tokens = []
    position = 0
    while position < len(query):
        if not query[position:].strip():
            break
        match = TOKEN.match(query, position)
        if match is None:  # pragma: no cover - every character starts one of the alternatives
            raise QuerySyntaxError(
                f"no viable alternative at character '{query[position]}' (at position {position + 1})"
            )
        opened, closed, phrase, unterminated, word = match.groups()
        start = match.start(match.lastindex)
        if unterminated is not None:
            raise QuerySyntaxError(f"missing closing '\"' (at position {start + 1})")
        if opened is not None:
            tokens.append(_Token("open", "(", opened.startswith("-"), start))
        elif closed is not None:
            tokens.append(_Token("close", ")", False, start))
        else:
            text = phrase if phrase is not None else word
            negated = text.startswith("-") and len(text) > 1
            tokens.append(_Token("term", text[1:] if negated else text, negated, start))
        position = match.end()
    return tokens


class _Parser(Generic[T]):
    def __init__(self, query: str, term: Callable[[str], Predicate]):
        self.query = query
        self.tokens = _tokens(query)
        self.at = 0
        self.term = term
        self.positive = False

    def parse(self) -> Predicate:
        if not self.tokens:
            raise QuerySyntaxError("the query is empty")
        predicate = self._or(negated_context=False)
        if self.at < len(self.tokens):
            token = self.tokens[self.at]
            raise QuerySyntaxError(f"extraneous input '{token.text}' (at position {token.position + 1})")
        if not self.positive:
            raise QuerySyntaxError("Rules must contain a non-negation term (at position 1)")
        return predicate

    def _peek(self) -> _Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def _or(self, *, negated_context: bool) -> Predicate:
        alternatives = [self._and(negated_context=negated_context)]
        while (token := self._peek()) is not None and token.kind == "term" and token.text == "OR" and not token.negated:
            self.at += 1
            if self._peek() is None or self._peek().kind == "close":
                raise QuerySyntaxError(f"missing a term after 'OR' (at position {token.position + 1})")
            alternatives.append(self._and(negated_context=negated_context))
        if len(alternatives) == 1:
            return alternatives[0]
        return lambda post: any(p(post) for p in alternatives)

    def _and(self, *, negated_context: bool) -> Predicate:
        parts = []
        while (token := self._peek()) is not None and token.kind != "close":
            if token.kind == "term" and token.text == "OR" and not token.negated:
                if not parts:
                    raise QuerySyntaxError(f"no viable alternative at input 'OR' (at position {token.position + 1})")
                break
            parts.append(self._unary(negated_context=negated_context))
        if not parts:
            token = self._peek()
            where = token.position + 1 if token is not None else len(self.query)
            raise QuerySyntaxError(f"an empty group (at position {where})")
        if len(parts) == 1:
            return parts[0]
        return lambda post: all(p(post) for p in parts)

    def _unary(self, *, negated_context: bool) -> Predicate:
        token = self.tokens[self.at]
        self.at += 1
        negated = token.negated
        if token.kind == "open":
            inner = self._or(negated_context=negated_context or negated)
            closing = self._peek()
            if closing is None or closing.kind != "close":
                raise QuerySyntaxError(f"missing ')' for '(' (at position {token.position + 1})")
            self.at += 1
        else:
            if not negated and not negated_context:
                self.positive = True
            inner = self.term(token.text)
        return (lambda post: not inner(post)) if negated else inner


def parse(query: str, term: Callable[[str], Predicate]) -> Predicate:
    """One predicate for `query`; `term` makes the predicate of one term (a keyword, a "phrase", an operator such
    as `from:alice`), without its "-". Raises QuerySyntaxError for a query X would refuse."""
    return _Parser(query, term).parse()
