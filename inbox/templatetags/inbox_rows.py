"""The inbox's rows, drawn in Python: `{% question_rows page.questions %}` on the inbox page and `{% question_meta
question %}` for the rows the page's poll redraws; `{% count_badge key count %}`, the counts of its filters.

The inbox is the page served most, and 25 rows drawn by the template engine (two includes, a dozen tags and
filters each) took about a third of its time (docs/benchmarks.md, the inbox page). These functions write the same
markup the templates did, byte for byte, with the same translations (the msgids are the templates' ones, so
locale/ stays as it is) and the same escaping: every value from the database goes through `escape`, as the
templates' autoescaping did; translated words go through `conditional_escape` where `{% translate %}` escaped them,
and not where `{% blocktranslate %}` did not (it escapes only the values it puts in).
"""

import html
from dataclasses import dataclass
from datetime import datetime

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from inbox.models import Priority, Question

from .desk_time import ago

register = template.Library()

# What Django's `date:'Y-m-d H:i'` and `time:"H:i"` filters write, for the years a desk sees (four digits).
DATE_AND_TIME = "%Y-%m-%d %H:%M"
TIME = "%H:%M"


def escape(value) -> str:
    """What django.utils.html.escape writes (the same html.escape of the same str), without its laziness check and
    SafeString per value: a page writes some 300 of them."""
    return html.escape(str(value))


def _local(moment: datetime | None, pattern: str) -> str:
    """A moment in the current time zone, as the templates' date filters showed it (they convert first too)."""
    return "" if moment is None else timezone.localtime(moment).strftime(pattern)


@dataclass(frozen=True)
class _Words:
    """The words every row says, translated once per page rather than once per row."""

    free: str
    show_all: str
    show_less: str
    your_reply_awaits: str
    priorities: dict[int, str]  # as get_priority_display says them

    @classmethod
    def current(cls) -> "_Words":
        return cls(
            priorities={value: str(label) for value, label in Priority.choices},
            free=conditional_escape(gettext("free")),
            show_all=conditional_escape(gettext("Show all")),
            show_less=conditional_escape(gettext("Show less")),
            your_reply_awaits=conditional_escape(gettext("your reply awaits approval")),
        )


def _holder(question: Question, words: _Words) -> str:
    # The template's line breaks, kept so that the markup stays the same: the first three branches ended in one.
    if question.held_now and question.awaiting_approval:
        if question.held_by_viewer:
            said = words.your_reply_awaits
        else:
            said = gettext("%(number)s's reply awaits approval") % {"number": escape(question.holder)}
        return f'<span class="qrow-holder awaiting">{said}</span>\n  '
    if question.held_by_viewer:
        until = gettext("you hold it until %(time)s") % {"time": escape(_local(question.lease_ends, TIME))}
        return f'<span class="qrow-holder mine">{until}</span>\n  '
    if question.held_now:
        until = gettext("until %(time)s") % {"time": escape(_local(question.lease_ends, TIME))}
        return f'<span class="qrow-holder other"><span class="mono">{escape(question.holder)}</span> {until}</span>\n  '
    return f'<span class="qrow-holder free">{words.free}</span>'


def _meta(question: Question, now: datetime | None, oob: bool, words: _Words) -> str:
    late = " late" if question.past_due_now else ""
    swap = ' hx-swap-oob="true"' if oob else ""
    head = (
        f'<div class="qrow-meta{late}" id="qmeta-{question.pk}"{swap}>\n'
        f'  <input type="hidden" name="row" value="{question.pk}:{question.version}">\n  '
    )
    if question.status == Question.Status.OPEN:
        escalated = ""
        if question.department_id:
            told = gettext("escalated to %(department)s, customer not told yet") % {
                "department": escape(question.department.name())
            }
            escalated = f'<span class="badge escalated">{told}</span>'
        body = (
            f"\n  {escalated}\n"
            f'  <span class="waited" title="{escape(_local(question.waiting_since, DATE_AND_TIME))}">'
            f"{escape(question.waited_words)}</span>\n"
            f'  <span class="due{late}" title="{escape(_local(question.due_at, DATE_AND_TIME))}">'
            f"{escape(question.due_words)}</span>\n"
            f"  {_holder(question, words)}\n  "
        )
    else:
        asked = gettext("asked %(age)s") % {"age": escape(ago(question.created_at, now))}
        body = (
            f'\n  <span class="badge {escape(question.status)}">{escape(question.get_status_display())}</span>\n'
            f'  <span class="asked" title="{escape(_local(question.created_at, DATE_AND_TIME))}">{asked}</span>\n  '
        )
    return f"{head}{body}\n</div>\n"


