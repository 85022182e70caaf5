"""Rulesets as data: loading with whole-file validation, compiled rules and the content hash."""

from __future__ import annotations

import copy
import functools
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import rfc8785

from decisions.engine.conditions import (
    Predicate,
    compile_condition,
    condition_problems,
    describe_condition,
    int_constants,
    keys_read,
    value_sets,
)
from decisions.engine.frozen import FrozenMap
from decisions.engine.hashable import dotted, hashable_problems, no_duplicate_keys
from decisions.engine.schema import OPTIONS, QUESTIONS, is_int

RULESETS_DIR: Final[Path] = Path(__file__).resolve().parent / "data"
DEFAULT_RULESET_PATH: Final[Path] = RULESETS_DIR / "default.json"
GOLDEN_CASES_PATH: Final[Path] = RULESETS_DIR / "golden_cases.json"
# The first published rules (2026.1, format 1: the public interest test without Part 1 and
# Part 2 recorded) and the golden cases they passed: the demo's ruleset history starts with
# them, and the compatibility tests replay them.
RULESET_2026_1_PATH: Final[Path] = RULESETS_DIR / "ruleset_2026.1.json"
GOLDEN_CASES_2026_1_PATH: Final[Path] = RULESETS_DIR / "golden_cases_2026.1.json"

WEIGHT_LIMIT: Final[int] = 1_000
RATIONALE_MAX: Final[int] = 300  # characters: a rationale is one line an auditor reads
# Format 1 is the first ruleset format; format 2 adds factors with caps and rule rationales
# (docs/decisions/0008). A ruleset without "format" is format 1 and loads, hashes and assesses
# exactly as before, so old assessments replay identically.
FORMATS: Final[tuple[int, ...]] = (1, 2)
TOP_FIELDS: Final[frozenset[str]] = frozenset(
    {"version", "description", "parameters", "rules", "format", "factors"}
)
RULE_FIELDS: Final[frozenset[str]] = frozenset(
    {
        "id",
        "description",
        "source",
        "when",
        "effects",
        "gate",
        "condition_text",
        "factor",
        "rationale",
    }
)
FACTOR_FIELDS: Final[frozenset[str]] = frozenset({"label", "cap"})
# Thresholds the engine itself applies (policy checks, cost credit), governed with the rules.
DEFAULT_PARAMETERS: Final[dict[str, int]] = {
    "public_interest_test_gbp": 1_000_000,  # a services need at or over this must record the test
    "thin_market_below": 3,  # fewer credible suppliers than this is a thin market (pilot first)
    "cost_credit_max": 10,  # points the cheapest viable option earns from cost estimates
    "exit_readiness_poor_below": 40,  # exit readiness under this adds an exit-plan condition
}
# Parameters a format 2 ruleset adds (filled in with these defaults there, refused in format 1).
FORMAT_2_PARAMETERS: Final[dict[str, int]] = {
    # A lead under this many points is too close to call: the stated bound on what one unit of
    # a numeric answer can move a score (10), so one small change could undo it.
    "close_call_below": 10,
    "fragile_change_pct": 10,  # a number within this % of its answer is a small change
}
PARAMETER_LIMITS: Final[dict[str, tuple[int, int]]] = {
    "public_interest_test_gbp": (0, 1_000_000_000_000),
    "thin_market_below": (0, 10_000),
    "cost_credit_max": (0, 50),
    "exit_readiness_poor_below": (0, 100),
    "close_call_below": (0, 100),
    "fragile_change_pct": (0, 100),
}


@dataclass(frozen=True, slots=True)
class RulesetProblem:
    """One mistake in a ruleset: its rule (None for the file), the field and what is wrong."""

    rule_id: str | None
    field: str
    message: str

    def __str__(self) -> str:
        """The problem as one line."""
        where = f"rule {self.rule_id}, " if self.rule_id else ""
        return f"{where}{self.field}: {self.message}"


class RulesetError(ValueError):
    """A ruleset that cannot be used, with every problem found in it."""

    def __init__(self, problems: list[RulesetProblem]) -> None:
        """Keep the problems and summarise them as the message."""
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


