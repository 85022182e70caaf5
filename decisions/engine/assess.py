"""Scoring the five options: gates, weights, cost credit, trace, conditions and flip analysis."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from decisions.engine.frozen import FrozenMap
from decisions.engine.policy import (
    ExitReadiness,
    PolicyCheck,
    exit_readiness,
    policy_checks,
)
from decisions.engine.ruleset import WEIGHT_LIMIT, Ruleset
from decisions.engine.schema import OPTIONS, QUESTIONS, validate_answers

ORDER: Final[dict[str, int]] = {option: i for i, option in enumerate(OPTIONS)}
COST_RULE_ID: Final[str] = "COST"
EXIT_RULE_ID: Final[str] = "EXIT"


class InvalidAnswers(ValueError):
    """Answers that cannot be assessed, with every problem by questionnaire key."""

    def __init__(self, errors: list[Any]) -> None:
        """Keep the errors and summarise them as the message."""
        self.errors = errors
        super().__init__("; ".join(e.message for e in errors))


@dataclass(frozen=True, slots=True)
class Answers:
    """Validated questionnaire answers, immutable (a cost map is kept as pairs in option order)."""

    items: tuple[tuple[str, Any], ...]
    complete: bool = True

    @classmethod
    def from_mapping(cls, answers: Mapping[str, Any], *, partial: bool = False) -> Answers:
        """Validate answers and freeze them; raises InvalidAnswers listing every problem."""
        errors = validate_answers(answers, partial=partial)
        if errors:
            raise InvalidAnswers(errors)
        items = []
        for key in QUESTIONS:
            if key in answers:
                value = answers[key]
                if QUESTIONS[key].type == "cost_map":
                    value = tuple((o, value[o]) for o in OPTIONS if o in value)
                items.append((key, value))
        complete = all(k in answers for k, q in QUESTIONS.items() if q.required)
        return cls(tuple(items), complete)

    def as_dict(self) -> dict[str, Any]:
        """Plain dict of the answers (a cost map as a dict)."""
        return {k: (dict(v) if QUESTIONS[k].type == "cost_map" else v) for k, v in self.items}


@dataclass(frozen=True, slots=True)
class TraceEntry:
    """One rule as evaluated: whether it fired, what it read, what it added, gated and attached."""

    rule: str
    description: str
    source: str
    when: str
    fired: bool
    inputs: Mapping[str, Any]
    effects: Mapping[str, int]
    gate: tuple[str, ...] | None
    condition_text: Mapping[str, str]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (api.md trace entry plus the condition in words)."""
        return {
            "rule": self.rule,
            "description": self.description,
            "source": self.source,
            "when": self.when,
            "fired": self.fired,
            "inputs": {
                k: (dict(v) if isinstance(v, Mapping) else v) for k, v in self.inputs.items()
            },
            "effects": dict(self.effects),
            "gate": list(self.gate) if self.gate else None,
            "condition_text": dict(self.condition_text),
        }


@dataclass(frozen=True, slots=True)
class Condition:
    """A condition policy attaches to an option, with the rule and source that attached it."""

    option: str
    text: str
    source: str
    rule: str

    def to_dict(self) -> dict[str, str]:
        """JSON-able form."""
        return {"option": self.option, "text": self.text, "source": self.source, "rule": self.rule}


