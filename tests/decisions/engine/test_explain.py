"""Explanations an auditor can follow (format 2): why this option in words, close calls,
robustness, tensions with mandatory policy, the public interest test's parts, and conditions
that fit each option."""

from __future__ import annotations

from typing import Any

import pytest

from decisions.engine import (
    Assessment,
    assess,
    default_ruleset,
    load_golden_cases,
    load_ruleset,
    load_ruleset_file,
)
from decisions.engine.policy import public_interest_parts
from decisions.engine.ruleset import RULESET_2026_1_PATH
from tests.decisions.engine.strategies import with_rule


def answers_of(case_id: str) -> dict[str, Any]:
    return next(c for c in load_golden_cases() if c.id == case_id).answers.as_dict()


def result_of(case_id: str, **changes: Any) -> Assessment:
    return assess({**answers_of(case_id), **changes}, default_ruleset())


def test_why_gives_the_strongest_reasons_in_words_from_the_rules_rationales() -> None:
    result = result_of("RC19")  # Birmingham's ERP: a common business function
    assert result.recommended == "buy" and result.why is not None
    first = result.why.reasons_for[0]
    rule = next(r for r in default_ruleset().rules if r.id == first.rule)
    assert (first.rule, first.factor) == ("R54", "need")
    assert first.text == rule.rationale and "processes" in first.text
    assert first.because == "differentiation is tailored_common and market_maturity is " + (
        "established or commoditised"
    )
    assert first.answers == {"differentiation": "tailored_common", "market_maturity": "established"}
    assert [r.factor for r in result.why.reasons_for] == ["need", "reuse_policy", "market"]
    assert result.why.against["procure"] is not None
    assert result.why.against["procure"].rule == "R54"
    data = result.to_dict()["why"]
    assert data["option"] == "buy" and len(data["for"]) == 3
    assert set(data["for"][0]) == {"rule", "factor", "text", "because", "answers", "points"}


def test_the_reason_against_each_other_viable_option_names_what_favours_the_winner() -> None:
    result = result_of("RC01")  # a council and GOV.UK Notify
    assert result.recommended == "partner" and result.why is not None
    assert result.why.reasons_for[0].rule == "R08"  # the platform already does this
    against_buy = result.why.against["buy"]
    assert against_buy is not None and against_buy.rule == "R08"
    assert "buying the same thing again" in against_buy.text
    assert "partner" not in result.why.against


def test_a_close_call_names_both_options_and_the_answers_that_separate_them() -> None:
    result = result_of("G31")
    close = result.close_call
    assert close is not None and close.options == ("procure", "build")
    assert close.margin == result.margin == 3 and close.below == 10
    assert close.separating and all(f.winner == "build" for f in close.separating)
    assert any(f.key == "best_product_fit_pct" and f.to_value == 65 for f in close.separating)
    assert close.text.startswith("Too close to call between procure and build")
    assert close.text in result.explanation
    assert result.to_dict()["close_call"]["options"] == ["procure", "build"]
    assert result.robustness is not None and result.robustness.level == "fragile"
    unflipped = assess(answers_of("G31"), default_ruleset(), with_flip=False)
    assert unflipped.close_call is not None and unflipped.close_call.separating is None
    assert unflipped.robustness is None


def test_an_exact_tie_says_the_option_order_decides_nothing() -> None:
    data = default_ruleset().to_dict()
    with_rule(data, "TIE", "money", {"build": 3})  # lifts build to procure's score

    answers = {k: v for k, v in answers_of("G31").items() if k != "option_cost_estimates"}
    answers["option_cost_estimates"] = {"procure": 200000, "build": 900000}
    result = assess(answers, load_ruleset(data))
    assert result.margin == 0 and result.ranking[:2] == ("build", "procure")
    assert result.close_call is not None
    assert "tied" in result.close_call.text and "decides nothing" in result.close_call.text


def test_robust_and_fragile_read_outs() -> None:
    robust = result_of("G48")
    assert robust.robustness is not None and robust.robustness.level == "robust"
    assert robust.robustness.smallest_change is None
    fragile = result_of("RC05")
    assert fragile.robustness is not None and fragile.robustness.level == "fragile"
    change = fragile.robustness.smallest_change
    assert change is not None
    assert (change.key, change.from_value, change.to_value) == (
        "in_house_capability",
        "limited",
        "none",
    )
    flipped = assess({**answers_of("RC05"), change.key: change.to_value}, default_ruleset())
    assert flipped.recommended == change.winner != "build"
    assert "would make procure the recommendation" in fragile.robustness.text