@dataclass(frozen=True, slots=True)
class Factor:
    """A group of rules about one kind of fact; its total for one option is held within +-cap."""

    name: str
    label: str
    cap: int

    def to_dict(self) -> dict[str, Any]:
        """The factor in the file format."""
        return {"label": self.label, "cap": self.cap}


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
class RowText:
    """What a trace row says about the rule (or engine step) it reports: built once per rule
    at load time and shared by every trace entry of that rule."""

    description: str
    source: str
    when: str
    gate: tuple[str, ...] | None
    condition_text: Mapping[str, str]
    factor: str | None = None
    rationale: str | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule: when its condition holds it adds effects, gates options and attaches conditions."""

    id: str
    description: str
    source: str
    when: Mapping[str, Any]
    effects: tuple[tuple[str, int], ...]
    gate: tuple[str, ...]
    condition_text: tuple[tuple[str, str], ...]
    when_text: str
    keys: tuple[str, ...]
    test: Predicate = field(compare=False, repr=False)
    # Shared by every trace entry of this rule (built once at load time).
    row: RowText = field(compare=False, repr=False)
    effects_view: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)
    vector: tuple[int, ...] = field(default=(), compare=False, repr=False)  # weights, OPTIONS order
    conditions: tuple[Condition, ...] = field(default=(), compare=False, repr=False)
    factor: str | None = None  # format 2: the factor the rule's effects count under
    rationale: str | None = None  # one line: why the rule weighs what it weighs
    slot: int = field(default=-1, compare=False, repr=False)  # the factor's index, -1 for none
    # The vector's non-zero weights as (place in OPTIONS, weight), and the gate's places.
    places: tuple[tuple[int, int], ...] = field(default=(), compare=False, repr=False)
    gate_places: tuple[int, ...] = field(default=(), compare=False, repr=False)
    # The vector's rises and falls (OPTIONS order): max(0, weight) and max(0, -weight), how far
    # the rule firing (rise) or ceasing to fire (fall) can lift an option's score or lower it.
    rise: tuple[int, ...] = field(default=(), compare=False, repr=False)
    fall: tuple[int, ...] = field(default=(), compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The rule in the file format (canonical: every field present; factor and rationale
        only when given, so a format 1 rule keeps its canonical form and hash)."""
        data = {
            "id": self.id,
            "description": self.description,
            "source": self.source,
            "when": copy.deepcopy(dict(self.when)),
            "effects": dict(self.effects),
            "gate": list(self.gate),
            "condition_text": dict(self.condition_text),
        }
        if self.factor is not None:
            data["factor"] = self.factor
        if self.rationale is not None:
            data["rationale"] = self.rationale
        return data


FlipKey = tuple[
    str,
    tuple[int, ...],
    tuple[int, ...] | Mapping[Any, int],
    tuple[bool, ...] | None,
    tuple[int, ...],
]


