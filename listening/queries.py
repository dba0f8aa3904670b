"""A stream's query as X receives it, and the checks made before one is saved (X itself has the last word: a query it
refuses shows on the stream's page as the poll's error)."""

from django.utils.translation import gettext as _

from .models import QUERY_MAX_LENGTH


def tidy(query: str) -> str:
    """One line, single spaces: X reads any whitespace as AND."""
    return " ".join(query.split())


def search_query(query: str, language: str) -> str:
    """The query sent to X: the stream's own, narrowed to its language when it has one."""
    query = tidy(query)
    return f"({query}) lang:{language}" if language else query


def problem_with(query: str, language: str) -> str | None:
    """Why X would refuse the query, where it is plain to see; None when it looks sound."""
    query = tidy(query)
    if not query:
        return _("Write what to listen for.")
    if query.count('"') % 2:
        return _("A quotation mark is not closed.")
    depth = 0
    for character in query.replace('"', "\x00").split("\x00")[::2]:
        for c in character:
            depth += {"(": 1, ")": -1}.get(c, 0)
            if depth < 0:
                return _("A closing parenthesis has no opening one.")
    if depth:
        return _("A parenthesis is not closed.")
    if all(term.startswith("-") for term in query.replace("(", " ").replace(")", " ").split() if term != "OR"):
        return _("Name at least one word to listen for; words with a minus sign only exclude.")
    length = len(search_query(query, language))
    if length > QUERY_MAX_LENGTH:
        return _("X accepts queries of at most %(limit)d characters (the language included); this one has %(n)d.") % {
            "limit": QUERY_MAX_LENGTH,
            "n": length,
        }
    return None
