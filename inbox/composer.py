"""How long X counts a post: the weighted length of twitter-text v3, the rule X enforces for every post.

Text is normalised to NFC and ``\\r\\n`` to ``\\n`` (a browser sends a textarea's line breaks as ``\\r\\n``;
X counts one character). Then, walking left to right:

- a URL weighs 23, however long it is (X shortens it to a t.co link). A bare domain with a known TLD
  (``example.com``, ``example.co.jp``, ``t.co/abc``) is a URL too; ``file.txt`` is not.
- an emoji weighs 2, however many code points it is made of: ZWJ sequences, skin tones, flags, keycaps, tags.
- any other code point weighs 1 in U+0000–U+10FF, U+2000–U+200D, U+2010–U+201F and U+2032–U+2037 (Latin,
  Greek, Cyrillic, Hebrew, Arabic, Thai, Georgian, ... and common punctuation) and 2 elsewhere, so 140 Japanese
  characters fill a post.

A post is valid when its length is 1 to 280 and it contains none of U+FFFE, U+FEFF, U+FFFF.

The URL rules follow twitter-text's extractor closely enough to pass its conformance data (tests/data/twitter-text):
its quirks are kept on purpose, because the point is to agree with X, not to be a better URL parser.
static/js/composer.js implements the same rules for the counter under the reply box; keep the two in step
(tests/inbox/test_composer_js.py compares them).

X would also take a post that shows nothing (zero-width spaces, direction marks) or one holding U+FFFD, the mark
that damaged text leaves behind; the desk does not send either. `shows_nothing` and `REPLACEMENT_CHARACTER` name
those rules for inbox.reply_text.check_reply_text, which decides, and for the counter, which warns.
"""

import re
import unicodedata
from dataclasses import dataclass

from .tlds import COUNTRY_TLDS, GENERIC_TLDS

MAX_WEIGHTED_LENGTH = 280
URL_WEIGHT = 23
EMOJI_WEIGHT = 2
FORBIDDEN_CHARACTERS = frozenset("\ufffe\ufeff\uffff")

# Code points weighing 1; everything else weighs 2 (twitter-text v3 configuration, scaled down from 100/200).
LIGHT_RANGES: tuple[tuple[int, int], ...] = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))

# Extended_Pictographic from Unicode 17.0 emoji-data.txt (Unicode License v3), in hex. The property already
# covers code points reserved for future emoji, so new emoji count right without updating this list.
# static/js/composer.js carries the same list, so that browser and server agree whatever the browser's Unicode.
PICTOGRAPHIC_RANGES = """
a9 ae 203c 2049 2122 2139 2194-2199 21a9-21aa 231a-231b 2328 23cf 23e9-23f3 23f8-23fa 24c2 25aa-25ab 25b6 25c0
25fb-25fe 2600-2604 260e 2611 2614-2615 2618 261d 2620 2622-2623 2626 262a 262e-262f 2638-263a 2640 2642
2648-2653 265f-2660 2663 2665-2666 2668 267b 267e-267f 2692-2697 2699 269b-269c 26a0-26a1 26a7 26aa-26ab
26b0-26b1 26bd-26be 26c4-26c5 26c8 26ce-26cf 26d1 26d3-26d4 26e9-26ea 26f0-26f5 26f7-26fa 26fd 2702 2705
2708-270d 270f 2712 2714 2716 271d 2721 2728 2733-2734 2744 2747 274c 274e 2753-2755 2757 2763-2764 2795-2797
27a1 27b0 27bf 2934-2935 2b05-2b07 2b1b-2b1c 2b50 2b55 3030 303d 3297 3299 1f004 1f02c-1f02f 1f094-1f09f
1f0af-1f0b0 1f0c0 1f0cf-1f0d0 1f0f6-1f0ff 1f170-1f171 1f17e-1f17f 1f18e 1f191-1f19a 1f1ae-1f1e5 1f201-1f20f
1f21a 1f22f 1f232-1f23a 1f23c-1f23f 1f249-1f25f 1f266-1f321 1f324-1f393 1f396-1f397 1f399-1f39b 1f39e-1f3f0
1f3f3-1f3f5 1f3f7-1f3fa 1f400-1f4fd 1f4ff-1f53d 1f549-1f54e 1f550-1f567 1f56f-1f570 1f573-1f57a 1f587
1f58a-1f58d 1f590 1f595-1f596 1f5a4-1f5a5 1f5a8 1f5b1-1f5b2 1f5bc 1f5c2-1f5c4 1f5d1-1f5d3 1f5dc-1f5de 1f5e1
1f5e3 1f5e8 1f5ef 1f5f3 1f5fa-1f64f 1f680-1f6c5 1f6cb-1f6d2 1f6d5-1f6e5 1f6e9 1f6eb-1f6f0 1f6f3-1f6ff
1f7da-1f7ff 1f80c-1f80f 1f848-1f84f 1f85a-1f85f 1f888-1f88f 1f8ae-1f8af 1f8bc-1f8bf 1f8c2-1f8cf 1f8d9-1f8ff
1f90c-1f93a 1f93c-1f945 1f947-1f9ff 1fa58-1fa5f 1fa6e-1faff 1fc00-1fffd
"""

