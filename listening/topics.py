"""Topic tags for hits: the names of the active routing rules whose keywords a hit's text holds, matched as the inbox
routes questions (inbox.routing.folded: NFKC and casefolding, so Japanese keywords match inside unspaced text and
full-width letters match half-width ones)."""

from inbox.models import RoutingRule
from inbox.routing import folded


class Topics:
    """Loads the active rules once per poll, not once per hit."""

    def __init__(self) -> None:
        self.rules = [
            (rule.name, [folded(keyword) for keyword in rule.keyword_list()])
            for rule in RoutingRule.objects.filter(is_active=True).order_by("position", "pk")
        ]

    def of(self, text: str) -> list[str]:
        text = folded(text)
        return list(dict.fromkeys(name for name, keywords in self.rules if any(k in text for k in keywords)))
