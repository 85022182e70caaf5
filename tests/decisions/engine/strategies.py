"""Hypothesis strategies, sample answers and small helpers shared by the engine tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from decisions.engine.schema import OPTIONS, QUESTIONS

# Stored rulesets and results of earlier versions (pinned replays must stay identical).
DATA = Path(__file__).resolve().parent / "data"

BASE: dict[str, Any] = {
    "service_type": "citizen_facing",
    "differentiation": "tailored_common",
    "policy_volatility": "occasional",
    "criticality": "medium",
    "data_classification": "official",
    "personal_data": False,
    "months_to_live": 12,
    "market_maturity": "established",
    "credible_suppliers": 8,
    "best_product_fit_pct": 60,
    "open_standards": True,
    "cross_government_solution": "none",
    "solution_uncertainty": "some_unknowns",
    "incumbent_lock_in": "none",
    "in_house_capability": "adequate",
    "team_capacity_fte": 6,
    "retain_ip_importance": "medium",
    "reuse_potential": "department",
    "integration_complexity": "medium",
    "whole_life_budget_gbp": 800_000,
    "whole_life_years": 5,
}


def _value(key: str) -> st.SearchStrategy[Any]:
    """Any valid value for one key."""
    q = QUESTIONS[key]
    if q.type == "choice":
        return st.sampled_from(q.choices)
    if q.type == "bool":
        return st.booleans()
    if q.type == "int":
        assert q.min is not None and q.max is not None
        # Mix the whole range with small numbers, where the thresholds are.
        top = min(q.max, 2_000_000)
        return st.one_of(st.integers(q.min, q.max), st.integers(q.min, top))
    return st.dictionaries(st.sampled_from(OPTIONS), st.integers(0, 5_000_000), max_size=5)


def answers() -> st.SearchStrategy[dict[str, Any]]:
    """Complete answers anywhere in the answer space; cost estimates and the later, optional
    keys sometimes given."""
    required = {k: _value(k) for k, q in QUESTIONS.items() if q.required}
    optional = {k: _value(k) for k, q in QUESTIONS.items() if not q.required}
    return st.fixed_dictionaries(required, optional=optional)


def with_rule(data: dict[str, Any], rule_id: str, factor: str, effects: dict[str, int]) -> None:
    """Append an always-firing format 2 rule to a ruleset's data (in place)."""
    data["rules"].append(
        {
            "id": rule_id,
            "description": "Added for the test.",
            "source": "test",
            "factor": factor,
            "rationale": "Added for the test.",
            "when": {"always": True},
            "effects": effects,
        }
    )
