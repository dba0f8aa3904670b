"""What the guidelines tests share: publishing a version as the cast's administrator, from the version in force."""

import pytest

from guidelines import selectors, services

RULES_EN = "# Our rules on X\n\n- Sign every reply.\n- Never argue with a customer.\n- No personal data in public."
RULES_JA = "# X での返信ルール\n\n- 返信には必ず署名する。\n- お客様と議論しない。\n- 個人情報を公開の場に書かない。"


def publish(people, en: str = RULES_EN, ja: str = RULES_JA, *, required: bool = True, summary: str = ""):
    current = selectors.current_version()
    return services.publish_version(
        actor=people.administrator,
        body_ja=ja,
        body_en=en,
        summary=summary,
        requires_acknowledgement=required,
        based_on=current.number if current else 0,
    )


@pytest.fixture
def first_rules(people):
    """Version 1, published: everyone who answers must accept it before claiming."""
    return publish(people)
