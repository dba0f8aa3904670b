"""Which queue and priority a new question gets: the first active rule with a matching keyword, else the default."""

import unicodedata
from dataclasses import dataclass

from django.conf import settings

from .models import Priority, Queue, RoutingRule


@dataclass(frozen=True)
class Route:
    queue: Queue
    priority: int
    # The rule that matched (its name is the question's topic in the reports); None for the default queue.
    rule: RoutingRule | None = None


def folded(text: str) -> str:
    """NFKC + casefold, so "ＲＥＴＵＲＮ", "Return" and "return" match the keyword "return"."""
    return unicodedata.normalize("NFKC", text).casefold()


class Router:
    """Loads the rules once per ingestion batch instead of once per question."""

    def __init__(self) -> None:
        self.rules = [
            (rule, [folded(k) for k in rule.keyword_list()])
            for rule in RoutingRule.objects.filter(is_active=True).select_related("queue")
        ]
        self._default: Queue | None = None

    def default_queue(self) -> Queue:
        if self._default is None:
            self._default, _created = Queue.objects.get_or_create(
                name=settings.INBOX_DEFAULT_QUEUE, defaults={"description": ""}
            )
        return self._default

    def matching(self, text: str) -> list[RoutingRule]:
        """Every active rule with a keyword in `text`, in the rules' order (a listening hit's topics)."""
        normalised = folded(text)
        return [rule for rule, keywords in self.rules if any(keyword in normalised for keyword in keywords)]

    def route(self, text: str) -> Route:
        matched = self.matching(text)
        if matched:
            return Route(matched[0].queue, matched[0].priority, matched[0])
        return Route(self.default_queue(), Priority.NORMAL)
