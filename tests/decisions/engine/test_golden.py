"""Golden cases: the default ruleset gives every agreed answer."""

from __future__ import annotations

from typing import Any

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


REAL = ("RC01", "RC02", "RC03", "RC05", "RC08", "RC13", "RC19", "RC21")


def test_the_eight_real_decisions_are_golden_cases_with_their_sources_and_pass() -> None:
    cases = {c.id: c for c in load_golden_cases()}
    report = run_golden_cases(default_ruleset(), [cases[i] for i in REAL])
    assert report.passed, [(r.case_id, r.mismatches) for r in report.failures]
    for case_id in REAL:
        case = cases[case_id]
        assert case.sources and all(s.startswith("http") for s in case.sources)
        assert case.basis and "Inferred answers" in case.basis
    # Mixed cases accept the alternatives both experts named; strict cases only one option.
    assert cases["RC03"].also_acceptable == ("build",) and cases["RC03"].acceptable_because
    assert cases["RC01"].also_acceptable == () and "second choice" in cases["RC01"].basis


def test_every_revised_golden_case_states_why_and_what_it_was() -> None:
    revised = {c.id: c for c in load_golden_cases() if c.revision is not None}
    assert set(revised) == {
        "G03",
        "G15",
        "G18",
        "G31",
        "G40",
        "G41",
        "G43",
        "G44",
        "G45",
        "G47",
    }
    for case in revised.values():
        assert case.revision is not None
        assert case.revision["in"] == "2026.2" and "principle" in case.revision["reason"].lower()
        assert case.revision["previously"]


def test_an_acceptable_alternative_passes_and_anything_else_fails() -> None:
    answers = next(c for c in load_golden_cases() if c.id == "G13").answers.as_dict()
    raw = {"id": "X", "answers": answers, "expected": {"recommended": "build"}}
    assert not run_golden_cases(default_ruleset(), load_golden_cases([raw])).passed
    mixed: dict[str, Any] = {
        **raw,
        "expected": {
            "recommended": "build",
            "also_acceptable": ["procure"],
            "acceptable_because": "Experts split between building and commissioning.",
        },
    }
    report = run_golden_cases(default_ruleset(), load_golden_cases([mixed]))
    assert report.passed and report.results[0].recommended == "procure"
    wrong = {**mixed, "expected": {**mixed["expected"], "also_acceptable": ["partner"]}}
    failed = run_golden_cases(default_ruleset(), load_golden_cases([wrong]))
    assert failed.results[0].mismatches == ("recommended: expected build or partner, got procure",)


def test_a_golden_case_can_require_a_close_call_or_its_absence() -> None:
    g31 = next(c for c in load_golden_cases() if c.id == "G31")
    raw = g31.to_dict()
    raw["expected"]["too_close_to_call"] = False
    report = run_golden_cases(default_ruleset(), load_golden_cases([raw]))
    assert report.results[0].mismatches == ("too_close_to_call: expected false, got true",)
    assert load_golden_cases([g31.to_dict()])[0] == g31


def test_new_golden_fields_are_validated_with_case_and_field() -> None:
    answers = next(c for c in load_golden_cases() if c.id == "G13").answers.as_dict()
    with pytest.raises(GoldenCaseError) as caught:
        load_golden_cases(
            [
                {
                    "id": "X2",
                    "answers": answers,
                    "expected": {
                        "recommended": "buy",
                        "also_acceptable": ["buy", "rent"],
                        "too_close_to_call": "maybe",
                    },
                    "sources": "a web page",
                    "revision": {"reason": ""},
                    "colour": "blue",
                },
                {
                    "id": "X3",
                    "answers": answers,
                    "expected": {"recommended": "buy", "also_acceptable": ["build"]},
                },
            ]
        )
    text = " | ".join(caught.value.problems)
    assert "X2: colour: unknown field" in text
    assert "X2: sources: must be a list" in text
    assert "X2: revision: must be an object with a reason" in text
    assert "X2: expected.also_acceptable: must be a list of other options" in text
    assert "X2: expected.too_close_to_call: must be true or false" in text
    assert "X3: expected.acceptable_because: say why" in text