# --- URLs ----------------------------------------------------------------------------------------------------
# Character classes as twitter-text defines them. Its "punctuation" leaves out '"' and '`'; kept as is.
_PUNCTUATION_BUT_HYPHEN_UNDERSCORE = r"!#$%&'()*+,./:;<=>?@\[\\\]\^{|}~"
_SPACES = r"\t-\r \x85\xa0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_FORBIDDEN = r"\ufffe\ufeff\uffff"
_DIRECTIONAL_MARKS = r"\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_LATIN_ACCENTS = (
    r"\xc0-\xd6\xd8-\xf6\xf8-\xff\u0100-\u024f\u0253\u0254\u0256\u0257\u0259\u025b\u0263\u0268\u026f\u0272"
    r"\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff"
)
_CYRILLIC = r"\u0400-\u04ff"

_NOT_IN_DOMAIN = f"{_PUNCTUATION_BUT_HYPHEN_UNDERSCORE}{_SPACES}{_FORBIDDEN}{_DIRECTIONAL_MARKS}"
_DOMAIN_CHAR = rf"[^\-_{_NOT_IN_DOMAIN}]"
# Labels begin and end with a domain character; inside, subdomains may also hold "-" and "_", the name only "-".
# Written so that a label can be matched one way only: the nested forms twitter-text uses backtrack for ages on
# text like "a.a.a.a…".
_SUBDOMAIN = rf"{_DOMAIN_CHAR}(?:[^{_NOT_IN_DOMAIN}]*{_DOMAIN_CHAR})?\."
_DOMAIN_NAME = rf"{_DOMAIN_CHAR}(?:[^_{_NOT_IN_DOMAIN}]*{_DOMAIN_CHAR})?\."


def _any_case(char: str) -> str:
    # Both cases spelt out, no case-insensitive flag anywhere: Python and JavaScript fold a few letters differently
    # (ı, İ, ſ, K), and the browser's count has to be the server's.
    upper = char.upper()
    return f"[{char}{upper}]" if upper != char and len(upper) == 1 else re.escape(char)


def _trie_pattern(words: set[str] | frozenset[str]) -> str:
    # One branch per shared prefix instead of 1,500 alternatives tried one after the other. A longer TLD is tried
    # before its prefix ("嘉里大酒店" before "嘉里"), as in twitter-text's longest-first list.
    children: dict[str, set[str]] = {}
    for word in words:
        if word:
            children.setdefault(word[0], set()).add(word[1:])
    branches = [_any_case(first) + _trie_pattern(rests) for first, rests in sorted(children.items())]
    if "" not in words:
        return branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
    if not branches:
        return ""
    return (branches[0] if len(branches[0]) == 1 and len(branches) == 1 else f"(?:{'|'.join(branches)})") + "?"


_TLD = rf"(?:{_trie_pattern(GENERIC_TLDS | COUNTRY_TLDS)}(?=[^0-9a-zA-Z@+-]|\Z)|[xX][nN]--[0-9a-zA-Z-]+)"
# A host name has at most 127 labels. The bound is what keeps "a.a.a.a…" (thousands of labels, no TLD) linear.
_DOMAIN = f"(?:(?:{_SUBDOMAIN}){{0,125}}{_DOMAIN_NAME}{_TLD})"

_PATH_CHAR = rf"[a-zA-Z{_CYRILLIC}0-9!*';:=+,.$/%#\[\]\-\u2013_~@|&{_LATIN_ACCENTS}]"
_PARENTHESISED = rf"\((?:{_PATH_CHAR}+|{_PATH_CHAR}*\({_PATH_CHAR}+\){_PATH_CHAR}*)\)"
_PATH_END = rf"(?:[+\-a-zA-Z{_CYRILLIC}0-9=_#/{_LATIN_ACCENTS}]|{_PARENTHESISED})"
_PATH_SEGMENT = rf"(?:{_PATH_CHAR}*(?:{_PARENTHESISED}{_PATH_CHAR}*)*{_PATH_END}|@{_PATH_CHAR}+/)"
_QUERY_CHAR = r"[a-zA-Z0-9!?*'@();:&=+$/%#\[\]\-_.,~|]"
_QUERY_END = r"[a-zA-Z0-9\-_&=#/]"

