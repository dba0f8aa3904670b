"""The quality pages' tabs: the pages the person may open, shown only when there is more than one to choose from (an
employee has only My reviews, which the page's heading already names)."""

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..access import READER_ROLES, REVIEWED_ROLES, REVIEWER_ROLES

register = template.Library()

TABS = (
    ("to_review", "quality:to_review", _("To review"), REVIEWER_ROLES),
    ("report", "quality:report", _("Weekly report"), READER_ROLES),
    ("all", "quality:all_reviews", _("All reviews"), READER_ROLES),
    ("scorecards", "quality:scorecards", _("Scorecard"), READER_ROLES),
    ("mine", "quality:mine", _("My reviews"), REVIEWED_ROLES),
)


@register.inclusion_tag("quality/_tabs.html", takes_context=True)
def quality_tabs(context, current: str) -> dict:
    user = context["user"]
    tabs = [(reverse(url), label, name == current) for name, url, label, roles in TABS if user.has_role(*roles)]
    return {"tabs": tabs if len(tabs) > 1 else []}
