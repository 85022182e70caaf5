"""Explanations an auditor can follow (format 2 rulesets): why this option, close calls,
robustness and tensions with mandatory policy.

Everything here is built from the rules' rationales, the answers they read and the flip
analysis; nothing is weighed again. All shapes are plain data (see each to_dict()).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from decisions.engine.policy import MANDATORY_CHECKS, PolicyCheck, answer_words
from decisions.engine.ruleset import Ruleset
from decisions.engine.schema import OPTIONS, QUESTIONS
from decisions.engine.trace import Flip, TraceEntry

REASONS_FOR: Final[int] = 3  # the strongest reasons given for the recommended option
CHECK_NAMES: Final[dict[str, str]] = {
    "cloud_first": "Cloud first",
    "share_and_reuse": "share and reuse",
}


@dataclass(frozen=True, slots=True)
class FactorScore:
    """One factor's total per option as its rules added it (raw) and as it counts (counted)."""

    factor: str
    label: str
    cap: int
    raw: Mapping[str, int]
    counted: Mapping[str, int]

    def to_dict(self) -> dict[str, Any]:
        """{"factor", "label", "cap", "raw": {option: points}, "counted": {option: points}}."""
        return {
            "factor": self.factor,
            "label": self.label,
            "cap": self.cap,
            "raw": dict(self.raw),
            "counted": dict(self.counted),
        }


@dataclass(frozen=True, slots=True)
class Reason:
    """One rule as a reason in words: its rationale, its condition and the answers it read.

    points: how far the rule favours the recommended option over the option compared with.
    """

    rule: str
    factor: str | None
    text: str
    because: str
    answers: Mapping[str, Any]
    points: int

    def to_dict(self) -> dict[str, Any]:
        """{"rule", "factor", "text", "because", "answers": {key: value}, "points"}."""
        return {
            "rule": self.rule,
            "factor": self.factor,
            "text": self.text,
            "because": self.because,
            "answers": {
                k: (dict(v) if isinstance(v, Mapping) else v) for k, v in self.answers.items()
            },
            "points": self.points,
        }


@dataclass(frozen=True, slots=True)
class Why:
    """Why this option: the strongest reasons for it (one per factor, at most three) and the
    strongest reason against each other viable option (None when no single rule favours the
    recommended option over it: the gap then comes from caps or cost)."""

    option: str
    reasons_for: tuple[Reason, ...]
    against: Mapping[str, Reason | None]

    def to_dict(self) -> dict[str, Any]:
        """{"option", "for": [reason...], "against": {option: reason or null}}."""
        return {
            "option": self.option,
            "for": [r.to_dict() for r in self.reasons_for],
            "against": {o: (None if r is None else r.to_dict()) for o, r in self.against.items()},
        }