# Cost: linear on ordinary text. A long run of characters that may sit in a domain (Japanese prose has no spaces)
# followed by a dot that starts no domain is tried from each of its characters, as in twitter-text: about half a
# second for 6,000 such characters, so keep a cap on the length of what gets measured (the reply form has one).
_URL = re.compile(
    # A URL glued to a letter, digit, @, $ or # is part of a word, a mention, a cashtag or a hashtag.
    rf"(?P<before>[^A-Za-z0-9@＠$#＃{_FORBIDDEN}]|^)"
    rf"(?P<url>(?P<protocol>[hH][tT][tT][pP][sS]?://)?(?P<domain>{_DOMAIN})(?::[0-9]+)?"
    rf"(?P<path>/{_PATH_SEGMENT}*)?(?:\?{_QUERY_CHAR}*{_QUERY_END})?)"
)
# Inside a domain found without a protocol, only the ASCII part becomes the link ("日本語example.com").
_ASCII_DOMAIN = re.compile(rf"(?:[-a-zA-Z0-9{_LATIN_ACCENTS}]+\.)+{_TLD}")
# X accepts only its own shortener's slugs: path characters after one are text, not link.
_TCO_URL = re.compile(rf"[hH][tT][tT][pP][sS]?://[tT]\.[cC][oO]/([a-zA-Z0-9]+)(?:\?{_QUERY_CHAR}*{_QUERY_END})?")
_MAX_TCO_SLUG = 40
_MAX_URL_UTF16 = 4096
_MAX_LABEL = 63
# "foo.example.com" after one of these is a file name or a path, not a link.
_NOT_BEFORE_BARE_DOMAIN = frozenset("-_./")
_LABEL_SEPARATORS = re.compile("[.\u3002\uff0e\uff61]")

# --- Emoji ---------------------------------------------------------------------------------------------------


def _class_from_hex_ranges(ranges: str) -> str:
    parts = []
    for item in ranges.split():
        first, _, last = item.partition("-")
        parts.append(f"\\U{int(first, 16):08x}" + (f"-\\U{int(last, 16):08x}" if last else ""))
    return "".join(parts)


_PICTOGRAPH = f"[{_class_from_hex_ranges(PICTOGRAPHIC_RANGES)}]"
# A pictograph with its presentation selector or skin tone, and for subdivision flags (🏴 + tags) the tag run.
_EMOJI_ELEMENT = rf"{_PICTOGRAPH}[\ufe0f\U0001f3fb-\U0001f3ff]?(?:[\U000e0020-\U000e007e]+\U000e007f)?"
_EMOJI = re.compile(
    rf"[#*0-9]\ufe0f?\u20e3"  # keycap; twitter-text counts the old form without U+FE0F as one emoji too
    rf"|[\U0001f1e6-\U0001f1ff]{{2}}"  # flag: a pair of regional indicators
    rf"|{_EMOJI_ELEMENT}(?:\u200d{_EMOJI_ELEMENT})*"
)


# --- Counting ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PostLength:
    """What twitter-text's parseTweet reports. Ranges are UTF-16 indexes into the text as given (not normalised),
    inclusive, as X's clients use them to highlight the part that no longer fits."""

    weighted_length: int
    valid: bool
    permillage: int
    display_range_start: int
    display_range_end: int
    valid_range_start: int
    valid_range_end: int


def normalize(text: str) -> str:
    return unicodedata.normalize("NFC", text).replace("\r\n", "\n")


def character_weight(char: str) -> int:
    code = ord(char)
    return 1 if any(first <= code <= last for first, last in LIGHT_RANGES) else 2


def reply_text(body: str, signature: str) -> str:
    """The post as it goes to X: the reply, then the employee's signature on a line of its own."""
    return f"{body.rstrip()}\n{signature}"


def weighted_length(text: str) -> int:
    return measure(text).weighted_length


def is_valid_post(text: str) -> bool:
    return measure(text).valid


