"""Assessing answers: results, trace, gates, cost credit, policy checks and flips."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from decisions.engine import (
    OPTIONS,
    POLICY_CHECKS,
    Answers,
    InvalidAnswers,
    assess,
    default_ruleset,
    load_golden_cases,
    load_ruleset,
    rank,
)
from tests.decisions.engine.strategies import BASE

API_KEYS = {
    "recommended",
    "ranking",
    "scores",
    "viable",
    "margin",
    "trace",
    "conditions",
    "policy_checks",
    "flip",
    "exit_readiness",
}


def no_floats(value: Any) -> bool:
    if isinstance(value, float):
        return False
    if isinstance(value, dict):
        return all(no_floats(v) for v in value.values())
    if isinstance(value, list):
        return all(no_floats(v) for v in value)
    return True


def test_same_answers_same_result_field_for_field() -> None:
    ruleset = default_ruleset()
    first = assess(dict(BASE), ruleset)
    second = assess(copy.deepcopy(dict(reversed(list(BASE.items())))), ruleset)
    assert first == second
    assert json.dumps(first.to_dict(), sort_keys=True) == json.dumps(
        second.to_dict(), sort_keys=True
    )
    replayed = assess(BASE, load_ruleset(ruleset.to_dict()))
    assert replayed.to_dict() == first.to_dict()


def test_to_dict_has_the_api_shape_and_is_plain_json_without_floats() -> None:
    data = assess(BASE, default_ruleset()).to_dict()
    assert API_KEYS <= set(data)
    assert json.loads(json.dumps(data)) == data
    assert no_floats(data)
    assert data["ruleset"] == {"version": "2026.2", "sha256": default_ruleset().sha256}
    assert len(data["ranking"]) == 5
    assert all(isinstance(s, int) for s in data["scores"].values())
    assert [p["check"] for p in data["policy_checks"]] == list(POLICY_CHECKS)
    assert set(data["exit_readiness"]) == set(OPTIONS)
    entry = data["trace"][0]
    assert set(entry) >= {"rule", "description", "source", "fired", "inputs", "effects", "gate"}
    assert all(set(f) == {"key", "from", "to", "winner"} for f in data["flip"])


def test_missing_answers_are_refused_listing_every_key() -> None:
    answers = dict(BASE)
    del answers["criticality"]
    del answers["whole_life_years"]
    with pytest.raises(InvalidAnswers) as caught:
        assess(answers, default_ruleset())
    assert [e.key for e in caught.value.errors] == ["criticality", "whole_life_years"]


def test_unknown_answer_key_is_refused_by_name() -> None:
    with pytest.raises(InvalidAnswers) as caught:
        assess({**BASE, "sparkle": 1}, default_ruleset())
    assert [e.key for e in caught.value.errors] == ["sparkle"]


def test_partial_answers_give_a_preview_marked_incomplete() -> None:
    result = assess(
        {"differentiation": "commodity", "best_product_fit_pct": 90},
        default_ruleset(),
        partial=True,
    )
    assert result.complete is False
    assert result.recommended == "buy"
    with pytest.raises(InvalidAnswers):
        assess(result.answers, default_ruleset())


def test_trace_lists_every_rule_with_what_it_read_and_added() -> None:
    ruleset = default_ruleset()
    result = assess(BASE, ruleset)
    assert [t.rule for t in result.trace] == [r.id for r in ruleset.rules]
    totals = dict.fromkeys(OPTIONS, 0)
    for entry in result.trace:
        assert set(entry.inputs) == set(next(r for r in ruleset.rules if r.id == entry.rule).keys)
        if not entry.fired:
            assert entry.effects == {} and entry.gate is None
        for option, weight in entry.effects.items():
            totals[option] += weight
    assert totals == result.scores


def test_ranking_ties_break_by_the_fixed_option_order() -> None:
    scores = dict.fromkeys(OPTIONS, 7)
    viable = dict.fromkeys(OPTIONS, True)
    assert rank(scores, viable) == OPTIONS
    viable["buy"] = False
    scores["innovate"] = 8
    assert rank(scores, viable) == ("innovate", "build", "partner", "procure", "buy")


def test_when_no_option_is_viable_the_result_says_so_and_the_trace_shows_each_gate() -> None:
    case = next(c for c in load_golden_cases() if c.recommended is None)
    result = assess(case.answers, default_ruleset())
    assert result.recommended is None
    assert result.margin is None
    assert result.conditions == ()
    assert not any(result.viable.values())
    gates = {o for t in result.trace if t.fired and t.gate for o in t.gate}
    assert gates == set(OPTIONS)
    assert all(result.ruled_out_by[o] for o in OPTIONS)
    assert result.explanation[0].startswith("No option is viable")
    assert len(result.explanation) == 6


def test_a_gated_option_earns_no_cost_credit_and_cost_never_lifts_a_gate() -> None:
    answers = {
        **BASE,
        "market_maturity": "none",
        "option_cost_estimates": {"buy": 1, "build": 100_000, "innovate": 200_000},
    }
    result = assess(answers, default_ruleset())
    cost = next(t for t in result.trace if t.rule == "COST")
    assert result.viable["buy"] is False
    assert "buy" not in cost.effects
    assert cost.effects == {"build": 10, "innovate": 5}


def test_cost_credit_is_proportional_and_bounded() -> None:
    ruleset = default_ruleset()
    plain = assess(BASE, ruleset)
    costed = assess(
        {**BASE, "option_cost_estimates": {"buy": 100, "build": 300, "procure": 1_000_000}}, ruleset
    )
    delta = {o: costed.scores[o] - plain.scores[o] for o in OPTIONS}
    assert delta == {"buy": 10, "build": 3, "partner": 0, "procure": 0, "innovate": 0}
    one_estimate = assess({**BASE, "option_cost_estimates": {"buy": 100}}, ruleset)
    assert one_estimate.scores == plain.scores


def test_severe_lock_in_attaches_an_exit_plan_to_every_option() -> None:
    result = assess({**BASE, "incumbent_lock_in": "severe"}, default_ruleset())
    for option in OPTIONS:
        assert any(c.rule == "R25" for c in result.conditions_by_option[option])


def test_exit_readiness_scores_each_option_with_its_factors() -> None:
    result = assess(
        {**BASE, "open_standards": False, "incumbent_lock_in": "severe"}, default_ruleset()
    )
    buy = result.exit_readiness["buy"]
    assert {f.factor for f in buy.factors} == {
        "incumbent_lock_in",
        "open_standards",
        "product_fit",
        "market_maturity",
        "data_portability",
    }
    assert buy.score == 100 + sum(f.effect for f in buy.factors)
    assert result.exit_readiness["build"].score > buy.score
    assert buy.level == "poor"


def test_policy_checks_are_the_seven_with_a_result_and_reason() -> None:
    result = assess(BASE, default_ruleset())
    assert [p.check for p in result.policy_checks] == list(POLICY_CHECKS)
    assert all(
        p.result in {"complies", "explain", "n/a"} and p.reason for p in result.policy_checks
    )


def test_public_interest_test_starts_at_one_million() -> None:
    def pit(budget: int) -> str:
        result = assess(
            {**BASE, "whole_life_budget_gbp": budget}, default_ruleset(), with_flip=False
        )
        return next(p.result for p in result.policy_checks if p.check == "public_interest_test")

    assert (pit(999_999), pit(1_000_000)) == ("n/a", "explain")


def test_every_flip_really_changes_the_winner() -> None:
    ruleset = default_ruleset()
    for case in load_golden_cases():
        result = assess(case.answers, ruleset)
        assert result.flip is not None
        for flip in result.flip:
            changed = {**case.answers.as_dict(), flip.key: flip.to_value}
            assert (
                assess(changed, ruleset, with_flip=False).recommended
                == flip.winner
                != result.recommended
            )


def test_flip_uses_the_thresholds_in_the_rules() -> None:
    ruleset = default_ruleset()
    answers = {**BASE, "differentiation": "government_specific", "team_capacity_fte": 8}
    result = assess({**answers, "months_to_live": 6}, ruleset)
    assert result.recommended == "build"
    assert any(
        f.key == "months_to_live" and f.to_value == 5 and f.winner == "procure"
        for f in result.flip or ()
    )
    bands = dict(ruleset.thresholds)["months_to_live"]
    assert all(
        any(abs(f.to_value - c) <= 1 for c in bands)
        for f in result.flip or ()
        if f.key == "months_to_live"
    )


def test_time_pressure_counts_against_build_only_without_a_team_running_the_service() -> None:
    ruleset = default_ruleset()
    answers = {**BASE, "differentiation": "government_specific", "team_capacity_fte": 8}
    assert assess({**answers, "months_to_live": 4}, ruleset).recommended == "procure"
    with_team = assess({**answers, "months_to_live": 4, "existing_service_team": True}, ruleset)
    assert with_team.recommended == "build"
    assert not any(f.key == "months_to_live" for f in with_team.flip or ())


def test_every_weight_flip_is_exact() -> None:
    ruleset = default_ruleset()
    for case in load_golden_cases():
        result = assess(case.answers, ruleset)
        for wf in result.weight_flips or ():
            data = ruleset.to_dict()
            rule = next(r for r in data["rules"] if r["id"] == wf.rule)
            rule["effects"][wf.option] = wf.to_weight
            assert (
                assess(case.answers, load_ruleset(data), with_flip=False).recommended == wf.winner
            )
            step = 1 if wf.to_weight < wf.from_weight else -1
            rule["effects"][wf.option] = wf.to_weight + step
            assert (
                assess(case.answers, load_ruleset(data), with_flip=False).recommended
                == result.recommended
            )


def test_answers_object_is_frozen_and_round_trips() -> None:
    answers = Answers.from_mapping({**BASE, "option_cost_estimates": {"build": 2, "buy": 1}})
    assert answers.as_dict()["option_cost_estimates"] == {"buy": 1, "build": 2}
    with pytest.raises(AttributeError):
        answers.items = ()  # type: ignore[misc]
    assert hash(answers) == hash(Answers.from_mapping(answers.as_dict()))