@dataclass(frozen=True, slots=True)
class Flip:
    """A single-answer change that would change the winner."""

    key: str
    from_value: Any
    to_value: Any
    winner: str | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form: {key, from, to, winner}."""
        return {
            "key": self.key,
            "from": self.from_value,
            "to": self.to_value,
            "winner": self.winner,
        }


@dataclass(frozen=True, slots=True)
class WeightFlip:
    """The smallest change to one weight of a fired rule that would change the winner."""

    rule: str
    option: str
    from_weight: int
    to_weight: int
    winner: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "rule": self.rule,
            "option": self.option,
            "from": self.from_weight,
            "to": self.to_weight,
            "winner": self.winner,
        }


@dataclass(frozen=True, slots=True)
class Assessment:
    """The engine's result: recommendation, ranking, scores, gates, trace, conditions and checks."""

    ruleset_version: str
    ruleset_sha256: str
    answers: Answers
    recommended: str | None
    ranking: tuple[str, ...]
    scores: dict[str, int]
    viable: dict[str, bool]
    ruled_out_by: dict[str, tuple[str, ...]]
    margin: int | None
    trace: tuple[TraceEntry, ...]
    conditions: tuple[Condition, ...]
    conditions_by_option: dict[str, tuple[Condition, ...]]
    policy_checks: tuple[PolicyCheck, ...]
    exit_readiness: dict[str, ExitReadiness]
    explanation: tuple[str, ...]
    flip: tuple[Flip, ...] | None = None
    weight_flips: tuple[WeightFlip, ...] | None = None

    @property
    def complete(self) -> bool:
        """True when every required answer was given (False for a partial preview)."""
        return self.answers.complete

    def to_dict(self) -> dict[str, Any]:
        """JSON-able data in the api.md assessment shape (flip is null when not computed)."""
        return {
            "ruleset": {"version": self.ruleset_version, "sha256": self.ruleset_sha256},
            "answers": self.answers.as_dict(),
            "complete": self.complete,
            "recommended": self.recommended,
            "ranking": list(self.ranking),
            "scores": dict(self.scores),
            "viable": dict(self.viable),
            "ruled_out": {o: list(ids) for o, ids in self.ruled_out_by.items() if ids},
            "margin": self.margin,
            "explanation": list(self.explanation),
            "trace": [entry.to_dict() for entry in self.trace],
            "conditions": [c.to_dict() for c in self.conditions],
            "conditions_by_option": {
                o: [c.to_dict() for c in cs] for o, cs in self.conditions_by_option.items()
            },
            "policy_checks": [p.to_dict() for p in self.policy_checks],
            "flip": None if self.flip is None else [f.to_dict() for f in self.flip],
            "weight_flips": (
                None if self.weight_flips is None else [w.to_dict() for w in self.weight_flips]
            ),
            "exit_readiness": {o: e.to_dict() for o, e in self.exit_readiness.items()},
        }


