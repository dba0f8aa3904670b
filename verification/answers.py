"""The public check's answers, decided here and only shown by the template: every answer has the same shape (a
heading, one status line, a few details), whatever it found, so the page says what it found and no more.

An answer never repeats what was typed: a link to this page with made-up text in it would otherwise show that text
on the desk's own page. Only what was parsed out of it (a post's digits, a number matching the numbers' pattern)
comes back.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from inbox.question_page import post_url

from . import counters, post_links, selectors, signatures
from .counters import Outcome
from .guide import ShownGuide
from .rate_limit import Refusal
from .selectors import Standing

EXAMPLE_POST_ID = "1866789012345678901"


@dataclass(frozen=True)
class Detail:
    """One row of an answer. `linkify`: web addresses in the text become links (the administrators' texts only; an
    example address in the desk's own words stays text, so that nobody follows it)."""

    label: str
    text: str
    url: str = ""
    linkify: bool = False


@dataclass(frozen=True)
class Answer:
    """`status` names the outcome (a CSS class too); `tone` is how it reads: good, bad or neutral."""

    status: str
    tone: str
    heading: str
    status_line: str
    details: list[Detail] = field(default_factory=list)


def _account() -> str:
    return f"@{settings.X_ACCOUNT_USERNAME}" if settings.X_ACCOUNT_USERNAME else _("our official account")


def _signature(number: str) -> str:
    return f"{settings.REPLY_SIGNATURE_PREFIX}{number}"


def _both_times(moment: datetime) -> str:
    """ "2026-12-01 14:03 JST (2026-12-01 05:03 UTC)": the desk's zone, and UTC for anyone elsewhere."""
    local = timezone.localtime(moment)
    utc = moment.astimezone(UTC)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()} ({utc:%Y-%m-%d %H:%M} UTC)"


def _what_to_do(guide: ShownGuide) -> list[Detail]:
    return [Detail(_("What to do"), guide.report_fake, linkify=True)] if guide.report_fake else []


def for_post(raw: str, guide: ShownGuide) -> Answer:
    heading = _("The post you checked")
    post_id = post_links.post_id_from(raw)
    if post_id is None:
        # Not counted: a typo is not a sign of a fake account at work.
        example = post_url(settings.X_ACCOUNT_USERNAME or "i/web", EXAMPLE_POST_ID)
        return Answer(
            "not_a_link",
            "neutral",
            heading,
            _("This is not a link to a post on X."),
            [
                Detail(
                    _("What works"),
                    _(
                        "The post's link, as X's Share → Copy link gives it, for example %(example)s (x.com, "
                        "twitter.com and their mobile addresses all work), or the post's number alone, for example "
                        "%(number)s."
                    )
                    % {"example": example, "number": EXAMPLE_POST_ID},
                )
            ],
        )
    sent = selectors.sent_post(post_id)
    if sent is None:
        counters.count(Outcome.NOT_OURS)
        return Answer(
            "not_ours",
            "bad",
            heading,
            _("This post was not sent by our support desk."),
            [
                Detail(_("Post number"), post_id),
                Detail(
                    _("What this means"),
                    _(
                        "Our support desk never sent a post with this number. It may come from someone pretending to "
                        "be us. (Posts of %(account)s that are not replies from the support desk, such as "
                        "announcements, are not listed here either.)"
                    )
                    % {"account": _account()},
                ),
                *_what_to_do(guide),
            ],
        )
    counters.count(Outcome.GENUINE)
    signature = _signature(sent.employee_number)
    return Answer(
        "genuine",
        "good",
        heading,
        _("Genuine: this post was sent by our support desk."),
        [
            Detail(_("Post number"), post_id),
            Detail(
                _("Sent"),
                _(
                    "Posted by %(account)s through our support desk on %(time)s, signed %(signature)s. "
                    "%(signature)s was an authorised responder at the time."
                )
                % {"account": _account(), "time": _both_times(sent.sent_at), "signature": signature},
            ),
            Detail(
                _("On X"),
                _("Open the post and make sure it is the one you received, from %(account)s.")
                % {"account": _account()},
                url=post_url(settings.X_ACCOUNT_USERNAME or "i/web", post_id),
            ),
        ],
    )


def for_signature(raw: str, guide: ShownGuide) -> Answer:
    heading = _("The signature you checked")
    counters.count(Outcome.SIGNATURE)
    number = signatures.number_from(raw)
    example = _signature(settings.EMPLOYEE_NUMBER_HINT)
    if number is None:
        return Answer(
            "not_a_signature",
            "neutral",
            heading,
            _("This is not one of our signatures."),
            [
                Detail(
                    _("What works"),
                    _(
                        "Our staff sign with %(prefix)s and their number, for example %(example)s. Type it as it "
                        "appears at the end of the reply."
                    )
                    % {"prefix": settings.REPLY_SIGNATURE_PREFIX, "example": example},
                )
            ],
        )
    signature = _signature(number)
    found = selectors.number_standing(number)
    if found.standing == Standing.AUTHORISED:
        since = formats.date_format(timezone.localtime(found.since), "YEAR_MONTH_FORMAT")
        return Answer(
            "authorised",
            "good",
            heading,
            _("%(signature)s is currently authorised to answer for us (since %(since)s).")
            % {"signature": signature, "since": since},
            [
                Detail(
                    _("What this means"),
                    _(
                        "Replies signed %(signature)s from %(account)s can come from our staff. A signature is easy "
                        "to copy: to be sure about one reply, check its link under “Check a post”."
                    )
                    % {"signature": signature, "account": _account()},
                )
            ],
        )
    if found.standing == Standing.NOT_AUTHORISED:
        return Answer(
            "not_authorised",
            "bad",
            heading,
            _("%(signature)s is not currently authorised to answer for us.") % {"signature": signature},
            [
                Detail(
                    _("What this means"),
                    _(
                        "A reply signed %(signature)s that you receive now is not from us. One sent earlier may be "
                        "genuine: check its link under “Check a post”."
                    )
                    % {"signature": signature},
                ),
                *_what_to_do(guide),
            ],
        )
    return Answer(
        "unknown",
        "bad",
        heading,
        _("%(signature)s is unknown: we have never given out this number.") % {"signature": signature},
        [
            Detail(
                _("What this means"),
                _("A reply signed %(signature)s is not from our staff.") % {"signature": signature},
            ),
            *_what_to_do(guide),
        ],
    )


def refused(refusal: Refusal) -> Answer:
    counters.count(Outcome.REFUSED)
    allowance, window = settings.PUBLIC_CHECK_RATE
    window_minutes = int(window.total_seconds() // 60)
    return Answer(
        "refused",
        "neutral",
        _("Too many checks"),
        ngettext(
            "Too many checks from your address. Try again in %(minutes)d minute.",
            "Too many checks from your address. Try again in %(minutes)d minutes.",
            refusal.minutes,
        )
        % {"minutes": refusal.minutes},
        [
            Detail(
                _("Why"),
                ngettext(
                    "So that this page stays open to everyone, one address may make %(allowance)d check in %(window)s.",
                    "So that this page stays open to everyone, one address may make %(allowance)d checks in "
                    "%(window)s.",
                    allowance,
                )
                % {
                    "allowance": allowance,
                    "window": ngettext("%(minutes)d minute", "%(minutes)d minutes", window_minutes)
                    % {"minutes": window_minutes},
                },
            )
        ],
    )