def measure(text: str) -> PostLength:
    normalized = normalize(text)
    url_ends = dict(url_spans(normalized))
    length = 0
    clean = True
    utf16_end = 0
    valid_end = 0
    index = 0
    while index < len(normalized):
        end = url_ends.get(index)
        if end is not None:
            length += URL_WEIGHT
        elif emoji := _EMOJI.match(normalized, index):
            end = emoji.end()
            length += EMOJI_WEIGHT
        else:
            end = index + 1
            length += character_weight(normalized[index])
        piece = normalized[index:end]
        clean = clean and FORBIDDEN_CHARACTERS.isdisjoint(piece)
        utf16_end += _utf16_length(piece)
        if clean and length <= MAX_WEIGHTED_LENGTH:
            valid_end = utf16_end - 1
        index = end
    # twitter-text reports ranges in the caller's text; normalising can only have shortened it.
    given = _utf16_length(text)
    return PostLength(
        weighted_length=length,
        valid=clean and 0 < length <= MAX_WEIGHTED_LENGTH,
        permillage=length * 1000 // MAX_WEIGHTED_LENGTH,
        display_range_start=0,
        display_range_end=max(given - 1, 0),
        valid_range_start=0,
        valid_range_end=valid_end + given - _utf16_length(normalized),
    )


def url_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each URL X will shorten, as code point indexes into normalised text."""
    if "." not in text:
        return []
    spans: list[tuple[int, int]] = []
    for match in _URL.finditer(text):
        url_start, url_end = match.span("url")
        domain = match["domain"]
        if not _within_dns_limits(match["url"], match["protocol"] or "https://", domain):
            continue
        if match["protocol"]:
            tco = _TCO_URL.match(match["url"])
            if tco:
                if len(tco[1]) > _MAX_TCO_SLUG:
                    continue
                url_end = url_start + tco.end()
            spans.append((url_start, url_end))
            continue
        if match["before"] and match["before"] in _NOT_BEFORE_BARE_DOMAIN:
            continue
        domain_start = match.start("domain")
        found = [(domain_start + m.start(), domain_start + m.end()) for m in _ASCII_DOMAIN.finditer(domain)]
        if found and match["path"]:
            # Only the last domain carries the path (and query) with it.
            found[-1] = (found[-1][0], url_end)
        spans.extend(found)
    return spans


def _within_dns_limits(url: str, protocol: str, domain: str) -> bool:
    # twitter-text's IDNA check: each label at most 63 characters once punycode-encoded, none empty, the whole URL
    # at most 4096 UTF-16 units. This is what makes a 64-character bare domain plain text. Ideographic full stops
    # separate labels, as IDNA has it (twitter-text's JavaScript leaves them inside a label).
    labels = _LABEL_SEPARATORS.split(domain)
    # An "xn--" label is already encoded, so it cannot hold anything else.
    if any(label[:4].lower() == "xn--" and not label.isascii() for label in labels):
        return False
    labels = [_punycode(label) for label in labels]
    if not all(1 <= len(label) <= _MAX_LABEL for label in labels):
        return False
    encoded_length = len(labels) - 1 + sum(len(label) for label in labels)
    url_length = _utf16_length(url) + encoded_length - _utf16_length(domain)
    return len(protocol) + url_length <= _MAX_URL_UTF16


def _punycode(label: str) -> str:
    # punycode.js treats U+007F as non-ASCII when deciding whether to encode.
    if all(ord(char) < 0x7F for char in label):
        return label
    return "xn--" + label.encode("punycode").decode("ascii")


def _utf16_length(text: str) -> int:
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


# --- What a reply must show ----------------------------------------------------------------------------------

# Characters that draw nothing on their own, in hex: White_Space, Cc, Cf, Zs, Zl, Zp and Default_Ignorable_Code_Point
# of Unicode 17.0 (zero-width spaces and joiners, bidi controls, U+FEFF, variation selectors, the Hangul fillers,
# tags), and U+2800 BRAILLE PATTERN BLANK; not the prepended concatenation marks (U+0600-U+0605, U+06DD, U+070F,
# U+0890-U+0891, U+08E2, U+110BD, U+110CD), which are Cf but drawn. Listed rather than read from unicodedata, so
# that the server (whatever its Python's Unicode) and static/js/composer.js (a copy) agree.
INVISIBLE_RANGES = """
0-20 7f-a0 ad 34f 61c 115f-1160 1680 17b4-17b5 180b-180f 2000-200f 2028-202f 205f-206f 2800 3000 3164 fe00-fe0f feff
ffa0 fff0-fffb 13430-1343f 1bca0-1bca3 1d173-1d17a e0000-e0fff
"""
# What invalid bytes decode to (errors="replace"): text damaged on the way, by a copy or an encoding.
REPLACEMENT_CHARACTER = "\ufffd"

_INVISIBLE = re.compile(f"[{_class_from_hex_ranges(INVISIBLE_RANGES)}]*")


def shows_nothing(text: str) -> bool:
    """True when no character of `text` would be drawn: empty, blank, or only invisible characters."""
    return _INVISIBLE.fullmatch(text) is not None
