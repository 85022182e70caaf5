"""How alike two cases' answers are: the distance behind the consistency check.

Pure Python (no Django). docs/decisions/0028-consistency-check-distance.md says why it is built
this way. In short:

- Which answers count (COUNTED): every questionnaire key that describes the need, the market,
  the department's capability or the money, that is every key of schema.QUESTIONS except
  `option_cost_estimates` (the department's should-cost estimates price the options, they do
  not describe the need, and their scale follows the budget, which already counts).
- How they are compared, each giving a difference from 0 (the same) to 1 (as far apart as the
  question allows):
  - a choice on a scale (schema.Question.scale, e.g. criticality low < medium < high <
    critical): the number of steps between the two answers over the steps the scale has, so
    "high" against "critical" is 1/3;
  - a choice among categories (service_type): 0 when equal, else 1;
  - yes/no: 0 when equal, else 1;
  - numbers that span orders of magnitude (LOG_KEYS: suppliers, people, pounds): the
    difference of their base-10 logarithms (of 1 + the value) over LOG_SPAN decades, capped
    at 1: 3 against 30 suppliers is as far apart as 30 against 300;
  - other numbers (months, per cent, years): the difference over the question's range;
  - an answer given in one case and not in the other: 1; missing in both: 0.
- The distance is the mean of those differences (0 to 1): every counted answer weighs the same,
  so the figure reads as "the share of the questionnaire that differs".
- Decisive answers (DECISIVE) are those on which the default ruleset gates an option or turns
  strongly (domain.md, "What points where"): no market, no credible supplier or fewer than
  three, no in-house capability, a cross-government solution, a novel solution, secret data,
  the kind of need (commodity, shared or unique to policy), a product fit of 80 % or more, and
  fewer than 6 months to live. Two cases whose answers fall on different sides of one of these
  lines are not comparable, however close the rest: deciding them differently is expected.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from decisions.engine.schema import QUESTIONS, Question

# Answers that describe the price of options, not the need (see the module docstring).
NOT_COUNTED: Final[frozenset[str]] = frozenset({"option_cost_estimates"})
COUNTED: Final[tuple[str, ...]] = tuple(k for k in QUESTIONS if k not in NOT_COUNTED)

# Numbers compared on a logarithmic scale, and how many decades make the largest difference.
LOG_KEYS: Final[frozenset[str]] = frozenset(
    {"credible_suppliers", "team_capacity_fte", "whole_life_budget_gbp"}
)
LOG_SPAN: Final[float] = 2.0

# Similar: at most this distance (about three answers wholly different, or six one step apart).
SIMILAR: Final[float] = 0.15
# Near-identical: at most this distance (one or two answers a step apart on their scale).
NEAR_IDENTICAL: Final[float] = 0.03


def _bucket(*lines: tuple[str, Callable[[Any], bool]]) -> Callable[[Any], str]:
    """The first named line an answer falls on (else "other"): the side of a decisive line."""

    def side(value: Any) -> str:
        if value is None:
            return "unanswered"
        return next((name for name, test in lines if test(value)), "other")

    return side


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# Decisive lines on choices: the values that each stand on their own side (any other value is
# on the side "other"). A database can test these as they are (records.consistency does).
CHOICE_LINES: Final[dict[str, tuple[str, ...]]] = {
    "market_maturity": ("none",),
    "in_house_capability": ("none",),
    "cross_government_solution": ("none", "partial", "available"),
    "solution_uncertainty": ("novel",),
    "data_classification": ("secret",),
    "differentiation": ("commodity", "unique_to_policy"),
}


def _choice_line(values: tuple[str, ...]) -> Callable[[Any], str]:
    return _bucket(*((v, lambda a, v=v: a == v) for v in values))


# key -> the side of the default ruleset's decisive lines an answer is on.
DECISIVE: Final[dict[str, Callable[[Any], str]]] = {
    **{key: _choice_line(values) for key, values in CHOICE_LINES.items()},
    "credible_suppliers": _bucket(
        ("none", lambda v: _is_int(v) and v == 0),
        ("thin market", lambda v: _is_int(v) and v < 3),
    ),
    "best_product_fit_pct": _bucket(("80 or more", lambda v: _is_int(v) and v >= 80)),
    "months_to_live": _bucket(("under 6", lambda v: _is_int(v) and v < 6)),
}


@dataclass(frozen=True, slots=True)
class Comparison:
    """Two cases' answers compared: the distance (0 the same to 1), the counted keys whose
    answers differ (questionnaire order) and the decisive keys among them."""

    distance: float
    differs: tuple[str, ...]
    decisive: tuple[str, ...]

    @property
    def similar(self) -> bool:
        """Close enough to compare decisions: no decisive difference, distance <= SIMILAR."""
        return not self.decisive and self.distance <= SIMILAR

    @property
    def near_identical(self) -> bool:
        """No decisive difference and distance <= NEAR_IDENTICAL."""
        return not self.decisive and self.distance <= NEAR_IDENTICAL


def _log(value: int) -> float:
    return math.log10(1 + max(value, 0))


def difference(question: Question, a: Any, b: Any) -> float:
    """How far apart two answers to one question are, from 0 (equal) to 1."""
    if a == b:
        return 0.0
    if a is None or b is None:
        return 1.0
    if question.type == "choice":
        if not question.scale or a not in question.choices or b not in question.choices:
            return 1.0
        steps = len(question.choices) - 1
        return abs(question.choices.index(a) - question.choices.index(b)) / steps
    if question.type == "int" and _is_int(a) and _is_int(b):
        if question.key in LOG_KEYS:
            return min(1.0, abs(_log(a) - _log(b)) / LOG_SPAN)
        low = question.min if question.min is not None else 0
        high: int = question.max if question.max is not None else max(int(a), int(b), low + 1)
        return min(1.0, abs(int(a) - int(b)) / max(high - low, 1))
    return 1.0


def decisive_differences(a: Mapping[str, Any], b: Mapping[str, Any]) -> tuple[str, ...]:
    """The decisive keys on which the two sets of answers fall on different sides."""
    return tuple(key for key, side in DECISIVE.items() if side(a.get(key)) != side(b.get(key)))


def decisive_signature(answers: Mapping[str, Any]) -> tuple[str, ...]:
    """The side of every decisive line the answers are on: cases with different signatures
    are never similar (used to group cases before comparing them pairwise)."""
    return tuple(side(answers.get(key)) for key, side in DECISIVE.items())


def compare(a: Mapping[str, Any], b: Mapping[str, Any]) -> Comparison:
    """Compare two cases' answers (questionnaire keys to values, as stored)."""
    total = 0.0
    differs = []
    for key in COUNTED:
        d = difference(QUESTIONS[key], a.get(key), b.get(key))
        if d:
            total += d
            differs.append(key)
    return Comparison(
        distance=total / len(COUNTED),
        differs=tuple(differs),
        decisive=decisive_differences(a, b),
    )


# A wholly different answer (a category, a yes/no, answered against not) adds 1 to the sum of
# differences; when that alone passes the near-identical distance, near-identical answers
# share every such answer exactly, which the report groups by (near_signature).
_WHOLE_DIFFERENCE_IS_TOO_MUCH: Final[bool] = 1 / len(COUNTED) > NEAR_IDENTICAL


def near_signature(answers: Mapping[str, Any]) -> tuple[Any, ...]:
    """A key two sets of answers share whenever they are near-identical: the decisive sides
    and every answer that can only be equal or wholly different (categories, yes/no, whether
    each counted key is answered). Cases with different keys are never near-identical."""
    if not _WHOLE_DIFFERENCE_IS_TOO_MUCH:
        return decisive_signature(answers)
    exact = tuple(
        answers.get(key)
        if (q := QUESTIONS[key]).type == "bool" or (q.type == "choice" and not q.scale)
        else answers.get(key) is None
        for key in COUNTED
    )
    return (*decisive_signature(answers), *exact)
