"""The consistency check's distance between two cases' answers (pure: no database)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings

from decisions import engine
from decisions.engine.schema import QUESTIONS
from decisions.engine.similarity import (
    COUNTED,
    DECISIVE,
    NEAR_IDENTICAL,
    compare,
    decisive_signature,
    difference,
    near_signature,
)
from tests.decisions.engine.strategies import answers


def _base() -> dict[str, Any]:
    data = json.loads(engine.GOLDEN_CASES_PATH.read_text())
    cases = data["cases"] if isinstance(data, dict) else data
    return dict(cases[0]["answers"])


def test_identical_answers_are_at_distance_zero_and_near_identical() -> None:
    comparison = compare(_base(), _base())
    assert comparison.distance == 0
    assert comparison.differs == ()
    assert comparison.near_identical and comparison.similar


@settings(max_examples=60, deadline=None)
@given(answers(), answers())
def test_the_distance_is_symmetric_and_between_zero_and_one(a: dict, b: dict) -> None:
    ab, ba = compare(a, b), compare(b, a)
    assert ab.distance == ba.distance
    assert set(ab.decisive) == set(ba.decisive)
    assert 0 <= ab.distance <= 1
    assert compare(a, a).distance == 0


def test_one_step_on_a_scale_is_a_fraction_of_the_scale() -> None:
    criticality = QUESTIONS["criticality"]
    assert difference(criticality, "high", "critical") == 1 / 3
    assert difference(criticality, "low", "critical") == 1


def test_categories_and_yes_no_are_the_same_or_wholly_different() -> None:
    assert difference(QUESTIONS["service_type"], "citizen_facing", "internal_system") == 1
    assert difference(QUESTIONS["personal_data"], True, False) == 1


def test_counts_and_money_compare_by_orders_of_magnitude() -> None:
    suppliers = QUESTIONS["credible_suppliers"]
    assert difference(suppliers, 9, 99) == difference(suppliers, 99, 999)
    budget = QUESTIONS["whole_life_budget_gbp"]
    assert difference(budget, 800_000, 900_000) < 0.05


def test_an_answer_missing_on_one_side_is_wholly_different() -> None:
    assert difference(QUESTIONS["criticality"], None, "low") == 1


def test_cost_estimates_do_not_count() -> None:
    assert "option_cost_estimates" not in COUNTED
    a = {**_base(), "option_cost_estimates": {"buy": 1}}
    assert compare(a, _base()).distance == 0


def test_a_step_on_one_scale_is_still_near_identical() -> None:
    comparison = compare(_base(), {**_base(), "criticality": "high"})
    assert comparison.differs == ("criticality",)
    assert comparison.distance <= NEAR_IDENTICAL
    assert comparison.near_identical


def test_a_decisive_difference_is_never_similar_however_close_the_rest() -> None:
    for key, changed in (
        ("cross_government_solution", "available"),
        ("market_maturity", "none"),
        ("credible_suppliers", 0),
        ("in_house_capability", "none"),
        ("best_product_fit_pct", 79),
        ("months_to_live", 5),
    ):
        comparison = compare(_base(), {**_base(), key: changed})
        assert comparison.decisive == (key,), key
        assert not comparison.similar and not comparison.near_identical


def test_the_signature_groups_by_decisive_sides() -> None:
    assert len(decisive_signature(_base())) == len(DECISIVE)
    assert decisive_signature(_base()) == decisive_signature({**_base(), "criticality": "high"})
    assert decisive_signature(_base()) != decisive_signature({**_base(), "months_to_live": 3})


@settings(max_examples=200, deadline=None)
@given(answers(), answers())
def test_near_identical_answers_always_share_the_near_signature(a: dict, b: dict) -> None:
    # Pull b towards a (every answer but two scale ones copied) so near pairs are common.
    scale = [k for k in COUNTED if QUESTIONS[k].type == "choice" and QUESTIONS[k].scale]
    close = {**a, **{k: b[k] for k in scale[:2] if k in b}}
    for other in (b, close):
        if compare(a, other).near_identical:
            assert near_signature(a) == near_signature(other)


def test_a_different_category_changes_the_near_signature() -> None:
    assert near_signature(_base()) != near_signature({**_base(), "service_type": "infrastructure"})
    assert near_signature(_base()) == near_signature({**_base(), "criticality": "high"})