@dataclass(frozen=True, slots=True)
class CloseCall:
    """The top two viable options are within the close-call threshold: too close to call.

    separating: the single-answer changes that would make the runner-up the recommendation
    (from the flip analysis; None when it was not run).
    """

    options: tuple[str, str]
    margin: int
    below: int
    separating: tuple[Flip, ...] | None
    text: str

    def to_dict(self) -> dict[str, Any]:
        """{"options": [first, second], "margin", "below", "separating": [flip...] or null,
        "text"}."""
        return {
            "options": list(self.options),
            "margin": self.margin,
            "below": self.below,
            "separating": None
            if self.separating is None
            else [f.to_dict() for f in self.separating],
            "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class Robustness:
    """Robust, or fragile with the smallest single-answer change that would flip the result."""

    level: str  # "robust" or "fragile"
    smallest_change: Flip | None
    text: str

    def to_dict(self) -> dict[str, Any]:
        """{"level", "smallest_change": flip or null, "text"}."""
        return {
            "level": self.level,
            "smallest_change": None
            if self.smallest_change is None
            else self.smallest_change.to_dict(),
            "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class Tension:
    """The recommended option fails a mandatory policy check (cloud first, share and reuse)."""

    check: str
    option: str
    text: str
    source: str

    def to_dict(self) -> dict[str, str]:
        """{"check", "option", "text", "source"}."""
        return {
            "check": self.check,
            "option": self.option,
            "text": self.text,
            "source": self.source,
        }


def _reason(ruleset: Ruleset, index: int, trace: Sequence[TraceEntry], points: int) -> Reason:
    """Rule number index as a reason."""
    rule = ruleset.rules[index]
    return Reason(
        rule.id,
        rule.factor,
        rule.rationale or rule.description,
        rule.when_text,
        trace[index].inputs,
        points,
    )


def why(
    *,
    ruleset: Ruleset,
    fired: Sequence[bool],
    trace: Sequence[TraceEntry],
    recommended: str | None,
    ranking: Sequence[str],
    viable: Mapping[str, bool],
) -> Why | None:
    """The reasons for the recommended option and against each other viable option.

    For: fired rules that add to the recommended option and favour it over the runner-up,
    strongest lead first, one per factor (each fact counts once), at most three. Against an
    option: the fired rule that most favours the recommended option over it. Ties go to the
    larger effect, then the earlier rule.
    """
    if recommended is None:
        return None
    rivals = [o for o in ranking if viable[o] and o != recommended]
    me = OPTIONS.index(recommended)
    them = [OPTIONS.index(o) for o in rivals]
    runner = them[0] if them else me
    strongest: dict[str | None, tuple[int, int, int]] = {}
    against: list[tuple[int, int, int] | None] = [None] * len(them)
    for index, rule in enumerate(ruleset.rules):
        if not fired[index] or not rule.effects:
            continue
        vector = rule.vector
        mine = vector[me]
        lead = mine - vector[runner] if them else mine
        if mine > 0 and lead > 0:
            best = strongest.get(rule.factor)
            if best is None or lead > best[0] or (lead == best[0] and mine > best[1]):
                strongest[rule.factor] = (lead, mine, index)
        for slot, rival in enumerate(them):
            theirs = vector[rival]
            gap = mine - theirs
            if gap > 0:
                held = against[slot]
                if held is None or gap > held[0] or (gap == held[0] and -theirs > held[1]):
                    against[slot] = (gap, -theirs, index)
    chosen = sorted(strongest.values(), key=lambda item: (-item[0], -item[1], item[2]))
    return Why(
        recommended,
        tuple(_reason(ruleset, index, trace, lead) for lead, _, index in chosen[:REASONS_FOR]),
        {
            rival: None if held is None else _reason(ruleset, held[2], trace, held[0])
            for rival, held in zip(rivals, against, strict=True)
        },
    )


def _flip_words(flip: Flip) -> str:
    """A flip as words: 'criticality from high to critical'."""
    return f"{flip.key} from {answer_words(flip.from_value)} to {answer_words(flip.to_value)}"


def close_call(
    *,
    ranking: Sequence[str],
    viable: Mapping[str, bool],
    scores: Mapping[str, int],
    recommended: str | None,
    margin: int | None,
    below: int,
    flips: Sequence[Flip] | None,
) -> CloseCall | None:
    """A close call when the top two viable options are less than `below` points apart."""
    if recommended is None or margin is None or margin >= below:
        return None
    second = ranking[1]
    if margin == 0:
        lead = (
            f"{recommended} and {second} are tied on {scores[recommended]} points; the fixed "
            f"option order lists {recommended} first, which decides nothing on its own"
        )
    else:
        lead = (
            f"{recommended} leads {second} by {margin} point{'s' if margin != 1 else ''}, "
            f"under the close-call threshold of {below}"
        )
    separating = None if flips is None else tuple(f for f in flips if f.winner == second)
    if separating is None:
        tail = "Run the flip analysis to see which answers would separate them."
    elif separating:
        listed = "; ".join(_flip_words(f) for f in separating)
        tail = f"Answers that would make {second} the recommendation: {listed}."
    else:
        tail = f"No single answer change makes {second} the recommendation."
    text = f"Too close to call between {recommended} and {second}: {lead}. {tail}"
    return CloseCall((recommended, second), margin, below, separating, text)


def _change_size(flip: Flip, within_pct: int) -> float | None:
    """How small a flip's change is (a fraction of the scale or of the answer), None if not
    small: a choice one step along its scale, or a number within within_pct % of its answer
    (at least one unit). A yes/no answer or a category (service type, delivery approach) is a
    fact, not a degree: never small."""
    question = QUESTIONS[flip.key]
    if question.type == "choice":
        if not question.scale:
            return None
        steps = abs(question.choices.index(flip.to_value) - question.choices.index(flip.from_value))
        return 1 / (len(question.choices) - 1) if steps == 1 else None
    if question.type == "int":
        change: float = abs(flip.to_value - flip.from_value)
        base: float = abs(flip.from_value)
        if change * 100 <= max(100, base * within_pct):
            return change / max(base, 1)
    return None


def robustness(
    *,
    recommended: str | None,
    margin: int | None,
    close: CloseCall | None,
    flips: Sequence[Flip],
    within_pct: int,
) -> Robustness | None:
    """Robust, or fragile naming the smallest single-answer change that flips the result.

    Fragile when the result is a close call, or when a small change (see _change_size)
    changes the recommendation; None when nothing is recommended.
    """
    if recommended is None:
        return None
    small = [
        (size, index, flip)
        for index, flip in enumerate(flips)
        if (size := _change_size(flip, within_pct)) is not None
    ]
    smallest = min(small, key=lambda item: (item[0], item[1]))[2] if small else None
    if smallest is not None:
        text = (
            f"Fragile: changing {_flip_words(smallest)} would make "
            f"{smallest.winner or 'no option'} the recommendation instead of {recommended}."
        )
        return Robustness("fragile", smallest, text)
    if close is not None:
        return Robustness(
            "fragile",
            None,
            f"Fragile: {recommended} leads by {margin} point{'s' if margin != 1 else ''}, "
            f"under the close-call threshold of {close.below}.",
        )
    return Robustness(
        "robust",
        None,
        f"Robust: no small change flips it: no answer one step along its scale and no number "
        f"within {within_pct}% of its answer makes another option the recommendation.",
    )


def tensions(checks: Sequence[PolicyCheck], recommended: str | None) -> tuple[Tension, ...]:
    """The mandatory policy checks (cloud first, share and reuse) the recommendation fails."""
    if recommended is None:
        return ()
    return tuple(
        Tension(
            check.check,
            recommended,
            f"Known tension with {CHECK_NAMES[check.check]}: the recommended option "
            f"({recommended}) does not meet it as it stands, and the scoring has counted that. "
            f"{check.reason}",
            check.source,
        )
        for check in checks
        if check.check in MANDATORY_CHECKS and check.result == "explain"
    )
