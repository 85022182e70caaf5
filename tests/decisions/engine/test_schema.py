"""The questionnaire schema and answer validation."""

from __future__ import annotations

from decisions.engine import OPTIONS, QUESTION_KEYS, QUESTIONS, validate_answers
from decisions.engine.schema import LATER_KEYS
from tests.decisions.engine.strategies import BASE


def test_there_are_the_22_first_stable_keys_five_later_ones_and_five_options() -> None:
    assert len(QUESTION_KEYS) == 27
    assert OPTIONS == ("buy", "build", "partner", "procure", "innovate")
    optional = [k for k in QUESTION_KEYS if not QUESTIONS[k].required]
    assert optional == [*LATER_KEYS, "option_cost_estimates"]
    assert LATER_KEYS == (
        "process_change",
        "existing_service_team",
        "service_integration_capability",
        "depends_on_platform_not_live",
        "delivery_approach",
    )


def test_a_case_answered_before_the_later_keys_existed_is_complete() -> None:
    assert validate_answers(BASE, partial=False) == []
    assert all(key not in BASE for key in LATER_KEYS)


def test_later_keys_are_validated_like_any_other() -> None:
    errors = validate_answers(
        {**BASE, "process_change": "maybe", "existing_service_team": "yes"}, partial=False
    )
    assert [e.key for e in errors] == ["process_change", "existing_service_team"]
    assert "will_adapt, partly, will_not" in errors[0].message


def test_complete_answers_are_valid() -> None:
    assert validate_answers(BASE, partial=False) == []


def test_missing_keys_are_all_listed() -> None:
    answers = dict(BASE)
    for key in ("months_to_live", "differentiation", "open_standards"):
        del answers[key]
    errors = validate_answers(answers, partial=False)
    assert sorted(e.key for e in errors) == ["differentiation", "months_to_live", "open_standards"]
    assert all(e.key in e.message for e in errors)


def test_partial_answers_may_leave_keys_out() -> None:
    assert validate_answers({"service_type": "infrastructure"}, partial=True) == []


def test_unknown_key_is_rejected_by_name() -> None:
    errors = validate_answers({**BASE, "colour": "blue"}, partial=False)
    assert [(e.key, e.message) for e in errors] == [("colour", "colour is not a questionnaire key")]


def test_a_bool_is_not_a_whole_number() -> None:
    errors = validate_answers({**BASE, "credible_suppliers": True}, partial=False)
    assert errors[0].message == "credible_suppliers must be a whole number from 0 to 10000"


def test_a_number_is_not_a_bool_and_a_string_is_not_a_number() -> None:
    errors = validate_answers({**BASE, "personal_data": 1, "months_to_live": "12"}, partial=True)
    assert {e.key for e in errors} == {"personal_data", "months_to_live"}


def test_out_of_range_numbers_and_unknown_choices_are_named() -> None:
    errors = validate_answers(
        {**BASE, "best_product_fit_pct": 101, "months_to_live": 0, "market_maturity": "huge"},
        partial=False,
    )
    messages = {e.key: e.message for e in errors}
    assert (
        messages["best_product_fit_pct"]
        == "best_product_fit_pct must be a whole number from 0 to 100"
    )
    assert messages["months_to_live"] == "months_to_live must be a whole number from 1 to 120"
    assert messages["market_maturity"].startswith("market_maturity must be one of: none, emerging")


def test_cost_estimates_must_name_options_and_whole_pounds() -> None:
    errors = validate_answers(
        {**BASE, "option_cost_estimates": {"buy": 10.5, "rent": 3, "build": -1}}, partial=False
    )
    assert len(errors) == 1
    message = errors[0].message
    assert "option_cost_estimates.buy" in message
    assert "'rent'" in message
    assert "option_cost_estimates.build" in message


def test_answers_that_are_not_an_object_are_refused() -> None:
    assert validate_answers(["buy"], partial=True)[0].key == "answers"  # type: ignore[arg-type]