@dataclass(frozen=True, slots=True)
class Ruleset:
    """A versioned set of rules with engine parameters and the sha256 of its canonical form."""

    version: str
    description: str
    rules: tuple[Rule, ...]
    parameters: tuple[tuple[str, int], ...]
    sha256: str
    thresholds: tuple[tuple[str, tuple[int, ...]], ...] = ()
    format: int = 1
    factors: tuple[Factor, ...] = ()
    # Key -> indices of the rules whose condition reads it (for incremental flip analysis).
    readers: Mapping[str, tuple[int, ...]] = field(default_factory=dict, compare=False, repr=False)
    # Key -> how far a change to it can move each option's score (the sum of its readers'
    # weights, in OPTIONS order), and which options its readers gate (OPTIONS order).
    reach: Mapping[str, tuple[tuple[int, ...], tuple[bool, ...]]] = field(
        default_factory=dict, compare=False, repr=False
    )
    # Key -> which values no rule can tell apart: for a number, the sorted points x where a
    # rule's truth may change between x and x + 1 (values with as many points below them are
    # alike); for a choice or yes/no, a class per value (values in the same sets are alike).
    alike: Mapping[str, tuple[int, ...] | Mapping[Any, int]] = field(
        default_factory=dict, compare=False, repr=False
    )
    # Key -> the thresholds the rules compare it with (`thresholds` as a mapping).
    threshold_of: Mapping[str, tuple[int, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )
    # Key -> its readers that read it alone (their result depends on that answer only) and its
    # other readers.
    solo_readers: Mapping[str, frozenset[int]] = field(
        default_factory=dict, compare=False, repr=False
    )
    shared_readers: Mapping[str, tuple[int, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )
    # Filled as flips are analysed (decisions/engine/assess.py, _plan): for a choice or yes/no
    # and its answer, or a number and its answer's kind (see alike), the values to try and how
    # each moves the scores. Bounded by the keys, their choices and their numbers' kinds.
    flip_plans: dict[tuple[str, Any], Any] = field(default_factory=dict, compare=False, repr=False)
    # The keys a flip analysis tries, in questionnaire order: those some rule reads that have
    # values to try (a choice, yes/no or number), each as (key, its readers, its alike, which
    # options its readers gate or None when they gate none, its shared readers).
    flip_keys: tuple[FlipKey, ...] = field(default=(), compare=False, repr=False)
    # Key -> the other keys its shared readers read, each with its alike (None when one has no
    # alike): their kinds, with the key's own, decide how the shared readers fire.
    flip_context: Mapping[str, tuple[tuple[str, Any], ...] | None] = field(
        default_factory=dict, compare=False, repr=False
    )
    # Filled as flips are analysed (flip_analysis in decisions/engine/assess.py): by key, its
    # answer's kind and the kinds of the other keys its shared readers read, each value tried
    # with its move, the shared readers' included. Bounded by the kinds, as flip_plans.
    flip_shared: dict[tuple[Any, ...], dict[Any, Any]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def param(self, name: str) -> int:
        """One engine parameter's value."""
        for key, value in self.parameters:
            if key == name:
                return value
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """The canonical dict form: the hash is RFC 8785 JSON of exactly this.

        A format 1 ruleset has exactly its original fields, so its hash never changes.
        """
        data: dict[str, Any] = {
            "version": self.version,
            "description": self.description,
            "parameters": dict(self.parameters),
            "rules": [rule.to_dict() for rule in self.rules],
        }
        if self.format >= 2:
            data["format"] = self.format
            data["factors"] = {f.name: f.to_dict() for f in self.factors}
        return data

    def canonical_json(self) -> bytes:
        """RFC 8785 canonical JSON of the ruleset, the bytes its sha256 is taken over."""
        return canonical_bytes(self.to_dict())


def canonical_bytes(data: Any) -> bytes:
    """RFC 8785 canonical JSON bytes."""
    return rfc8785.dumps(data)


def _options_problems(value: Any, rule_id: str, name: str) -> list[RulesetProblem]:
    """Problems with a list of options (gate)."""
    if not isinstance(value, list):
        return [RulesetProblem(rule_id, name, "must be a list of options ([] for none)")]
    problems = []
    for option in value:
        if option not in OPTIONS:
            problems.append(
                RulesetProblem(
                    rule_id, name, f"unknown option {option!r}; use {', '.join(OPTIONS)}"
                )
            )
    if len(set(map(str, value))) != len(value):
        problems.append(RulesetProblem(rule_id, name, "lists an option more than once"))
    return problems


def _rule_problems(
    raw: Any, index: int, seen_ids: set[str], fmt: int, factors: frozenset[str]
) -> list[RulesetProblem]:
    """Every problem with one rule (format 2 rules also need a declared factor and a rationale)."""
    if not isinstance(raw, Mapping):
        return [RulesetProblem(f"#{index + 1}", "rule", "a rule must be an object")]
    raw_id = raw.get("id")
    rule_id = raw_id if isinstance(raw_id, str) and raw_id.strip() else f"#{index + 1}"
    problems: list[RulesetProblem] = []

    def add(field_name: str, message: str) -> None:
        problems.append(RulesetProblem(rule_id, field_name, message))

    for name in sorted(set(raw) - RULE_FIELDS, key=str):
        add(str(name), f"unknown field; a rule has {', '.join(sorted(RULE_FIELDS))}")
    if not (isinstance(raw_id, str) and raw_id.strip()):
        add("id", "missing: every rule needs a non-empty id")
    elif raw_id in seen_ids:
        add("id", f"duplicate id {raw_id!r}")
    else:
        seen_ids.add(raw_id)
    for name in ("description", "source"):
        if not (isinstance(raw.get(name), str) and raw[name].strip()):
            add(name, "missing: must be a non-empty string")
    if "when" not in raw:
        add("when", 'missing: every rule needs a condition (use {"always": true})')
    else:
        for path, message in condition_problems(raw["when"]):
            add(path, message)
    effects = raw.get("effects")
    if not isinstance(effects, Mapping):
        add("effects", "missing: must be an object of option -> whole-number weight ({} for none)")
    else:
        for option, weight in effects.items():
            if option not in OPTIONS:
                add(f"effects.{option}", f"unknown option; use {', '.join(OPTIONS)}")
            elif not is_int(weight):
                add(f"effects.{option}", f"weight must be a whole number, not {weight!r}")
            elif abs(weight) > WEIGHT_LIMIT:
                add(
                    f"effects.{option}",
                    f"weight must be between -{WEIGHT_LIMIT} and {WEIGHT_LIMIT}",
                )
    if "gate" in raw:
        problems += _options_problems(raw["gate"], rule_id, "gate")
    texts = raw.get("condition_text")
    if "condition_text" in raw:
        if not isinstance(texts, Mapping):
            add("condition_text", "must be an object of option -> text ({} for none)")
        else:
            for option, text in texts.items():
                if option not in OPTIONS:
                    add(f"condition_text.{option}", f"unknown option; use {', '.join(OPTIONS)}")
                elif not (isinstance(text, str) and text.strip()):
                    add(f"condition_text.{option}", "must be a non-empty string")
    if "rationale" in raw or fmt >= 2:
        rationale = raw.get("rationale")
        if not (isinstance(rationale, str) and rationale.strip()):
            add("rationale", "missing: one line saying why the rule weighs what it weighs")
        elif "\n" in rationale or "\r" in rationale or len(rationale) > RATIONALE_MAX:
            add("rationale", f"must be one line of at most {RATIONALE_MAX} characters")
    if fmt < 2:
        if "factor" in raw:
            add("factor", 'factors need "format": 2')
    elif not isinstance(raw.get("factor"), str):
        add("factor", f"missing: name one of the ruleset's factors ({', '.join(sorted(factors))})")
    elif raw["factor"] not in factors:
        add(
            "factor",
            f"unknown factor {raw['factor']!r}; declare it under factors "
            f"({', '.join(sorted(factors))})",
        )
    return problems


def _parameter_problems(raw: Any, fmt: int) -> list[RulesetProblem]:
    """Problems with the optional parameters object."""
    if not isinstance(raw, Mapping):
        return [RulesetProblem(None, "parameters", "must be an object of name -> whole number")]
    problems = []
    for name, value in raw.items():
        if fmt < 2 and name in FORMAT_2_PARAMETERS:
            problems.append(RulesetProblem(None, f"parameters.{name}", 'needs "format": 2'))
            continue
        if name not in PARAMETER_LIMITS:
            known = ", ".join(_parameter_defaults(fmt))
            problems.append(RulesetProblem(None, f"parameters.{name}", f"unknown; use {known}"))
            continue
        low, high = PARAMETER_LIMITS[name]
        if not (is_int(value) and low <= value <= high):
            problems.append(
                RulesetProblem(
                    None, f"parameters.{name}", f"must be a whole number from {low} to {high}"
                )
            )
    return problems


def _parameter_defaults(fmt: int) -> dict[str, int]:
    """The engine parameters of a format, with their defaults."""
    return {**DEFAULT_PARAMETERS, **FORMAT_2_PARAMETERS} if fmt >= 2 else dict(DEFAULT_PARAMETERS)


def _format_of(data: Mapping[str, Any]) -> int:
    """The ruleset's format (1 when absent or unusable: its own problem is reported apart)."""
    fmt = data.get("format", 1)
    return fmt if is_int(fmt) and fmt in FORMATS else 1


def _factor_problems(data: Mapping[str, Any], fmt: int) -> list[RulesetProblem]:
    """Problems with the format and the factors object."""
    problems = []
    if "format" in data and not (is_int(data["format"]) and data["format"] in FORMATS):
        problems.append(
            RulesetProblem(None, "format", f"must be one of {', '.join(map(str, FORMATS))}")
        )
    if fmt < 2:
        if "factors" in data:
            problems.append(RulesetProblem(None, "factors", 'factors need "format": 2'))
        return problems
    raw = data.get("factors")
    if not isinstance(raw, Mapping) or not raw:
        return [
            *problems,
            RulesetProblem(None, "factors", "missing: an object of factor -> {label, cap}"),
        ]
    for name, factor in raw.items():
        where = f"factors.{name}"
        if not (isinstance(name, str) and name.isidentifier()):
            problems.append(RulesetProblem(None, where, "a factor name is a word, like money"))
        if not isinstance(factor, Mapping):
            problems.append(RulesetProblem(None, where, "must be an object with label and cap"))
            continue
        for extra in sorted(set(factor) - FACTOR_FIELDS, key=str):
            problems.append(RulesetProblem(None, f"{where}.{extra}", "unknown; use label, cap"))
        if not (isinstance(factor.get("label"), str) and factor["label"].strip()):
            problems.append(RulesetProblem(None, f"{where}.label", "missing: a non-empty string"))
        cap = factor.get("cap")
        if not (isinstance(cap, int) and is_int(cap) and 1 <= cap <= WEIGHT_LIMIT):
            problems.append(
                RulesetProblem(
                    None, f"{where}.cap", f"must be a whole number from 1 to {WEIGHT_LIMIT}"
                )
            )
    return problems


def _unhashable(data: Mapping[str, Any]) -> list[RulesetProblem]:
    """Values the ruleset's sha256 cannot be taken over (the input gate), by rule and field."""
    rules = data.get("rules")
    found = []
    for problem in hashable_problems(data):
        path = problem.path
        if len(path) >= 2 and path[0] == "rules" and isinstance(path[1], int):
            raw = rules[path[1]] if isinstance(rules, list) else None
            raw_id = raw.get("id") if isinstance(raw, Mapping) else None
            ok_id = isinstance(raw_id, str) and raw_id.strip() and not hashable_problems(raw_id)
            rule_id = raw_id if ok_id else f"#{path[1] + 1}"
            found.append(RulesetProblem(rule_id, dotted(path[2:]) or "rule", problem.message))
        else:
            found.append(RulesetProblem(None, problem.dotted or "ruleset", problem.message))
    return found


def ruleset_problems(data: Any) -> list[RulesetProblem]:
    """Every problem in a ruleset's data, empty when it loads.

    Values that cannot be hashed (the input gate, decisions.engine.hashable) are reported
    alone: the rest of the checks assume JSON values of a bounded depth.
    """
    if not isinstance(data, Mapping):
        return [RulesetProblem(None, "ruleset", "a ruleset must be a JSON object")]
    unhashable = _unhashable(data)
    if unhashable:
        return unhashable
    problems = [
        RulesetProblem(
            None, str(name), f"unknown field; a ruleset has {', '.join(sorted(TOP_FIELDS))}"
        )
        for name in sorted(set(data) - TOP_FIELDS, key=str)
    ]
    if not (isinstance(data.get("version"), str) and data["version"].strip()):
        problems.append(RulesetProblem(None, "version", "missing: must be a non-empty string"))
    if "description" in data and not isinstance(data["description"], str):
        problems.append(RulesetProblem(None, "description", "must be a string"))
    fmt = _format_of(data)
    problems += _factor_problems(data, fmt)
    if "parameters" in data:
        problems += _parameter_problems(data["parameters"], fmt)
    rules = data.get("rules")
    if not isinstance(rules, list) or not rules:
        problems.append(RulesetProblem(None, "rules", "missing: must be a non-empty list of rules"))
        return problems
    factors = data.get("factors")
    names = frozenset(str(n) for n in factors) if isinstance(factors, Mapping) else frozenset()
    seen_ids: set[str] = set()
    for index, raw in enumerate(rules):
        problems += _rule_problems(raw, index, seen_ids, fmt, names)
    return problems


def _build_rule(raw: Mapping[str, Any], slots: Mapping[str, int]) -> Rule:
    """A compiled rule from validated data (slots: factor name -> index)."""
    when = copy.deepcopy(dict(raw["when"]))
    gate = set(raw.get("gate", ()))
    texts = raw.get("condition_text", {})
    effects = tuple((o, raw["effects"][o]) for o in OPTIONS if o in raw["effects"])
    condition_text = tuple((o, texts[o]) for o in OPTIONS if o in texts)
    gated = tuple(o for o in OPTIONS if o in gate)
    row = RowText(
        raw["description"],
        raw["source"],
        describe_condition(when),
        gated or None,
        FrozenMap(dict(condition_text)),
        raw.get("factor"),
        raw.get("rationale"),
    )
    return Rule(
        id=raw["id"],
        description=raw["description"],
        source=raw["source"],
        when=when,
        effects=effects,
        gate=gated,
        condition_text=condition_text,
        when_text=row.when,
        keys=keys_read(when),
        test=compile_condition(when),
        effects_view=FrozenMap(dict(effects)),
        vector=tuple(raw["effects"].get(o, 0) for o in OPTIONS),
        places=tuple(
            (place, raw["effects"][o]) for place, o in enumerate(OPTIONS) if raw["effects"].get(o)
        ),
        gate_places=tuple(OPTIONS.index(o) for o in gated),
        rise=tuple(max(0, raw["effects"].get(o, 0)) for o in OPTIONS),
        fall=tuple(max(0, -raw["effects"].get(o, 0)) for o in OPTIONS),
        conditions=tuple(Condition(o, t, raw["source"], raw["id"]) for o, t in condition_text),
        factor=raw.get("factor"),
        rationale=raw.get("rationale"),
        slot=slots.get(raw.get("factor", ""), -1),
        row=row,
    )


def load_ruleset(data: Mapping[str, Any]) -> Ruleset:
    """A Ruleset from its data; raises RulesetError listing every problem in the whole file."""
    problems = ruleset_problems(data)
    if problems:
        raise RulesetError(problems)
    fmt = _format_of(data)
    parameters = {**_parameter_defaults(fmt), **data.get("parameters", {})}
    # Factors in the order rules first use them (rule order is hashed; key order is not).
    declared = data.get("factors", {})
    used = list(dict.fromkeys(raw["factor"] for raw in data["rules"] if "factor" in raw))
    order = used + sorted(set(declared) - set(used))
    factors = tuple(Factor(name, declared[name]["label"], declared[name]["cap"]) for name in order)
    slots = {name: index for index, name in enumerate(order)}
    rules = tuple(_build_rule(raw, slots) for raw in data["rules"])
    thresholds: dict[str, set[int]] = {}
    for rule in rules:
        for key, values in int_constants(rule.when).items():
            thresholds.setdefault(key, set()).update(values)
    readers = {
        key: tuple(i for i, rule in enumerate(rules) if key in rule.keys) for key in QUESTIONS
    }
    tested: dict[str, set[frozenset[Any]]] = {}
    for rule in rules:
        for key, sets in value_sets(rule.when).items():
            tested.setdefault(key, set()).update(sets)
    alike = _alike(thresholds, tested)
    gating = {
        key: tuple(any(o in rules[i].gate for i in readers[key]) for o in OPTIONS)
        for key in readers
    }
    shared = {
        key: tuple(i for i in indices if len(rules[i].keys) > 1) for key, indices in readers.items()
    }
    ruleset = Ruleset(
        version=data["version"],
        description=data.get("description", ""),
        rules=rules,
        parameters=tuple(parameters.items()),
        sha256="",
        thresholds=tuple(
            (key, tuple(sorted(thresholds[key]))) for key in QUESTIONS if key in thresholds
        ),
        threshold_of=FrozenMap({key: tuple(sorted(values)) for key, values in thresholds.items()}),
        solo_readers=FrozenMap(
            {
                key: frozenset(i for i in indices if len(rules[i].keys) == 1)
                for key, indices in readers.items()
            }
        ),
        shared_readers=FrozenMap(shared),
        format=fmt,
        factors=factors,
        readers=FrozenMap(readers),
        alike=FrozenMap(alike),
        reach=FrozenMap(
            {
                key: (
                    tuple(
                        sum(abs(rules[i].vector[o]) for i in indices) for o in range(len(OPTIONS))
                    ),
                    gating[key],
                )
                for key, indices in readers.items()
            }
        ),
        flip_keys=tuple(
            (key, readers[key], alike[key], gating[key] if any(gating[key]) else None, shared[key])
            for key in QUESTIONS
            if readers[key] and key in alike
        ),
        flip_context=FrozenMap(
            {
                key: _context(key, indices, rules, alike)
                for key, indices in shared.items()
                if indices
            }
        ),
    )
    digest = hashlib.sha256(ruleset.canonical_json()).hexdigest()
    object.__setattr__(ruleset, "sha256", digest)
    return ruleset


def _context(
    key: str,
    indices: tuple[int, ...],
    rules: tuple[Rule, ...],
    alike: Mapping[str, tuple[int, ...] | Mapping[Any, int]],
) -> tuple[tuple[str, Any], ...] | None:
    """Ruleset.flip_context for one key: the other keys its shared readers read, with alike."""
    others = sorted({k for i in indices for k in rules[i].keys if k != key})
    if any(k not in alike for k in others):
        return None
    return tuple((k, alike[k]) for k in others)


def _alike(
    thresholds: Mapping[str, set[int]], tested: Mapping[str, set[frozenset[Any]]]
) -> dict[str, tuple[int, ...] | Mapping[Any, int]]:
    """Ruleset.alike: for each key, which of its values no rule can tell apart."""
    alike: dict[str, tuple[int, ...] | Mapping[Any, int]] = {}
    for key, question in QUESTIONS.items():
        if question.type == "int":
            alike[key] = tuple(sorted({x for c in thresholds.get(key, ()) for x in (c - 1, c)}))
        elif question.type in ("choice", "bool"):
            values: tuple[Any, ...] = (
                question.choices if question.type == "choice" else (False, True)
            )
            sets = sorted(tested.get(key, ()), key=lambda s: sorted(map(str, s)))
            signatures: dict[tuple[bool, ...], int] = {}
            alike[key] = FrozenMap(
                {
                    value: signatures.setdefault(tuple(value in s for s in sets), len(signatures))
                    for value in values
                }
            )
    return alike


def read_json_file(path: str | Path) -> Any:
    """JSON from a file, refusing duplicate keys."""
    with open(path, encoding="utf-8") as handle:
        return json.load(handle, object_pairs_hook=no_duplicate_keys)


def load_ruleset_file(path: str | Path) -> Ruleset:
    """A Ruleset from a JSON file; unreadable JSON is reported as a RulesetError too."""
    try:
        data = read_json_file(path)
    except (OSError, ValueError) as exc:
        raise RulesetError([RulesetProblem(None, "file", f"cannot read {path}: {exc}")]) from exc
    return load_ruleset(data)


@functools.cache
def default_ruleset() -> Ruleset:
    """The shipped default ruleset (decisions/engine/data/default.json)."""
    return load_ruleset_file(DEFAULT_RULESET_PATH)
