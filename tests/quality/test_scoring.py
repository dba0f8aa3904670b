"""The scoring rule (quality/scoring.py): category score = (selected − min) / (max − min) × 100; review score = the
weighted mean of the rated categories; a critical category below 50 % makes it 0."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quality.scoring import (
    DEFAULT_CATEGORIES,
    Category,
    InvalidRatings,
    category_score,
    check_categories,
    review_score,
)

ALL_MET = {"accuracy": 2, "policy": 1, "tone": 2, "clarity": 2}


def test_a_category_scores_its_place_on_the_scale():
    assert [category_score("three", value) for value in (0, 1, 2)] == [0, 50, 100]
    assert [category_score("binary", value) for value in (0, 1)] == [0, 100]
    with pytest.raises(InvalidRatings):
        category_score("three", 3)


def test_every_category_met_scores_100():
    assert review_score(DEFAULT_CATEGORIES, ALL_MET).score == 100


def test_the_score_is_the_weighted_mean_of_the_rated_categories():
    # accuracy 100 × 40, policy 100 × 30, tone 50 × 15, clarity 0 × 15 → 7750 / 100
    score = review_score(DEFAULT_CATEGORIES, ALL_MET | {"tone": 1, "clarity": 0})
    assert score.score == 77.5 and not score.critical_failed
    assert score.by_category == {"accuracy": 100, "policy": 100, "tone": 50, "clarity": 0}


def test_a_category_rated_not_applicable_is_left_out_of_the_mean():
    # accuracy 50 × 40, policy 100 × 30 → 5000 / 70
    score = review_score(DEFAULT_CATEGORIES, {"accuracy": 1, "policy": 1, "tone": None, "clarity": None})
    assert score.score == round(5000 / 70, 1)
    assert score.by_category["tone"] is None


def test_a_failed_critical_category_sets_the_score_to_zero():
    score = review_score(DEFAULT_CATEGORIES, ALL_MET | {"policy": 0})
    assert score.score == 0 and score.critical_failed


def test_a_critical_category_at_exactly_half_is_not_a_failure():
    score = review_score(DEFAULT_CATEGORIES, ALL_MET | {"accuracy": 1})
    assert not score.critical_failed and score.score == 80


def test_a_critical_category_cannot_be_not_applicable():
    with pytest.raises(InvalidRatings):
        review_score(DEFAULT_CATEGORIES, ALL_MET | {"accuracy": None})


def test_ratings_must_name_exactly_the_scorecards_categories():
    with pytest.raises(InvalidRatings):
        review_score(DEFAULT_CATEGORIES, {"accuracy": 2, "policy": 1, "tone": 2})
    with pytest.raises(InvalidRatings):
        review_score(DEFAULT_CATEGORIES, ALL_MET | {"speed": 1})


def test_every_category_not_applicable_is_refused():
    categories = [Category("tone", "口調", "Tone", "three", 10)]
    with pytest.raises(InvalidRatings):
        review_score(categories, {"tone": None})


def test_a_scorecard_needs_unique_keys_known_scales_and_weights():
    check_categories(DEFAULT_CATEGORIES)
    with pytest.raises(InvalidRatings):
        check_categories([])
    with pytest.raises(InvalidRatings):
        check_categories([DEFAULT_CATEGORIES[0], DEFAULT_CATEGORIES[0]])
    with pytest.raises(InvalidRatings):
        check_categories([Category("x", "x", "x", "five", 10)])
    with pytest.raises(InvalidRatings):
        check_categories([Category("x", "x", "x", "three", 0)])


@st.composite
def scorecards_and_ratings(draw):
    size = draw(st.integers(min_value=1, max_value=6))
    categories = [
        Category(
            f"c{i}",
            "ja",
            "en",
            draw(st.sampled_from(["binary", "three"])),
            draw(st.integers(min_value=1, max_value=100)),
            draw(st.booleans()),
        )
        for i in range(size)
    ]
    ratings = {}
    for category in categories:
        options = list(category.values) + ([] if category.critical else [None])
        ratings[category.key] = draw(st.sampled_from(options))
    if all(value is None for value in ratings.values()):
        ratings[categories[0].key] = 0
    return categories, ratings


@given(scorecards_and_ratings())
def test_the_score_is_between_0_and_100_and_zero_whenever_a_critical_category_fails(drawn):
    categories, ratings = drawn
    score = review_score(categories, ratings)
    assert 0 <= score.score <= 100
    failed = any(c.critical and category_score(c.scale, ratings[c.key]) < 50 for c in categories)
    assert score.critical_failed == failed
    if failed:
        assert score.score == 0
    rated = [c for c in categories if ratings[c.key] is not None]
    if not failed and all(ratings[c.key] == max(c.values) for c in rated):
        assert score.score == 100


def test_a_category_stored_before_descriptions_reads_them_as_empty():
    stored = {"key": "tone", "label_ja": "口調", "label_en": "Tone", "scale": "three", "weight": 15}
    category = Category.of(stored)
    assert (category.description("ja"), category.description("en")) == ("", "")
    assert category.as_data() == stored | {"critical": False, "description_ja": "", "description_en": ""}


def test_the_built_in_categories_say_what_the_reviewer_looks_for():
    assert all(category.description_ja and category.description_en for category in DEFAULT_CATEGORIES)
    accuracy = DEFAULT_CATEGORIES[0]
    assert accuracy.description("ja-jp") == accuracy.description_ja and accuracy.description("en") == (
        "The facts, the answer and the links are right."
    )