def _row(question: Question, now: datetime | None, words: _Words, question_url: str) -> str:
    priority = ""
    if question.priority != 1:
        label = words.priorities.get(question.priority, question.priority)
        priority = f'<span class="badge priority-{question.priority}">{escape(label)}</span>'
    text = escape(question.asked_text)
    if question.text_is_long:
        shown = (
            '\n  <details class="qrow-text">\n'
            f'    <summary><span class="qrow-post" lang="">{text}</span> <span class="qrow-toggle" aria-hidden="true">'
            f'<span class="when-closed">{words.show_all}</span><span class="when-open">{words.show_less}</span>'
            "</span></summary>\n"
            "  </details>\n  "
        )
    else:
        shown = f'\n  <p class="qrow-text"><span class="qrow-post" lang="">{text}</span></p>\n  '
    return (
        f'<li class="qrow {escape(question.status)}" id="q-{question.pk}" data-question-row>\n'
        '  <div class="qrow-head">\n'
        f'    <a class="qrow-link" href="{escape(question_url)}"><span class="qrow-id">#{question.pk}</span> '
        f'<span class="qrow-customer">{escape(question.customer)}</span></a>\n'
        f'    <span class="qrow-queue">{escape(question.queue.name)}</span>\n'
        f"    {priority}\n"
        "  </div>\n"
        f"  {shown}\n"
        f"  {_meta(question, now, False, words)}\n"
        "</li>\n"
    )


# A question number no question has, to find where the number goes in the question page's address.
_PLACEHOLDER = 987654321987654321


def _question_url_maker():
    """The question page's address for a number, from one `reverse` per page rather than one per row."""
    before, _placeholder, after = reverse("inbox:question", args=[_PLACEHOLDER]).rpartition(str(_PLACEHOLDER))
    return lambda pk: f"{before}{int(pk)}{after}"


@register.simple_tag(takes_context=True)
def question_rows(context, questions: list[Question]) -> SafeString:
    """The inbox's rows (each question marked by selectors.inbox_rows)."""
    words = _Words.current()
    now = context.get("now")
    question_url = _question_url_maker()
    return mark_safe(  # noqa: S308 -- every value in it is escaped above
        "".join(_row(question, now, words, question_url(question.pk)) for question in questions)
    )


@register.simple_tag(takes_context=True)
def question_meta(context, question: Question) -> SafeString:
    """One row's line of state (wait, due, holder), out of band when the context says `oob`: what the poll redraws."""
    return mark_safe(  # noqa: S308 -- every value in it is escaped above
        _meta(question, context.get("now"), bool(context.get("oob")), _Words.current())
    )


@register.simple_tag(takes_context=True)
def count_badge(context, key: str, count) -> SafeString:
    """One of the inbox's counts, named `key` so that the poll can redraw it (out of band when the context says
    `oob`): nine of them on every inbox page."""
    alarming = " alarming" if key == "overdue" and count else ""
    swap = ' hx-swap-oob="true"' if context.get("oob") else ""
    return mark_safe(  # noqa: S308 -- the key and the count are escaped
        f'<span class="count{alarming}" id="count-{escape(key)}"{swap}>{conditional_escape(localize(count))}</span>'
    )
