"""The presenter: what people read of an engine result, in the same words on every page, the PDF
and the API (labels from the questionnaire, never bare keys)."""

from __future__ import annotations

from typing import Any

from decisions.engine import (
    assess,
    default_ruleset,
    load_golden_cases,
    load_ruleset,
    load_ruleset_file,
    public_interest_parts,
)
from decisions.presenter import (
    close_call_view,
    explained,
    explanation_lines,
    explanation_words,
    other_conditions,
    public_interest,
    robustness_view,
    tensions_view,
    trace_rows,
    why_view,
)
from tests.decisions.engine.strategies import DATA, with_rule


def _answers(case_id: str) -> dict[str, Any]:
    return next(c for c in load_golden_cases() if c.id == case_id).answers.as_dict()


def _result(case_id: str, ruleset: Any = None, **changes: Any) -> dict[str, Any]:
    return assess({**_answers(case_id), **changes}, ruleset or default_ruleset()).to_dict()


def test_a_close_call_names_both_options_and_the_answers_that_would_separate_them() -> None:
    result = _result("G41")  # build leads procure by 5 points
    close = close_call_view(result)
    assert close is not None
    assert close["heading"] == "Too close to call between Build and Procure"
    assert (
        "Build leads Procure by 5 points, under the close-call threshold of 10 points"
        in (close["lead"])
    )
    assert close["tail"] == "These answers would make Procure the recommendation:"
    assert (
        "How many people can the department put on it? (team_capacity_fte): 5 FTE instead of "
        "12 FTE" in close["changes"]
    )
    assert len(close["changes"]) == len(result["close_call"]["separating"])
    # The engine's own sentence (keys) is not repeated among the plain explanation lines.
    assert result["close_call"]["text"] in result["explanation"]
    assert result["close_call"]["text"] not in explanation_lines(result)


def test_a_tie_is_said_aloud_and_the_option_order_decides_nothing() -> None:
    data = default_ruleset().to_dict()
    with_rule(data, "TIE", "money", {"build": 3})  # lifts build to procure's score in G31
    answers = {k: v for k, v in _answers("G31").items() if k != "option_cost_estimates"}
    answers["option_cost_estimates"] = {"procure": 200000, "build": 900000}
    result = assess(answers, load_ruleset(data)).to_dict()
    close = close_call_view(result)
    assert result["margin"] == 0 and close is not None
    assert close["lead"].startswith("Build and Procure are tied on")
    assert "decides nothing on its own" in close["lead"]


def test_robustness_names_the_smallest_change_by_question_label_and_key() -> None:
    fragile = robustness_view(_result("G41"))
    assert fragile is not None and fragile["tag"] == ("Fragile", "govuk-tag--yellow")
    assert fragile["text"] == (
        "Fragile: changing the answer to How unusual is the need? (differentiation) from "
        "Specific to government to A common need with some tailoring would make Buy the "
        "recommendation instead of Build."
    )
    robust = robustness_view(_result("G01"))
    assert robust is not None and robust["level"] == "robust"
    assert robust["text"].startswith("Robust: no small change flips it")


def test_why_this_option_is_written_from_rationales_and_the_answers_by_label() -> None:
    result = _result("RC19")  # Birmingham's ERP: a common business function, bought
    why = why_view(result)
    assert why is not None and why["label"] == "Buy"
    rules = {r.id: r for r in default_ruleset().rules}
    first = why["for"][0]
    assert first["text"] == rules[first["rule"]].rationale
    assert first["factor"] == "The need"
    assert (
        "How unusual is the need? (differentiation): A common need with some tailoring"
        in (first["answers"])
    )
    against = {a["option"]: a for a in why["against"]}
    assert set(against) == {o for o in result["ranking"][1:] if result["viable"][o]}
    assert against["procure"]["text"].startswith("Procure: ")
    words = explanation_words(result)
    assert words is not None
    assert words["why"]["for"] == [r["sentence"] for r in why["for"]]
    assert words["why"]["against"]["procure"] == against["procure"]["text"]


def test_a_tension_with_mandatory_policy_is_said_with_the_check_and_option_names() -> None:
    result = _result("G10")  # build for a back-office need: cloud first wants explaining
    tensions = tensions_view(result)
    assert [t["check"] for t in tensions] == ["cloud_first"]
    assert tensions[0]["text"].startswith(
        "Known tension with cloud first: the recommended option, Build, does not meet it"
    )
    assert explained(result)["tensions"] == tensions


def test_every_trace_row_names_its_questions_by_label_and_key_with_the_rationale() -> None:
    result = _result("G01")
    rows = {row["rule"]: row for row in trace_rows(result)}
    entry = next(e for e in result["trace"] if "differentiation" in e["inputs"])
    row = rows[entry["rule"]]
    assert "How unusual is the need? (differentiation): " in row["inputs"]
    assert row["rationale"] == entry["rationale"] and row["rationale"]
    assert row["factor"] in {f["label"] for f in result["factors"]}


def test_a_format_1_result_has_no_words_to_add() -> None:
    old = load_ruleset_file(DATA / "ruleset_2026.1.json")
    result = assess(_answers("G01"), old).to_dict()
    assert explanation_words(result) is None
    shown = explained(result)
    assert shown["why"] is None and shown["close_call"] is None and shown["factors"] == []
    assert explanation_lines(result) == result["explanation"]


def test_other_options_carry_their_own_conditions() -> None:
    result = _result("G01")  # buy recommended; procure would carry multi-sourcing (R48)
    others = {o["option"]: o for o in other_conditions(result)}
    assert result["recommended"] not in others
    assert [c["rule"] for c in others["procure"]["conditions"]] == [
        c["rule"] for c in result["conditions_by_option"]["procure"]
    ]


def test_the_public_interest_test_reads_the_engines_parts_or_works_them_out_for_old_results() -> (
    None
):
    answers = {
        **_answers("G01"),
        "whole_life_budget_gbp": 1_200_000,
        "in_house_capability": "strong",
        "team_capacity_fte": 6,
    }
    result = assess(answers, default_ruleset()).to_dict()
    check = next(c for c in result["policy_checks"] if c["check"] == "public_interest_test")
    assert check["parts"]["ready_to_insource"]["result"] is True
    shown = public_interest(result["policy_checks"], answers)
    assert shown is not None and shown["ready"] is True and shown["budget_text"] == "1,200,000"
    # The stored parts are what is shown, not a new reading of the answers.
    stored = {**check, "parts": {**check["parts"], "good_candidate": {"result": True, "why": "x"}}}
    assert public_interest([stored], answers)["good_candidate_why"] == "x"  # type: ignore[index]
    # An assessment made before the engine gave the parts: the same parts, worked out.
    old = {k: v for k, v in check.items() if k != "parts"}
    fallback = public_interest([old], answers)
    parts = public_interest_parts(answers, threshold_gbp=1_000_000)
    assert fallback is not None and fallback["good_candidate_why"] == parts["good_candidate"]["why"]
    assert fallback["ready"] is True
    assert public_interest([{**old, "result": "n/a"}], answers) is None