def cost_credit(
    values: Mapping[str, Any], viable: Mapping[str, bool], credit_max: int
) -> dict[str, int]:
    """Points per viable option from cost estimates: credit_max x cheapest / own cost, rounded down.

    Needs estimates for at least two viable options; otherwise there is nothing to compare.
    """
    estimates = values.get("option_cost_estimates")
    if not estimates or not credit_max:
        return {}
    costs = {o: c for o, c in dict(estimates).items() if viable.get(o)}
    if len(costs) < 2:
        return {}
    cheapest = min(costs.values())
    return {
        o: (credit_max if c == 0 else credit_max * cheapest // c)
        for o, c in sorted(costs.items(), key=lambda item: ORDER[item[0]])
    }


def rank(scores: Mapping[str, int], viable: Mapping[str, bool]) -> tuple[str, ...]:
    """All five options: viable first, then score (highest first), then the fixed option order."""
    return tuple(sorted(OPTIONS, key=lambda o: (not viable[o], -scores[o], ORDER[o])))


def _score(
    values: Mapping[str, Any], ruleset: Ruleset
) -> tuple[dict[str, int], dict[str, bool], str | None]:
    """Scores, viability and winner only: the fast path for flips and impact previews."""
    scores = dict.fromkeys(OPTIONS, 0)
    gated: set[str] = set()
    for rule in ruleset.rules:
        if rule.test(values):
            for option, weight in rule.effects:
                scores[option] += weight
            gated.update(rule.gate)
    viable = {o: o not in gated for o in OPTIONS}
    for option, points in cost_credit(values, viable, ruleset.param("cost_credit_max")).items():
        scores[option] += points
    best = rank(scores, viable)[0]
    return scores, viable, (best if viable[best] else None)


def winner(values: Mapping[str, Any], ruleset: Ruleset) -> str | None:
    """The recommended option for plain answers (no validation, no trace)."""
    return _score(values, ruleset)[2]


def _candidates(key: str, current: Any, ruleset: Ruleset) -> list[Any]:
    """Alternative values for one key, nearest first: choices, the other bool, or thresholds +-1."""
    question = QUESTIONS[key]
    if question.type == "bool":
        return [not current]
    if question.type == "choice":
        here = question.choices.index(current)
        others = [c for c in question.choices if c != current]
        return sorted(others, key=lambda c: (abs(question.choices.index(c) - here), c))
    if question.type == "int":
        assert question.min is not None and question.max is not None
        constants = dict(ruleset.thresholds).get(key, ())
        values = {
            v
            for c in constants
            for v in (c - 1, c, c + 1)
            if question.min <= v <= question.max and v != current
        }
        return sorted(values, key=lambda v: (abs(v - current), v))
    return []


def flip_analysis(
    values: Mapping[str, Any], ruleset: Ruleset, current: str | None
) -> tuple[Flip, ...]:
    """For each key, the nearest single-answer change that changes the winner (if any)."""
    flips = []
    trial = dict(values)
    for key in QUESTIONS:
        if key not in values:
            continue
        original = values[key]
        for candidate in _candidates(key, original, ruleset):
            trial[key] = candidate
            new = _score(trial, ruleset)[2]
            if new != current:
                flips.append(Flip(key, original, candidate, new))
                break
        trial[key] = original
    return tuple(flips)


def weight_flips(
    ruleset: Ruleset,
    fired: list[bool],
    scores: Mapping[str, int],
    viable: Mapping[str, bool],
    current: str | None,
) -> tuple[WeightFlip, ...]:
    """For each fired rule, the smallest change to one of its weights that changes the winner.

    Exact, not searched: a weight moves only its own option's score, so the needed change is
    the gap to the rival (one more when the tie-break favours the incumbent).
    """
    if current is None:
        return ()
    found: list[tuple[int, int, WeightFlip]] = []
    rivals = [o for o in OPTIONS if viable[o] and o != current]
    for index, rule in enumerate(ruleset.rules):
        if not fired[index]:
            continue
        best: tuple[int, WeightFlip] | None = None
        for option, weight in rule.effects:
            if option == current:
                if not rivals:
                    continue
                # Lower the winner's weight until the strongest rival overtakes it.
                delta = max(
                    scores[r] - scores[current] - (0 if ORDER[r] < ORDER[current] else 1)
                    for r in rivals
                )
                trial = dict(scores)
                trial[current] += delta
                new = rank(trial, viable)[0]
            elif viable[option]:
                delta = (
                    scores[current] - scores[option] + (0 if ORDER[option] < ORDER[current] else 1)
                )
                new = option
            else:
                continue
            if abs(weight + delta) > WEIGHT_LIMIT:
                continue
            flip = WeightFlip(rule.id, option, weight, weight + delta, new)
            if best is None or abs(delta) < best[0]:
                best = (abs(delta), flip)
        if best is not None:
            found.append((best[0], index, best[1]))
    return tuple(flip for _, _, flip in sorted(found, key=lambda item: (item[0], item[1])))


def assess(
    answers: Mapping[str, Any] | Answers,
    ruleset: Ruleset,
    *,
    with_flip: bool = True,
    partial: bool = False,
) -> Assessment:
    """Assess answers under a ruleset with the full trace; raises InvalidAnswers on bad answers.

    partial=True allows missing answers (a live preview): a test on a missing key is false.
    """
    if not isinstance(answers, Answers):
        answers = Answers.from_mapping(answers, partial=partial)
    elif not answers.complete and not partial:
        raise InvalidAnswers(validate_answers(answers.as_dict(), partial=False))
    values = answers.as_dict()

    scores = dict.fromkeys(OPTIONS, 0)
    ruled_out: dict[str, list[str]] = {o: [] for o in OPTIONS}
    fired: list[bool] = []
    trace: list[TraceEntry] = []
    attached: list[Condition] = []
    nothing: Mapping[str, Any] = FrozenMap({})
    get = values.get
    for rule in ruleset.rules:
        hit = rule.test(values)
        fired.append(hit)
        keys = rule.keys
        inputs = {keys[0]: get(keys[0])} if len(keys) == 1 else {k: get(k) for k in keys}
        if hit:
            for option, weight in rule.effects:
                scores[option] += weight
            for option in rule.gate:
                ruled_out[option].append(rule.id)
            for option, text in rule.condition_text:
                attached.append(Condition(option, text, rule.source, rule.id))
            trace.append(
                TraceEntry(
                    rule.id,
                    rule.description,
                    rule.source,
                    rule.when_text,
                    True,
                    inputs,
                    rule.effects_view,
                    rule.gate or None,
                    rule.texts_view,
                )
            )
        else:
            trace.append(
                TraceEntry(
                    rule.id,
                    rule.description,
                    rule.source,
                    rule.when_text,
                    False,
                    inputs,
                    nothing,
                    None,
                    nothing,
                )
            )
    viable = {o: not ruled_out[o] for o in OPTIONS}
    credit = cost_credit(values, viable, ruleset.param("cost_credit_max"))
    if "option_cost_estimates" in values:
        for option, points in credit.items():
            scores[option] += points
        trace.append(
            TraceEntry(
                COST_RULE_ID,
                "Cost estimates: the cheapest viable option gets credit in proportion "
                f"(at most {ruleset.param('cost_credit_max')} points), so cost alone never "
                "overrides gates or strong directions.",
                "Managing Public Money: value for money",
                "option_cost_estimates is answered for at least two viable options",
                bool(credit),
                {"option_cost_estimates": values["option_cost_estimates"]},
                FrozenMap(credit),
                None,
                nothing,
            )
        )

    ranking = rank(scores, viable)
    recommended = ranking[0] if viable[ranking[0]] else None
    runner_up = ranking[1]
    margin = (
        scores[recommended] - scores[runner_up]
        if recommended is not None and viable[runner_up]
        else None
    )

    exits = exit_readiness(values, poor_below=ruleset.param("exit_readiness_poor_below"))
    by_option: dict[str, list[Condition]] = {o: [] for o in OPTIONS}
    for condition in attached:
        by_option[condition.option].append(condition)
    for option, ready in exits.items():
        if ready.level == "poor":
            by_option[option].append(
                Condition(
                    option,
                    f"Exit readiness is poor ({ready.score} of 100): agree an exit and "
                    "data-portability plan, with tested data export, before any commitment.",
                    "Sourcing Playbook: avoid lock-in",
                    EXIT_RULE_ID,
                )
            )
    conditions_by_option = {o: tuple(cs) for o, cs in by_option.items()}
    checks = policy_checks(
        values,
        recommended,
        exits=exits,
        public_interest_test_gbp=ruleset.param("public_interest_test_gbp"),
        thin_market_below=ruleset.param("thin_market_below"),
    )
    frozen_out = {o: tuple(ids) for o, ids in ruled_out.items()}
    return Assessment(
        ruleset_version=ruleset.version,
        ruleset_sha256=ruleset.sha256,
        answers=answers,
        recommended=recommended,
        ranking=ranking,
        scores=scores,
        viable=viable,
        ruled_out_by=frozen_out,
        margin=margin,
        trace=tuple(trace),
        conditions=conditions_by_option[recommended] if recommended else (),
        conditions_by_option=conditions_by_option,
        policy_checks=checks,
        exit_readiness=exits,
        explanation=_explain(
            ranking=ranking,
            scores=scores,
            viable=viable,
            ruled_out=frozen_out,
            recommended=recommended,
            margin=margin,
            ruleset=ruleset,
        ),
        flip=flip_analysis(values, ruleset, recommended) if with_flip else None,
        weight_flips=weight_flips(ruleset, fired, scores, viable, recommended)
        if with_flip
        else None,
    )


def _explain(
    *,
    ranking: tuple[str, ...],
    scores: Mapping[str, int],
    viable: Mapping[str, bool],
    ruled_out: Mapping[str, tuple[str, ...]],
    recommended: str | None,
    margin: int | None,
    ruleset: Ruleset,
) -> tuple[str, ...]:
    """Plain sentences: who won and by how much, and which rules ruled each option out."""
    descriptions = {rule.id: rule.description for rule in ruleset.rules}
    lines = []
    if recommended is None:
        lines.append(
            "No option is viable: every option is ruled out by a gate, so there is no "
            "recommendation."
        )
    elif margin is None:
        lines.append(f"{recommended} is the only viable option ({scores[recommended]} points).")
    else:
        lines.append(
            f"{recommended} scores {scores[recommended]}, {margin} ahead of {ranking[1]} "
            f"({scores[ranking[1]]})."
        )
    for option in ranking:
        if not viable[option]:
            reasons = "; ".join(f"{rid}: {descriptions[rid]}" for rid in ruled_out[option])
            lines.append(f"{option} is ruled out by {reasons}")
    return tuple(lines)
