"""The presenter: what people read of an engine result, in the same words on every page, the PDF
and the API (labels from the questionnaire, never bare keys)."""

from __future__ import annotations

import re
from typing import Any

from decisions.engine import (
    assess,
    default_ruleset,
    load_golden_cases,
    load_ruleset,
    load_ruleset_file,
    public_interest_parts,
)
from decisions.engine.ruleset import RULESET_2026_1_PATH
from decisions.presenter import (
    check_reason,
    close_call_view,
    condition_text,
    difference_rows,
    explained,
    explanation_lines,
    explanation_words,
    headline,
    option_why_text,
    other_conditions,
    public_interest,
    recommendation_text,
    robustness_view,
    summary_reasons,
    tensions_view,
    trace_rows,
    why_view,
)
from sourcing.questionnaire import CHOICE_LABELS
from tests.decisions.engine.strategies import with_rule

OPTION_KEYS = re.compile(r"\b(buy|build|partner|procure|innovate)\b")


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
        "How many people can the department put on it?: 5 FTE instead of 12 FTE" in close["changes"]
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


def test_robustness_names_the_smallest_change_by_question_label_in_words() -> None:
    fragile = robustness_view(_result("G41"))
    assert fragile is not None and fragile["tag"] == ("Fragile", "govuk-tag--yellow")
    assert fragile["text"] == (
        "Fragile: changing the answer to How unusual is the need? from "
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
    assert "How unusual is the need?: A common need with some tailoring" in first["answers"]
    assert "(differentiation)" not in first["sentence"]  # words only: keys are the trace's
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
    old = load_ruleset_file(RULESET_2026_1_PATH)
    result = assess(_answers("G01"), old).to_dict()
    assert explanation_words(result) is None
    shown = explained(result)
    assert shown["why"] is None and shown["close_call"] is None and shown["factors"] == []
    # The same sentences as the engine's, in words.
    assert explanation_lines(result)[0] == (
        "Buy scores 90 points, 80 points ahead of Procure (10 points)."
    )
    assert result["explanation"][0] == "buy scores 90, 80 ahead of procure (10)."


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
    assert shown is not None and shown["ready"] is True and shown["budget_text"] == "£1,200,000"
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


def test_a_near_tie_is_never_shown_as_settled_in_a_few_words() -> None:
    close = _result("G41")  # build leads procure by 5 points
    assert headline(close) == "Build, too close to call with Procure"
    assert headline(_result("G01")) == "Buy"
    assert recommendation_text(None, none="None viable") == "None viable"
    assert recommendation_text("partner", "buy") == "Partner, too close to call with Buy"


def test_who_leads_and_what_is_ruled_out_is_said_with_option_names() -> None:
    result = _result("G29")  # innovate; buy and procure ruled out by gates
    lines = explanation_lines(result)
    assert lines[0] == "Innovate scores 55 points, 55 points ahead of Build (0 points)."
    assert lines[1].startswith("Procure is ruled out by rule R12: No credible suppliers")
    assert lines[2].startswith("Buy is ruled out by rule R11: ")
    # A record's scoring trail keeps no ruled_out: the trace's fired gates say the same.
    kept = {k: v for k, v in result.items() if k != "ruled_out"}
    assert explanation_lines(kept) == lines
    tie = {**result, "scores": {**result["scores"], "build": 55}, "margin": 0}
    assert explanation_lines(tie)[0] == "Innovate and Build are tied on 55 points."


def test_the_public_summary_says_a_close_call_and_no_answers() -> None:
    result = _result("G41")
    summary = summary_reasons(result)
    assert summary[0] == "Build scores 30 points, 5 points ahead of Procure (25 points)."
    assert summary[1].startswith("Too close to call between Build and Procure: Build leads")
    assert "£" not in " ".join(summary)  # no budget or cost: the register publishes these


def test_policy_check_reasons_name_options_and_answers_in_words() -> None:
    reason = (
        "A internal_system need recommended to procure: explain why whole-life value, exit "
        "costs included, beats public cloud or SaaS."
    )
    assert check_reason(reason).startswith("An internal system recommended to Procure: explain")
    assert check_reason("build keeps the code and data under government control.") == (
        "Build keeps the code and data under government control."
    )
    assert (
        check_reason(
            "Record an exit and data-portability plan; exit readiness for buy is 55 (needs_plan)."
        )
        == "Record an exit and data-portability plan; exit readiness for Buy is 55 of 100 (needs a plan)."
    )
    # Every reason the engine gives on the shipped golden cases: no option or answer by its key.
    for case in load_golden_cases():
        for check in assess(case.answers.as_dict(), default_ruleset()).to_dict()["policy_checks"]:
            shown = check_reason(check["reason"])
            assert not OPTION_KEYS.search(shown), (case.id, shown)
            assert not [v for v in re.findall(r"[a-z]+_[a-z_]+", shown) if v in CHOICE_LABELS]


def test_every_rule_condition_names_questions_by_label_and_key_and_answers_in_words() -> None:
    when = "differentiation is tailored_common and months_to_live is less than 6"
    assert condition_text(when) == (
        "“How unusual is the need?” (differentiation) is “A common need with some tailoring” "
        "and “How many months until it must be live?” (months_to_live) is less than 6 months"
    )
    assert condition_text("existing_service_team is yes").endswith(
        "(existing_service_team) is “Yes”"
    )
    assert condition_text("whole_life_budget_gbp is at least 1,000,000").endswith(
        "(whole_life_budget_gbp) is at least £1,000,000"
    )
    for ruleset in (default_ruleset(), load_ruleset_file(RULESET_2026_1_PATH)):
        for rule in ruleset.rules:
            shown = condition_text(rule.when_text)
            bare = re.sub(r"“[^”]*”|\([a-z_]+\)", "", shown)  # labels and (key) taken out
            assert not re.findall(r"\b[a-z]+_[a-z_]+\b", bare), (rule.id, shown)
            after_is = set(re.findall(r"\bis ([a-z]+)", bare))
            assert after_is <= {"less", "more", "at", "answered", "not"}, (rule.id, shown)
    row = trace_rows(_result("G01"))[0]
    assert row["when"] == condition_text(_result("G01")["trace"][0]["when"])


def test_an_option_s_why_names_the_option_it_is_measured_against() -> None:
    assert option_why_text("Scored 30, 12 behind build.") == "Scored 30, 12 behind Build."
    assert option_why_text(
        "Scored 40, 3 ahead of procure, which the Centre of Excellence chose instead (override)."
    ) == ("Scored 40, 3 ahead of Procure, which the Centre of Excellence chose instead (override).")
    # Rule descriptions and the decided option's own line are left as they are.
    assert option_why_text("Decided option.") == "Decided option."
    assert option_why_text("Ruled out by R12 (buyer behind building)") == (
        "Ruled out by R12 (buyer behind building)"
    )


def test_replay_differences_name_each_part_of_the_result_and_its_values_in_words() -> None:
    was, now = _result("G01"), _result("G41")
    changed = [
        {"field": name, "was": was[name], "now": now[name]}
        for name in ("recommended", "ranking", "viable", "policy_checks", "exit_readiness")
    ]
    rows = difference_rows(changed)
    assert [row["field"] for row in rows] == [
        "Recommended option",
        "Ranking",
        "Viable options",
        "Policy checks",
        "Exit readiness",
    ]
    for row in rows:
        assert not OPTION_KEYS.search(row["was"] + row["now"]), row
        assert "_" not in row["was"] + row["now"] and "True" not in row["was"], row
    assert "Cloud first: " in rows[3]["was"] and "out of 100" in rows[4]["now"]
    assert difference_rows([{"field": "margin", "was": None, "now": 3}]) == [
        {"field": "Margin", "was": "none", "now": "3"}
    ]