def test_a_yes_no_answer_or_a_category_is_never_a_small_change() -> None:
    for case in load_golden_cases():
        result = assess(case.answers, default_ruleset())
        change = result.robustness.smallest_change if result.robustness else None
        if change is not None:
            assert change.key not in {"personal_data", "open_standards", "service_type"}
            assert not isinstance(change.to_value, bool)


def test_tensions_with_mandatory_policy_are_stated_when_the_recommendation_fails_a_check() -> None:
    procured = result_of("RC03")  # HMRC: an internal system procured, not bought as SaaS
    assert procured.recommended == "procure" and procured.tensions is not None
    assert [t.check for t in procured.tensions] == ["cloud_first"]
    assert "Known tension with Cloud first" in procured.tensions[0].text
    assert procured.tensions[0].text in procured.explanation
    built = result_of("G06")  # a partial shared platform, but a unique need built
    assert [t.check for t in built.tensions or ()] == ["share_and_reuse"]
    bought = result_of("G48")
    assert bought.tensions == ()


def test_the_public_interest_test_parts_follow_ppn_024() -> None:
    check = next(p for p in result_of("RC05").policy_checks if p.check == "public_interest_test")
    assert check.result == "explain" and check.parts is not None
    part_1, part_2 = check.parts["good_candidate"], check.parts["ready_to_insource"]
    assert part_1["result"] is True
    assert part_1["why"] == (
        "the need is unique to policy, not a commodity; keeping the intellectual property in "
        "government matters; requirements change often with policy"
    )
    assert part_2["result"] is False  # limited capability
    assert part_2["why"] == "in-house capability is limited; team capacity is 100 full-time staff"
    assert [i["key"] for i in part_2["indicators"]] == ["in_house_capability", "team_capacity_fte"]
    assert check.to_dict()["parts"] == check.parts
    small = next(p for p in result_of("G26").policy_checks if p.check == "public_interest_test")
    assert small.result == "n/a" and small.parts is None and "parts" not in small.to_dict()


@pytest.mark.parametrize(
    ("answers", "candidate", "ready"),
    [
        ({"differentiation": "commodity", "in_house_capability": "strong"}, False, False),
        (
            {"differentiation": "government_specific", "in_house_capability": "adequate"},
            True,
            False,
        ),
        ({"retain_ip_importance": "high", "in_house_capability": "strong"}, True, False),
    ],
)
def test_public_interest_parts_read_the_answers_like_the_record_does(
    answers: dict[str, Any], candidate: bool, ready: bool
) -> None:
    parts = public_interest_parts(answers, threshold_gbp=1_000_000)
    assert parts["good_candidate"]["result"] is candidate
    assert parts["ready_to_insource"]["result"] is ready  # no team_capacity_fte: not ready
    if not candidate:
        assert parts["good_candidate"]["why"] == "a commodity need that the market serves well"
    staffed = public_interest_parts({**answers, "team_capacity_fte": 4}, threshold_gbp=1)
    assert staffed["ready_to_insource"]["result"] is (
        answers["in_house_capability"] in ("adequate", "strong")
    )


def test_conditions_are_computed_for_every_option_and_fit_it() -> None:
    result = result_of("RC19")
    by_option = result.conditions_by_option
    rules = {o: {c.rule for c in cs} for o, cs in by_option.items()}
    assert "R50" in rules["buy"] and "R50" in rules["partner"]  # configure, do not customise
    assert "R46" not in rules["buy"] and "R46" in rules["build"]  # open code only where written
    assert "R81" in rules["procure"]  # a common need procured as bespoke work must say why
    assert "R31" in rules["build"]  # a critical service run in house needs continuity too
    assert all(rules[o] for o in rules)  # an override to any option carries its conditions
    assert result.conditions == by_option["buy"]


def test_a_format_1_result_has_no_format_2_fields() -> None:
    old = assess(answers_of("RC05"), load_ruleset_file(RULESET_2026_1_PATH))
    data = old.to_dict()
    assert not {"format", "factors", "why", "close_call", "robustness", "tensions"} & set(data)
    assert old.why is None and old.factors is None and old.tensions is None
    assert all("parts" not in p for p in data["policy_checks"])
    assert all("factor" not in t and "rationale" not in t for t in data["trace"])
    new = result_of("RC05").to_dict()
    assert {"format", "factors", "why", "close_call", "robustness", "tensions"} <= set(new)
    assert all("factor" in t for t in new["trace"] if t["rule"] != "COST")
