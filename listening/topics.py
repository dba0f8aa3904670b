"""Topic tags for hits: the names of every active routing rule whose keywords a hit's text holds, matched as the
inbox routes questions (inbox.routing.Router: NFKC and casefolding, so Japanese keywords match inside unspaced text
and full-width letters match half-width ones). A question takes the first such rule; a hit is tagged with all."""

from inbox.routing import Router


class Topics:
    """Loads the active rules once per poll, not once per hit."""

    def __init__(self) -> None:
        self.router = Router()

    def of(self, text: str) -> list[str]:
        return list(dict.fromkeys(rule.name for rule in self.router.matching(text)))
