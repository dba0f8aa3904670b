"""Why a reply must wait for a supervisor's approval before it may reach X: one pure function, `approval_reasons`.

It decides from facts alone — the reply's text, what is known of its author and its question, and the risk rules in
force — so that the composer (showing the reasons before the employee submits) and the send service (deciding again,
never trusting the page) cannot disagree. Nothing here reads the database; the callers gather the facts.

Matching runs on the text NFKC-normalised and case-folded, so that full-width "０９０" matches 090 and "ＲＥＦＵＮＤ"
matches "refund"; each reason carries the spans it matched in the text as the employee wrote it, for the composer
to highlight.
"""

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum


class ReasonKind(StrEnum):
    QUEUE_POLICY = "queue_policy"  # the queue requires approval of every reply
    KEYWORD = "keyword"
    PERSONAL_DATA = "personal_data"
    NEW_EMPLOYEE = "new_employee"  # one of the author's first replies
    TEMPLATE_EDITED = "template_edited"  # started from an approved template, then changed


class PersonalData(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    POSTAL_ADDRESS = "postal_address"
    ORDER_NUMBER = "order_number"
    CARD_NUMBER = "card_number"


DEFAULT_KEYWORDS = (
    "返金",
    "補償",
    "賠償",
    "訴訟",
    "弁護士",
    "リコール",
    "個人情報",
    "refund",
    "compensation",
    "lawsuit",
    "lawyer",
    "recall",
)


@dataclass(frozen=True)
class RiskRules:
    """The risk rules in force: one version of what supervisors manage. `allowed` lists the company's own phone
    numbers, e-mail and postal addresses, which never count as a customer's personal data."""

    version: int = 0
    keywords: tuple[str, ...] = DEFAULT_KEYWORDS
    personal_data: frozenset[PersonalData] = frozenset(PersonalData)
    allowed: tuple[str, ...] = ()
    # A new employee's first replies need approval: the first N they send (0 turns it off).
    first_replies: int = 0


@dataclass(frozen=True)
class ReplyFacts:
    """What `approval_reasons` knows of a reply besides its text."""

    queue_requires_approval: bool = False
    # Replies the author has had posted so far (their first reply is the one sent with 0).
    author_replies_posted: int = 0
    # The approved template's text the reply started from, if it did (with its placeholders filled in).
    template_text: str | None = None


@dataclass(frozen=True)
class Span:
    """Characters [start, end) of the text as written."""

    start: int
    end: int


@dataclass(frozen=True)
class Reason:
    kind: ReasonKind
    # The keyword matched or the kind of personal data; empty for the reasons that are about the reply as a whole.
    detail: str = ""
    rule_version: int = 0
    spans: tuple[Span, ...] = field(default=())


def approval_reasons(text: str, facts: ReplyFacts, rules: RiskRules) -> tuple[Reason, ...]:
    """Every reason the reply `text` needs approval, in a stable order (none: it may be sent at once).

    A reply that is an approved template, unedited, needs no approval for its words (the template was reviewed);
    the queue's policy and the new-employee rule still apply to it. One that started from a template and was
    changed needs approval for the change, besides whatever its words match."""
    reasons: list[Reason] = []
    if facts.queue_requires_approval:
        reasons.append(Reason(ReasonKind.QUEUE_POLICY, rule_version=rules.version))
    if facts.author_replies_posted < rules.first_replies:
        reasons.append(Reason(ReasonKind.NEW_EMPLOYEE, rule_version=rules.version))
    if facts.template_text is not None and _same_text(text, facts.template_text):
        return tuple(reasons)
    if facts.template_text is not None:
        reasons.append(Reason(ReasonKind.TEMPLATE_EDITED, rule_version=rules.version))
    folded = Folded.of(text)
    reasons.extend(_keyword_reasons(folded, rules))
    reasons.extend(_personal_data_reasons(folded, rules))
    return tuple(reasons)


# --- normalising with the way back to the written text ---------------------------------------------------------


@dataclass(frozen=True)
class Folded:
    """`text` NFKC-normalised and case-folded character by character, with, for each folded character, the index
    of the written character it came from (NFKC may turn one character into several: "㈱" → "(株)")."""

    text: str
    origin: tuple[int, ...]
    written_length: int

    @classmethod
    def of(cls, written: str) -> "Folded":
        characters: list[str] = []
        origin: list[int] = []
        for index, character in enumerate(written):
            folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", character).casefold())
            characters.append(folded)
            origin.extend([index] * len(folded))
        return cls("".join(characters), tuple(origin), len(written))

    def span(self, start: int, end: int) -> Span:
        """The written characters that folded into [start, end)."""
        return Span(self.origin[start], self.origin[end - 1] + 1)


def fold(text: str) -> str:
    return Folded.of(text).text


def same_text(a: str, b: str) -> bool:
    """The same post, as far as an edit goes."""
    return _same_text(a, b)


def _same_text(a: str, b: str) -> bool:
    # Trailing white space and the kind of line break are not an edit.
    return fold(a).strip().replace("\r\n", "\n") == fold(b).strip().replace("\r\n", "\n")


def _keyword_reasons(folded: Folded, rules: RiskRules) -> Iterator[Reason]:
    for keyword in rules.keywords:
        wanted = fold(keyword).strip()
        if not wanted:
            continue
        spans = tuple(folded.span(m.start(), m.end()) for m in re.finditer(re.escape(wanted), folded.text))
        if spans:
            yield Reason(ReasonKind.KEYWORD, detail=keyword, rule_version=rules.version, spans=spans)


# --- personal data ----------------------------------------------------------------------------------------------

# Hyphens of every width people put between digits (NFKC leaves "−", "ー" and "‐" alone), and the separators of a
# phone number: those, spaces, dots and parentheses ("(03) 1234-5678"), at most two in a row (") ").
_DASHES = r"\-‐‑‒–—―−ー－"  # for character classes: the ASCII hyphen escaped
_SEP = rf"[{_DASHES} .()]{{0,2}}"
# Shapes; what the digits must add up to is checked afterwards (_matches).
_JAPANESE_PHONE = re.compile(rf"(?<![\d+])0\d{{1,4}}{_SEP}\d{{1,4}}{_SEP}\d{{3,4}}(?!\d)")
_INTERNATIONAL_PHONE = re.compile(rf"\+\d{{1,3}}{_SEP}(?:\d{{1,4}}{_SEP}){{1,4}}\d{{2,4}}(?!\d)")
_EMAIL = re.compile(r"[a-z0-9._%+\-]+@[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,}")
# "〒100-0005", "100-0005"; not the middle of a longer run of numbers ("090-1234-5678").
_POSTAL_CODE = re.compile(rf"(?:〒\s*)?(?<![\d{_DASHES}])\d{{3}}[{_DASHES}]\d{{4}}(?!\d|[{_DASHES}]\d)")
_PREFECTURES = (
    "北海道|青森県|岩手県|宮城県|秋田県|山形県|福島県|茨城県|栃木県|群馬県|埼玉県|千葉県|東京都|神奈川県|新潟県|"
    "富山県|石川県|福井県|山梨県|長野県|岐阜県|静岡県|愛知県|三重県|滋賀県|京都府|大阪府|兵庫県|奈良県|和歌山県|"
    "鳥取県|島根県|岡山県|広島県|山口県|徳島県|香川県|愛媛県|高知県|福岡県|佐賀県|長崎県|熊本県|大分県|宮崎県|"
    "鹿児島県|沖縄県"
)
# "1-2-3", "3丁目1番3号".
_BLOCK = rf"\d+(?:\s*(?:丁目|番地?|[{_DASHES}])\s*\d+)+(?:\s*号)?"
# A prefecture, a city, ward, town or village and a block number ("東京都千代田区丸の内1-2-3"), or, without the
# prefecture, a city or ward and a 丁目 ("大阪市北区梅田3丁目1-3"); not "港区の店舗で2日後".
_JAPANESE_ADDRESS = re.compile(
    rf"(?:{_PREFECTURES})\S{{0,12}}?[市区町村郡]\S{{0,12}}?{_BLOCK}|\S{{1,8}}?[市区町村]\S{{0,12}}?\d+\s*丁目(?:\s*{_BLOCK}|\s*\d+)?"
)
# "1600 Amphitheatre Parkway", "221b Baker Street".
_STREET_ADDRESS = re.compile(
    r"\b\d{1,6}[a-z]?\s+(?:[a-z]+\s+){1,4}"
    r"(?:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|parkway|pkwy|way|court|ct|place|pl)\b\.?"
)
_ORDER_NUMBER = re.compile(
    rf"(?:ご?注文番号|受付番号|お問い?合わせ番号|order\s*(?:number|no\.?|#)|#)\s*[:：]?\s*[a-z]{{0,3}}[{_DASHES}]?\d{{4,}}"
)
# 13 to 19 digits in fours (Visa, Mastercard, JCB) or 4-6-5 (American Express), spaced, hyphenated or not.
_CARD_NUMBER = re.compile(r"(?<!\d)(?:(?:\d{4}[ \-]?){3}\d{1,7}|\d{4}[ \-]?\d{6}[ \-]?\d{5})(?!\d)")


def _digits(text: str) -> str:
    return "".join(character for character in text if character.isdigit())


def _passes_luhn(digits: str) -> bool:
    total = 0
    for position, digit in enumerate(reversed(digits)):
        value = int(digit)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _matches(kind: PersonalData, text: str) -> Iterator[re.Match]:
    if kind == PersonalData.PHONE:
        yield from (m for m in _JAPANESE_PHONE.finditer(text) if len(_digits(m.group())) in (10, 11))
        yield from (m for m in _INTERNATIONAL_PHONE.finditer(text) if 8 <= len(_digits(m.group())) <= 15)  # E.164
    elif kind == PersonalData.EMAIL:
        yield from _EMAIL.finditer(text)
    elif kind == PersonalData.POSTAL_ADDRESS:
        yield from _POSTAL_CODE.finditer(text)
        yield from _JAPANESE_ADDRESS.finditer(text)
        yield from _STREET_ADDRESS.finditer(text)
    elif kind == PersonalData.ORDER_NUMBER:
        yield from _ORDER_NUMBER.finditer(text)
    elif kind == PersonalData.CARD_NUMBER:
        yield from (m for m in _CARD_NUMBER.finditer(text) if _passes_luhn(_digits(m.group())))


@dataclass(frozen=True)
class _AllowList:
    """The company's own numbers (as the digits dialled in Japan, however they are written) and addresses (folded,
    without spaces or hyphens)."""

    numbers: frozenset[str]
    texts: tuple[str, ...]

    @classmethod
    def of(cls, entries: Iterable[str]) -> "_AllowList":
        numbers, texts = set(), []
        for entry in entries:
            folded = fold(entry).strip()
            if re.fullmatch(rf"\+?[\d{_DASHES} .()]+", folded) and len(_digits(folded)) >= 7:
                numbers.add(_national(folded))
            elif folded:
                texts.append(_squeezed(folded))
        return cls(frozenset(numbers), tuple(texts))

    def allows(self, found: str) -> bool:
        if _national(found) in self.numbers:
            return True
        squeezed = _squeezed(found)
        return any(squeezed in allowed for allowed in self.texts)


def _national(number: str) -> str:
    """The digits of a phone number as dialled in Japan: "+81 3-1234-5678" is "0312345678"."""
    digits = _digits(number)
    return "0" + digits[2:] if number.startswith("+81") else digits


def _squeezed(text: str) -> str:
    return re.sub(rf"[\s{_DASHES}]", "", text)


def _personal_data_reasons(folded: Folded, rules: RiskRules) -> Iterator[Reason]:
    allow_list = _AllowList.of(rules.allowed)
    claimed: list[Span] = []  # what one kind matched is not reported again as another (a card as a phone number)
    for kind in (
        PersonalData.EMAIL,
        PersonalData.CARD_NUMBER,
        PersonalData.PHONE,
        PersonalData.POSTAL_ADDRESS,
        PersonalData.ORDER_NUMBER,
    ):
        if kind not in rules.personal_data:
            continue
        spans: list[Span] = []
        for match in _matches(kind, folded.text):
            if allow_list.allows(match.group()):
                continue
            span = folded.span(match.start(), match.end())
            if any(span.start < other.end and other.start < span.end for other in claimed + spans):
                continue
            spans.append(span)
        if spans:
            spans.sort(key=lambda span: span.start)
            claimed.extend(spans)
            yield Reason(ReasonKind.PERSONAL_DATA, detail=kind.value, rule_version=rules.version, spans=tuple(spans))
