"""What a person pastes to name an X post, turned into the post's id: a bare id, or a link in any of X's forms.

Ids stay strings from start to end: X's ids pass 2**53, beyond which a float (JavaScript's number, JSON read
carelessly) rounds them to a neighbouring post's id.
"""

import re
import unicodedata
from urllib.parse import urlsplit

# Longer than any link to a post: anything beyond is not one.
MAX_INPUT_LENGTH = 500
# X's ids are unsigned 64-bit integers: at most 20 digits.
POST_ID = re.compile(r"[0-9]{1,20}")
HOSTS = frozenset(
    {
        "x.com",
        "www.x.com",
        "mobile.x.com",
        "twitter.com",
        "www.twitter.com",
        "mobile.twitter.com",
        "m.twitter.com",
    }
)
# X allows 15 characters; older and demo accounts (the fake X's replydesk_support) have more, and X resolves the post by
# its id whatever handle the link names.
HANDLE = r"[A-Za-z0-9_]{1,50}"
# /<handle>/status/<id>, /<handle>/statuses/<id>, /i/web/status/<id>, /i/status/<id>, and anything after the id
# (/photo/1, /video/1, /analytics, a trailing slash).
PATH = re.compile(rf"/(?:{HANDLE}/status(?:es)?|i(?:/web)?/status)/(?P<id>[0-9]{{1,20}})(?:/.*)?", re.IGNORECASE)


def post_id_from(raw: str) -> str | None:
    """The id of the post `raw` names, or None when it names none."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if not text or len(text) > MAX_INPUT_LENGTH or any(character.isspace() for character in text):
        return None
    if POST_ID.fullmatch(text):
        return _without_leading_zeros(text)
    if "://" not in text:
        text = f"https://{text}"
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or port is not None or parts.username or parts.password:
        return None
    if (parts.hostname or "") not in HOSTS:
        return None
    path = parts.path
    if path in ("", "/") and parts.fragment.startswith("!/"):
        # The links of Twitter's old web site: https://twitter.com/#!/handle/status/123.
        path = parts.fragment[1:]
    found = PATH.fullmatch(path)
    return _without_leading_zeros(found["id"]) if found else None


def _without_leading_zeros(digits: str) -> str | None:
    # X writes ids without them; "00186…" pasted by hand names the post "186…".
    return digits.lstrip("0") or None
