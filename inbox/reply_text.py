"""Whether a reply's text can be posted: the one check the send service, an approver's edit and the fault tests ask."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .composer import (
    MAX_WEIGHTED_LENGTH,
    REPLACEMENT_CHARACTER,
    is_valid_post,
    reply_text,
    shows_nothing,
    weighted_length,
)
from .errors import InvalidReply


def check_reply_text(body: str, signature: str) -> str:
    """The text X will receive, or InvalidReply saying what is wrong with it."""
    if not body.strip():
        raise InvalidReply(_("Write a reply first."))
    if shows_nothing(body):
        # The customer would see only the signature: zero-width spaces, direction marks, fillers.
        raise InvalidReply(
            _(
                "The reply shows nothing: it is made only of invisible characters such as zero-width spaces or "
                "direction marks. Write the reply itself."
            )
        )
    if REPLACEMENT_CHARACTER in body:
        # The mark goes in as a value: a translation catalogue would keep "\ufffd" as six characters of text.
        raise InvalidReply(
            _(
                "The reply contains “%(mark)s”, the mark left where text was damaged (often when it was copied from "
                "elsewhere). Retype that part."
            )
            % {"mark": REPLACEMENT_CHARACTER}
        )
    text = reply_text(body, signature)
    if not is_valid_post(text):
        length = weighted_length(text)
        if length > MAX_WEIGHTED_LENGTH:
            raise InvalidReply(
                ngettext(
                    "With your signature the reply is %(length)d character long as X counts them; X allows "
                    "%(limit)d. Shorten it, or point the customer to the web site or the call centre with a template.",
                    "With your signature the reply is %(length)d characters long as X counts them; X allows "
                    "%(limit)d. Shorten it, or point the customer to the web site or the call centre with a template.",
                    length,
                )
                % {"length": length, "limit": MAX_WEIGHTED_LENGTH}
            )
        raise InvalidReply(_("The reply contains characters X does not accept."))
    return text
