"""Golden cases: the default ruleset gives every agreed answer."""

from __future__ import annotations

import pytest

from decisions.engine import (
    GoldenCaseError,
    default_ruleset,
    load_golden_cases,
    load_ruleset,
    run_golden_cases,
)
from decisions.engine.assess import assess


def test_default_ruleset_passes_every_golden_case() -> None:
    report = run_golden_cases(default_ruleset(), load_golden_cases())
    assert [(r.case_id, r.mismatches) for r in report.failures] == []
    assert report.passed
    assert report.to_dict()["total"] >= 30


def test_golden_cases_include_every_threshold_edge() -> None:
    values = {
        key: {case.answers.as_dict()[key] for case in load_golden_cases()}
        for key in (
            "months_to_live",
            "credible_suppliers",
            "best_product_fit_pct",
            "whole_life_budget_gbp",
        )
    }
    assert {5, 6} <= values["months_to_live"]
    assert {2, 3, 0} <= values["credible_suppliers"]
    assert {79, 80} <= values["best_product_fit_pct"]
    assert {999_999, 1_000_000} <= values["whole_life_budget_gbp"]


def test_every_rule_and_every_gate_fires_in_some_golden_case() -> None:
    ruleset = default_ruleset()
    fired: set[str] = set()
    gated: set[str] = set()
    for case in load_golden_cases():
        result = assess(case.answers, ruleset, with_flip=False)
        fired |= {t.rule for t in result.trace if t.fired}
        gated |= {o for o, ids in result.ruled_out_by.items() if ids}
    assert {r.id for r in ruleset.rules} - fired == set()
    assert gated == {"buy", "build", "partner", "procure", "innovate"}


def test_every_option_is_recommended_by_some_golden_case() -> None:
    assert {c.recommended for c in load_golden_cases()} == {
        "buy",
        "build",
        "partner",
        "procure",
        "innovate",
        None,
    }


def test_a_changed_ruleset_reports_each_mismatch() -> None:
    data = default_ruleset().to_dict()
    for rule in data["rules"]:
        if rule["id"] == "R08":  # cross-government available: strongly partner
            rule["effects"]["partner"] = 0
    report = run_golden_cases(load_ruleset(data), load_golden_cases())
    assert not report.passed
    assert any("recommended: expected partner" in m for r in report.failures for m in r.mismatches)


def test_bad_golden_cases_are_reported_with_case_and_field() -> None:
    with pytest.raises(GoldenCaseError) as caught:
        load_golden_cases(
            [
                {
                    "id": "X1",
                    "answers": {"service_type": "spaceship"},
                    "expected": {"recommended": "rent"},
                },
                {
                    "id": "X1",
                    "answers": {},
                    "expected": {"recommended": None, "policy_checks": {"cloud_first": "maybe"}},
                },
            ]
        )
    text = " | ".join(caught.value.problems)
    assert "X1: answers.service_type" in text
    assert "X1: answers.months_to_live" in text
    assert "X1: expected.recommended: unknown option 'rent'" in text
    assert "X1: id: duplicate" in text
    assert "expected.policy_checks.cloud_first" in text
