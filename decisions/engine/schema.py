"""The questionnaire as data: keys, types, choices, ranges, and validation of answers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from decisions.engine.hashable import hashable_problems

OPTIONS: Final[tuple[str, ...]] = ("buy", "build", "partner", "procure", "innovate")

# The largest amount of money accepted anywhere (a trillion pounds): keeps numbers sane.
MONEY_MAX: Final[int] = 1_000_000_000_000


@dataclass(frozen=True, slots=True)
class Question:
    """One questionnaire key: its type, allowed values and whether an assessment needs it."""

    key: str
    type: str  # "choice", "bool", "int" or "cost_map"
    choices: tuple[str, ...] = ()
    min: int | None = None
    max: int | None = None
    required: bool = True
    # For a choice: True when its choices form a scale (low to high), so one step along it is
    # a small change of judgement; False for categories (what kind of thing is needed).
    scale: bool = True


def _choice(key: str, *choices: str, required: bool = True, scale: bool = True) -> Question:
    """A single-choice question; choices are listed in their natural order."""
    return Question(key, "choice", choices, required=required, scale=scale)


QUESTIONS: Final[dict[str, Question]] = {
    q.key: q
    for q in (
        _choice(
            "service_type",
            "citizen_facing",
            "internal_system",
            "infrastructure",
            "end_user_computing",
            "data_analytics",
            scale=False,
        ),
        _choice(
            "differentiation",
            "commodity",
            "tailored_common",
            "government_specific",
            "unique_to_policy",
        ),
        # Keys added with ruleset format 2 (LATER_KEYS) are optional, so a case answered before
        # they existed still assesses: a missing key is "not answered" and no rule credits it.
        # They sit where the questionnaire asks them (the form follows this order).
        _choice("process_change", "will_adapt", "partly", "will_not", required=False),
        _choice("policy_volatility", "stable", "occasional", "frequent"),
        _choice("criticality", "low", "medium", "high", "critical"),
        _choice("data_classification", "official", "official_sensitive", "secret"),
        Question("personal_data", "bool"),
        Question("months_to_live", "int", min=1, max=120),
        _choice("market_maturity", "none", "emerging", "established", "commoditised"),
        Question("credible_suppliers", "int", min=0, max=10_000),
        Question("best_product_fit_pct", "int", min=0, max=100),
        Question("open_standards", "bool"),
        _choice("cross_government_solution", "none", "partial", "available"),
        _choice("solution_uncertainty", "known", "some_unknowns", "novel"),
        _choice("incumbent_lock_in", "none", "moderate", "severe"),
        _choice("in_house_capability", "none", "limited", "adequate", "strong"),
        Question("existing_service_team", "bool", required=False),
        Question("team_capacity_fte", "int", min=0, max=1_000),
        _choice(
            "service_integration_capability",
            "none",
            "limited",
            "adequate",
            "strong",
            required=False,
        ),
        _choice("retain_ip_importance", "low", "medium", "high"),
        _choice("reuse_potential", "none", "department", "cross_government"),
        _choice("integration_complexity", "low", "medium", "high"),
        Question("whole_life_budget_gbp", "int", min=0, max=MONEY_MAX),
        Question("whole_life_years", "int", min=1, max=25),
        Question("depends_on_platform_not_live", "bool", required=False),
        _choice("delivery_approach", "incremental", "single_cutover", required=False, scale=False),
        Question("option_cost_estimates", "cost_map", OPTIONS, 0, MONEY_MAX, required=False),
    )
}

# The keys added after the first questionnaire (optional; see above), in questionnaire order.
LATER_KEYS: Final[tuple[str, ...]] = (
    "process_change",
    "existing_service_team",
    "service_integration_capability",
    "depends_on_platform_not_live",
    "delivery_approach",
)

QUESTION_KEYS: Final[tuple[str, ...]] = tuple(QUESTIONS)
REQUIRED_KEYS: Final[tuple[str, ...]] = tuple(k for k, q in QUESTIONS.items() if q.required)


@dataclass(frozen=True, slots=True)
class AnswerError:
    """A problem with one answer, named by its questionnaire key."""

    key: str
    message: str


def is_int(value: object) -> bool:
    """True for a real integer (a bool is not one)."""
    return isinstance(value, int) and not isinstance(value, bool)


def value_error(question: Question, value: Any) -> str | None:
    """The message for a value the question does not accept, or None when it is valid."""
    key = question.key
    if question.type == "choice":
        if isinstance(value, str) and value in question.choices:
            return None
        return f"{key} must be one of: {', '.join(question.choices)}"
    if question.type == "bool":
        return None if isinstance(value, bool) else f"{key} must be true or false"
    if question.type == "int":
        assert question.min is not None and question.max is not None
        if is_int(value) and question.min <= value <= question.max:
            return None
        return f"{key} must be a whole number from {question.min} to {question.max}"
    # cost_map: option -> whole pounds
    if not isinstance(value, Mapping):
        return f"{key} must map options ({', '.join(OPTIONS)}) to whole pounds"
    problems = []
    for option, amount in value.items():
        if option not in OPTIONS:
            problems.append(f"{key} has an unknown option {option!r}")
        elif not (is_int(amount) and 0 <= amount <= MONEY_MAX):
            problems.append(
                f"{key}.{option} must be a whole number of pounds from 0 to {MONEY_MAX}"
            )
    return "; ".join(problems) or None


def validate_answers(answers: Mapping[str, Any], *, partial: bool) -> list[AnswerError]:
    """Every problem with answers: unknown keys, bad values and (unless partial) missing keys."""
    if not isinstance(answers, Mapping):
        return [AnswerError("answers", "answers must be an object keyed by questionnaire keys")]
    unhashable = hashable_problems(answers)
    if unhashable:  # the input gate: values the answers' hash cannot be taken over
        return [
            AnswerError(str(p.path[0]) if p.path else "answers", f"{p.dotted}: {p.message}")
            for p in unhashable
        ]
    errors: list[AnswerError] = []
    for key in answers:
        if key not in QUESTIONS:
            errors.append(AnswerError(str(key), f"{key} is not a questionnaire key"))
    for key, question in QUESTIONS.items():
        if key in answers:
            message = value_error(question, answers[key])
            if message:
                errors.append(AnswerError(key, message))
        elif question.required and not partial:
            errors.append(AnswerError(key, f"{key} is required for an assessment"))
    return errors
