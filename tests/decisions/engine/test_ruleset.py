"""Loading rulesets: whole-file validation, the canonical hash, and plain-English conditions."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
import rfc8785

from decisions.engine import (
    QUESTION_KEYS,
    RulesetError,
    RulesetProblem,
    default_ruleset,
    describe_condition,
    load_ruleset,
    load_ruleset_file,
)
from decisions.engine.ruleset import DEFAULT_PARAMETERS, DEFAULT_RULESET_PATH


def default_data() -> dict[str, Any]:
    return json.loads(DEFAULT_RULESET_PATH.read_text(encoding="utf-8"))


def minimal(**rule: Any) -> dict[str, Any]:
    base = {"id": "R1", "description": "d", "source": "s", "when": {"always": True}, "effects": {}}
    return {"version": "t", "rules": [{**base, **rule}]}


def test_loading_reports_every_problem_with_rule_id_and_field() -> None:
    data = {
        "version": "2026.2",
        "colour": "blue",
        "rules": [
            {
                "id": "R1",
                "description": "Unknown key",
                "source": "TCoP 8",
                "when": {"eq": ["favourite_colour", "blue"]},
                "effects": {"buy": 10},
            },
            {
                "id": "R2",
                "description": "Wrong choice value and unknown option",
                "source": "Cloud first",
                "when": {"eq": ["market_maturity", "booming"]},
                "effects": {"rent": 5, "build": 1.5},
            },
            {
                "id": "R2",
                "description": "Duplicate id and a bool weight",
                "source": "TCoP 3",
                "when": {"all": [{"gte": ["months_to_live", "six"]}, {"maybe": ["x"]}]},
                "effects": {"build": True},
                "gate": ["buy", "lease"],
            },
            {"id": "R4", "when": {"any": []}, "effects": {}, "condition_text": {"build": ""}},
        ],
    }
    with pytest.raises(RulesetError) as caught:
        load_ruleset(data)
    got = {(p.rule_id, p.field) for p in caught.value.problems}
    assert got == {
        (None, "colour"),
        ("R1", "when.eq"),
        ("R2", "when.eq"),
        ("R2", "effects.rent"),
        ("R2", "effects.build"),
        ("R2", "id"),
        ("R2", "when.all[0].gte"),
        ("R2", "when.all[1]"),
        ("R2", "gate"),
        ("R4", "description"),
        ("R4", "source"),
        ("R4", "when.any"),
        ("R4", "condition_text.build"),
    }
    messages = " | ".join(str(p) for p in caught.value.problems)
    assert "favourite_colour" in messages
    assert "'booming' is not a possible value" in messages
    assert "duplicate id 'R2'" in messages
    assert "weight must be a whole number, not True" in messages
    assert "unknown option 'lease'" in messages


def test_comparisons_only_on_numbers_and_costs_only_present_or_absent() -> None:
    for when, field in (
        ({"lt": ["market_maturity", 3]}, "when.lt"),
        ({"eq": ["option_cost_estimates", 3]}, "when.eq"),
        ({"eq": ["personal_data", 1]}, "when.eq"),
        ({"eq": ["best_product_fit_pct", 101]}, "when.eq"),
        ({"present": "nothing"}, "when.present"),
        ({"always": False}, "when.always"),
        ({"eq": ["months_to_live"]}, "when.eq"),
        ({"eq": ["months_to_live", 1], "gt": ["months_to_live", 1]}, "when"),
    ):
        with pytest.raises(RulesetError) as caught:
            load_ruleset(minimal(when=when))
        assert [p.field for p in caught.value.problems] == [field], when


def test_absurdly_deep_conditions_are_refused_not_crashed() -> None:
    when: dict[str, Any] = {"always": True}
    for _ in range(5000):
        when = {"not": when}
    with pytest.raises(RulesetError) as caught:
        load_ruleset(minimal(when=when))
    assert "deep or less" in caught.value.problems[0].message  # the input gate's depth limit


def test_missing_top_level_fields_are_reported() -> None:
    with pytest.raises(RulesetError) as caught:
        load_ruleset({"parameters": {"cost_credit_max": 99, "speed": 1}})
    assert {(p.rule_id, p.field) for p in caught.value.problems} == {
        (None, "version"),
        (None, "rules"),
        (None, "parameters.cost_credit_max"),
        (None, "parameters.speed"),
    }


def test_hash_is_stable_when_keys_are_reordered() -> None:
    data = default_data()
    reordered = {k: data[k] for k in reversed(list(data))}
    reordered["rules"] = [
        {
            k: json.loads(json.dumps(rule[k]), object_pairs_hook=lambda p: dict(reversed(p)))
            for k in reversed(list(rule))
        }
        for rule in data["rules"]
    ]
    assert json.dumps(reordered) != json.dumps(data)
    assert load_ruleset(reordered).sha256 == load_ruleset(data).sha256 == default_ruleset().sha256


def test_hash_changes_when_one_weight_changes() -> None:
    data = default_data()
    changed = copy.deepcopy(data)
    changed["rules"][0]["effects"]["buy"] += 1
    assert load_ruleset(changed).sha256 != load_ruleset(data).sha256


def test_defaults_filled_in_hash_the_same_as_written_out() -> None:
    written = minimal()
    written["parameters"] = dict(DEFAULT_PARAMETERS)
    assert load_ruleset(written).sha256 == load_ruleset(minimal()).sha256
    assert (
        load_ruleset(minimal(gate=["build", "buy"])).sha256
        == load_ruleset(minimal(gate=["buy", "build"])).sha256
    )


def test_the_hash_is_sha256_of_rfc8785_canonical_json() -> None:
    ruleset = default_ruleset()
    assert ruleset.sha256 == hashlib.sha256(rfc8785.dumps(ruleset.to_dict())).hexdigest()
    assert load_ruleset(ruleset.to_dict()).sha256 == ruleset.sha256


def test_a_file_with_a_key_twice_or_broken_json_is_reported(tmp_path: Path) -> None:
    twice = tmp_path / "twice.json"
    twice.write_text('{"version": "1", "version": "2", "rules": []}', encoding="utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text('{"version": ', encoding="utf-8")
    for path in (twice, broken, tmp_path / "missing.json"):
        with pytest.raises(RulesetError) as caught:
            load_ruleset_file(path)
        assert caught.value.problems[0].field == "file"


def test_describe_condition_reads_as_plain_english() -> None:
    cond = {
        "all": [
            {"eq": ["differentiation", "commodity"]},
            {"gte": ["best_product_fit_pct", 80]},
            {
                "any": [
                    {"in": ["market_maturity", ["established", "commoditised"]]},
                    {"eq": ["open_standards", True]},
                ]
            },
            {"not": {"lt": ["whole_life_budget_gbp", 1000000]}},
            {"absent": "option_cost_estimates"},
        ]
    }
    assert describe_condition(cond) == (
        "differentiation is commodity and best_product_fit_pct is at least 80 and "
        "(market_maturity is established or commoditised or open_standards is yes) and "
        "not (whole_life_budget_gbp is less than 1,000,000) and option_cost_estimates is not answered"
    )


def test_default_ruleset_names_a_source_factor_and_rationale_for_every_rule() -> None:
    ruleset = default_ruleset()
    assert ruleset.version == "2026.2" and ruleset.format == 2
    assert all(rule.source.strip() and rule.description.strip() for rule in ruleset.rules)
    assert all(rule.rationale and "\n" not in rule.rationale for rule in ruleset.rules)
    assert [f.name for f in ruleset.factors] == [
        "need",
        "market",
        "capability",
        "reuse_policy",
        "time",
        "risk_lock_in",
        "money",
    ]
    assert {rule.factor for rule in ruleset.rules} == {f.name for f in ruleset.factors}


def test_default_ruleset_reads_every_questionnaire_key() -> None:
    read = {key for rule in default_ruleset().rules for key in rule.keys}
    # Cost estimates are applied by the engine itself (cost credit), not by a rule's condition.
    assert set(QUESTION_KEYS) - read == {"option_cost_estimates"}


def test_default_ruleset_has_the_gates_of_the_brief() -> None:
    gates = {(rule.id, option) for rule in default_ruleset().rules for option in rule.gate}
    by_text = {rule.id: rule.when_text for rule in default_ruleset().rules}
    assert {by_text[r] for r, o in gates if o == "buy"} == {"market_maturity is none"}
    assert {by_text[r] for r, o in gates if o == "procure"} == {"credible_suppliers is less than 1"}
    assert {by_text[r] for r, o in gates if o == "build"} == {"in_house_capability is none"}


def test_problem_reads_as_one_line() -> None:
    assert str(RulesetProblem("R3", "effects.buy", "bad")) == "rule R3, effects.buy: bad"


def format_2(**rule: Any) -> dict[str, Any]:
    """A minimal format 2 ruleset: one factor, one rule."""
    base = {
        "id": "R1",
        "description": "d",
        "source": "s",
        "factor": "need",
        "rationale": "Why it weighs this.",
        "when": {"always": True},
        "effects": {"buy": 5},
    }
    return {
        "version": "t",
        "format": 2,
        "factors": {"need": {"label": "The need", "cap": 40}},
        "rules": [{**base, **rule}],
    }


def test_a_format_2_ruleset_loads_with_factors_rationales_and_the_new_parameters() -> None:
    ruleset = load_ruleset(format_2())
    assert ruleset.format == 2
    assert [(f.name, f.label, f.cap) for f in ruleset.factors] == [("need", "The need", 40)]
    assert ruleset.rules[0].factor == "need"
    assert ruleset.rules[0].rationale == "Why it weighs this."
    assert ruleset.param("close_call_below") == 10
    assert ruleset.param("fragile_change_pct") == 10
    data = ruleset.to_dict()
    assert data["format"] == 2 and data["factors"] == {"need": {"label": "The need", "cap": 40}}
    assert data["rules"][0]["factor"] == "need"
    assert load_ruleset(data).sha256 == ruleset.sha256


def test_format_2_problems_are_named_by_rule_id_and_field() -> None:
    data = format_2()
    data["factors"]["money"] = {"label": "", "cap": 0, "colour": "red"}
    data["parameters"] = {"close_call_below": 500}
    data["rules"] += [
        {
            "id": "R2",
            "description": "d",
            "source": "s",
            "when": {"always": True},
            "effects": {},
        },
        {
            "id": "R3",
            "description": "d",
            "source": "s",
            "factor": "luck",
            "rationale": "two\nlines",
            "when": {"always": True},
            "effects": {},
        },
    ]
    with pytest.raises(RulesetError) as caught:
        load_ruleset(data)
    found = {(p.rule_id, p.field) for p in caught.value.problems}
    assert found == {
        (None, "factors.money.colour"),
        (None, "factors.money.label"),
        (None, "factors.money.cap"),
        (None, "parameters.close_call_below"),
        ("R2", "factor"),
        ("R2", "rationale"),
        ("R3", "factor"),
        ("R3", "rationale"),
    }
    text = str(caught.value)
    assert "rule R3, factor: unknown factor 'luck'" in text
    assert "rule R2, rationale: missing" in text


def test_format_1_refuses_the_format_2_fields_and_parameters() -> None:
    data = minimal(factor="need", rationale="One line.")
    data["factors"] = {"need": {"label": "The need", "cap": 40}}
    data["parameters"] = {"close_call_below": 5}
    with pytest.raises(RulesetError) as caught:
        load_ruleset(data)
    assert {(p.rule_id, p.field) for p in caught.value.problems} == {
        (None, "factors"),
        (None, "parameters.close_call_below"),
        ("R1", "factor"),
    }
    with pytest.raises(RulesetError) as unknown:
        load_ruleset({**format_2(), "format": 3})
    assert "format" in {p.field for p in unknown.value.problems}


def test_a_format_1_rule_may_carry_a_rationale_without_changing_anything_else() -> None:
    plain = load_ruleset(minimal())
    explained = load_ruleset(minimal(rationale="One line."))
    assert explained.rules[0].rationale == "One line."
    assert "rationale" not in plain.to_dict()["rules"][0]
    assert explained.sha256 != plain.sha256  # the rationale is part of the rule
    assert "format" not in explained.to_dict()


def test_factor_order_follows_the_rules_so_the_hash_fixes_it() -> None:
    data = format_2()
    data["factors"] = {
        "money": {"label": "Money", "cap": 10},
        "need": {"label": "The need", "cap": 40},
    }
    swapped = {**data, "factors": dict(reversed(list(data["factors"].items())))}
    assert [f.name for f in load_ruleset(data).factors] == ["need", "money"]
    assert load_ruleset(swapped).factors == load_ruleset(data).factors
    assert load_ruleset(swapped).sha256 == load_ruleset(data).sha256


def _tiny(rules: list[dict[str, Any]]) -> dict[str, Any]:
    return {"version": "2099.1", "description": "", "parameters": {}, "rules": rules}


def test_values_no_rule_can_tell_apart_are_alike_and_each_key_knows_how_far_it_reaches() -> None:
    rules = [
        {
            "id": "A",
            "description": "a",
            "source": "s",
            "when": {
                "all": [{"eq": ["service_type", "infrastructure"]}, {"lt": ["months_to_live", 6]}]
            },
            "effects": {"buy": 10, "build": -5},
        },
        {
            "id": "B",
            "description": "b",
            "source": "s",
            "when": {"in": ["service_type", ["infrastructure", "end_user_computing"]]},
            "effects": {"procure": 3},
            "gate": ["innovate"],
        },
        {
            "id": "C",
            "description": "c",
            "source": "s",
            "when": {"gte": ["months_to_live", 24]},
            "effects": {"build": 7},
        },
    ]
    ruleset = load_ruleset(_tiny(rules))
    kinds = ruleset.alike["service_type"]
    assert not isinstance(kinds, tuple)
    # citizen_facing, internal_system and data_analytics are in no set: alike.
    assert kinds["citizen_facing"] == kinds["internal_system"] == kinds["data_analytics"]
    assert len({kinds["infrastructure"], kinds["end_user_computing"], kinds["citizen_facing"]}) == 3
    # A number's truth may change between 5|6 and 6|7 (lt 6), and 23|24 and 24|25 (gte 24).
    assert ruleset.alike["months_to_live"] == (5, 6, 23, 24)
    moves, gates = ruleset.reach["service_type"]
    assert moves == (10, 5, 0, 3, 0) and gates == (False, False, False, False, True)
    assert ruleset.reach["months_to_live"] == ((10, 12, 0, 0, 0), (False,) * 5)
    assert ruleset.reach["criticality"] == ((0,) * 5, (False,) * 5)
