"""The scoring rule of a quality review, pure (no database), as Zendesk QA scores its scorecards.

1. Each category is rated on its scale: "binary" 0 (no) or 1 (yes); "three" 0 (not met), 1 (partly met) or 2 (met).
   A category that is not critical may be rated N/A (None): it does not apply to this reply.
2. A rated category scores (selected − min) / (max − min) × 100: binary 0 or 100, three-point 0, 50 or 100.
3. The review scores the mean of its rated categories' scores, weighted by the categories' weights (N/A ones left
   out), rounded to one decimal.
4. A critical category scoring below 50 % sets the review's score to 0, whatever the others say (a wrong answer or a
   breach of policy is not made good by a friendly tone).

A scorecard is a list of categories; each category is stored as a dict {key, label_ja, label_en, description_ja,
description_en, scale, weight, critical} (quality.models.Scorecard.categories). The descriptions (what the reviewer
looks for) came later: a version stored without them reads them as empty.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

SCALES: dict[str, tuple[int, int]] = {"binary": (0, 1), "three": (0, 2)}
CRITICAL_BELOW = 50.0
MAX_WEIGHT = 100


class InvalidRatings(ValueError):
    """Ratings that do not fit the scorecard: a value off the scale, a category missing or unknown, a critical N/A."""


@dataclass(frozen=True)
class Category:
    key: str
    label_ja: str
    label_en: str
    scale: str
    weight: int
    critical: bool = False
    description_ja: str = ""
    description_en: str = ""

    @classmethod
    def of(cls, data: Mapping) -> "Category":
        return cls(
            key=str(data["key"]),
            label_ja=str(data["label_ja"]),
            label_en=str(data["label_en"]),
            scale=str(data["scale"]),
            weight=int(data["weight"]),
            critical=bool(data.get("critical", False)),
            description_ja=str(data.get("description_ja") or ""),
            description_en=str(data.get("description_en") or ""),
        )

    def as_data(self) -> dict:
        return {
            "key": self.key,
            "label_ja": self.label_ja,
            "label_en": self.label_en,
            "description_ja": self.description_ja,
            "description_en": self.description_en,
            "scale": self.scale,
            "weight": self.weight,
            "critical": self.critical,
        }

    def label(self, language: str) -> str:
        return self.label_ja if language.startswith("ja") else self.label_en

    def description(self, language: str) -> str:
        return self.description_ja if language.startswith("ja") else self.description_en

    @property
    def values(self) -> range:
        low, high = SCALES[self.scale]
        return range(low, high + 1)


# The built-in scorecard (version 1, until a supervisor publishes another).
# The descriptions are data of the scorecard (both languages stored, like the labels), not strings of the desk.
DEFAULT_CATEGORIES: tuple[Category, ...] = (
    Category(
        "accuracy",
        "正確さ",
        "Accuracy",
        "three",
        40,
        critical=True,
        description_ja="事実、回答、リンクが正しい。",
        description_en="The facts, the answer and the links are right.",
    ),
    Category(
        "policy",
        "規程遵守",
        "Policy",
        "binary",
        30,
        critical=True,
        description_ja="公開の場で個人情報を尋ねていない。窓口として約束できる範囲を超える約束をしていない。"
        "ソーシャルメディアのガイドラインに沿っている。",
        description_en="No personal data asked for in public, no promise beyond what the desk may promise, "
        "the social-media guidelines followed.",
    ),
    Category(
        "tone",
        "口調",
        "Tone",
        "three",
        15,
        description_ja="丁寧で温かみがあり、会社らしい言葉づかいになっている。",
        description_en="Polite, warm, in the company's voice.",
    ),
    Category(
        "clarity",
        "分かりやすさ",
        "Clarity",
        "three",
        15,
        description_ja="読みやすく、お客さまが次に取れる行動が示されている。",
        description_en="Easy to follow, with a next step the customer can take.",
    ),
)
DESCRIPTION_MAX = 300


@dataclass(frozen=True)
class Score:
    """The review's score (0–100), whether a critical category failed, and each rated category's score."""

    score: float
    critical_failed: bool
    by_category: dict[str, float | None]


def category_score(scale: str, value: int) -> float:
    """(selected − min) / (max − min) × 100."""
    low, high = SCALES[scale]
    if not low <= value <= high:
        raise InvalidRatings(f"{value} is off the {scale} scale")
    return (value - low) / (high - low) * 100


def check_categories(categories: Sequence[Category]) -> None:
    """A scorecard that can be published: at least one category, unique keys, known scales, weights 1–100."""
    if not categories:
        raise InvalidRatings("a scorecard needs a category")
    keys = [category.key for category in categories]
    if len(set(keys)) != len(keys):
        raise InvalidRatings("category keys must be unique")
    for category in categories:
        if category.scale not in SCALES:
            raise InvalidRatings(f"unknown scale {category.scale!r}")
        if not 1 <= category.weight <= MAX_WEIGHT:
            raise InvalidRatings(f"weight {category.weight} is not between 1 and {MAX_WEIGHT}")
        if not category.key or not category.label_ja.strip() or not category.label_en.strip():
            raise InvalidRatings("every category needs a key and both labels")
        if max(len(category.description_ja), len(category.description_en)) > DESCRIPTION_MAX:
            raise InvalidRatings(f"a description is longer than {DESCRIPTION_MAX} characters")


def review_score(categories: Sequence[Category], ratings: Mapping[str, int | None]) -> Score:
    """Score `ratings` ({category key: value, or None for N/A}) on `categories` by the rule above.

    Every category must be rated (N/A counts as rated) and no other key given; a critical category may not be N/A; at
    least one category must have a value."""
    known = {category.key for category in categories}
    if set(ratings) != known:
        raise InvalidRatings(f"rated {sorted(ratings)}, expected {sorted(known)}")
    by_category: dict[str, float | None] = {}
    weighted = weights = 0.0
    critical_failed = False
    for category in categories:
        value = ratings[category.key]
        if value is None:
            if category.critical:
                raise InvalidRatings(f"the critical category {category.key!r} cannot be N/A")
            by_category[category.key] = None
            continue
        score = category_score(category.scale, value)
        by_category[category.key] = score
        weighted += score * category.weight
        weights += category.weight
        critical_failed = critical_failed or (category.critical and score < CRITICAL_BELOW)
    if not weights:
        raise InvalidRatings("every category was rated N/A")
    total = 0.0 if critical_failed else round(weighted / weights, 1)
    return Score(score=total, critical_failed=critical_failed, by_category=by_category)
