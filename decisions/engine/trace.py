"""The rows of a result: trace entries (one per rule evaluated) and the changes that would flip
the winner (one answer, or one weight)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from decisions.engine.frozen import FrozenMap
from decisions.engine.ruleset import RowText

NOTHING: Final[Mapping[str, Any]] = FrozenMap({})


@dataclass(frozen=True, slots=True)
class TraceEntry:
    """One rule as evaluated: whether it fired, what it read, what it added, gated and attached.

    about: the rule's description, source, condition in words, gate, condition texts and (format
    2) factor and rationale, shared by every entry of the rule; read them through the properties.
    """

    rule: str
    fired: bool
    inputs: Mapping[str, Any]
    effects: Mapping[str, int]
    about: RowText = field(compare=False, repr=False)

    @property
    def description(self) -> str:
        """What the rule says."""
        return self.about.description

    @property
    def source(self) -> str:
        """The policy the rule comes from."""
        return self.about.source

    @property
    def when(self) -> str:
        """The rule's condition in words."""
        return self.about.when

    @property
    def gate(self) -> tuple[str, ...] | None:
        """The options the rule ruled out (None when it did not fire or gates nothing)."""
        return self.about.gate if self.fired else None

    @property
    def condition_text(self) -> Mapping[str, str]:
        """The conditions the rule attached, by option (empty when it did not fire)."""
        return self.about.condition_text if self.fired else NOTHING

    @property
    def factor(self) -> str | None:
        """Format 2 rulesets: the factor the rule's effects count under."""
        return self.about.factor

    @property
    def rationale(self) -> str | None:
        """Format 2 rulesets: why the rule weighs what it weighs."""
        return self.about.rationale

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (api.md trace entry plus the condition in words; factor and
        rationale only under a format 2 ruleset)."""
        about = self.about
        data = {
            "rule": self.rule,
            "description": about.description,
            "source": about.source,
            "when": about.when,
            "fired": self.fired,
            "inputs": {
                k: (dict(v) if isinstance(v, Mapping) else v) for k, v in self.inputs.items()
            },
            "effects": dict(self.effects),
            "gate": list(about.gate) if self.fired and about.gate else None,
            "condition_text": dict(about.condition_text) if self.fired else {},
        }
        if about.factor is not None:
            data["factor"] = about.factor
        if about.rationale is not None:
            data["rationale"] = about.rationale
        return data


_new = object.__new__
_SET_RULE, _SET_FIRED, _SET_INPUTS, _SET_EFFECTS, _SET_ABOUT = (
    TraceEntry.__dict__[name].__set__ for name in ("rule", "fired", "inputs", "effects", "about")
)


def make_entry(
    rule: str, fired: bool, inputs: Mapping[str, Any], effects: Mapping[str, int], about: RowText
) -> TraceEntry:
    """A TraceEntry, equal to TraceEntry(rule, fired, inputs, effects, about), built through its
    slots: twice as fast as the frozen dataclass __init__, and the trace is most of the work."""
    entry = _new(TraceEntry)
    _SET_RULE(entry, rule)
    _SET_FIRED(entry, fired)
    _SET_INPUTS(entry, inputs)
    _SET_EFFECTS(entry, effects)
    _SET_ABOUT(entry, about)
    return entry


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
