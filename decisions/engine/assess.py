"""Scoring the five options: gates, weights, cost credit, trace, conditions and flip analysis."""

from __future__ import annotations

import bisect
import functools
import itertools
import operator
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from decisions.engine.explain import (
    CloseCall,
    FactorScore,
    Reason,
    Robustness,
    Tension,
    Why,
    close_call,
    robustness,
    tensions,
    why,
)
from decisions.engine.frozen import FrozenMap
from decisions.engine.policy import (
    ExitReadiness,
    PolicyCheck,
    exit_readiness,
    policy_checks,
)
from decisions.engine.ruleset import (
    WEIGHT_LIMIT,
    Condition,
    Factor,
    RowText,
    Ruleset,
)
from decisions.engine.schema import OPTIONS, QUESTIONS, validate_answers
from decisions.engine.trace import NOTHING, Flip, TraceEntry, WeightFlip, make_entry

ORDER: Final[dict[str, int]] = {option: i for i, option in enumerate(OPTIONS)}
COST_RULE_ID: Final[str] = "COST"
EXIT_RULE_ID: Final[str] = "EXIT"
CAP_RULE_PREFIX: Final[str] = "CAP:"  # trace rows for capped factors: CAP:<factor>
# Format 1 has no caps: its one total is held within a bound no sum of weights reaches.
UNCAPPED: Final[int] = 10**18

__all__ = [
    "Answers",
    "Assessment",
    "CloseCall",
    "Condition",
    "FactorScore",
    "Flip",
    "InvalidAnswers",
    "Reason",
    "Robustness",
    "Tension",
    "TraceEntry",
    "WeightFlip",
    "Why",
    "assess",
    "rank",
    "winner",
]


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
    # Format 2 rulesets only (None under format 1, and then absent from to_dict()):
    format: int = 1
    factors: tuple[FactorScore, ...] | None = None
    why: Why | None = None
    close_call: CloseCall | None = None
    robustness: Robustness | None = None  # needs flip analysis: None without it
    tensions: tuple[Tension, ...] | None = None

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
        } | (self._format_2_dict() if self.format >= 2 else {})

    def _format_2_dict(self) -> dict[str, Any]:
        """The fields a format 2 ruleset adds to the result."""
        return {
            "format": self.format,
            "factors": [f.to_dict() for f in self.factors or ()],
            "why": None if self.why is None else self.why.to_dict(),
            "close_call": None if self.close_call is None else self.close_call.to_dict(),
            "robustness": None if self.robustness is None else self.robustness.to_dict(),
            "tensions": [t.to_dict() for t in self.tensions or ()],
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


def clamp(total: int, cap: int) -> int:
    """A factor's total for one option as it counts: held within -cap..cap."""
    return cap if total > cap else (-cap if total < -cap else total)


def _score(
    values: Mapping[str, Any], ruleset: Ruleset
) -> tuple[dict[str, int], dict[str, bool], str | None]:
    """Scores, viability and winner only: the fast path for flips and impact previews."""
    gated: set[str] = set()
    if ruleset.format >= 2:
        totals = [dict.fromkeys(OPTIONS, 0) for _ in ruleset.factors]
        for rule in ruleset.rules:
            if rule.test(values):
                if rule.effects:
                    total = totals[rule.slot]
                    for option, weight in rule.effects:
                        total[option] += weight
                if rule.gate:
                    gated.update(rule.gate)
        caps = [f.cap for f in ruleset.factors]
        scores = {
            o: sum(clamp(total[o], cap) for total, cap in zip(totals, caps, strict=True))
            for o in OPTIONS
        }
    else:
        scores = dict.fromkeys(OPTIONS, 0)
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


def _candidates(key: str, current: Any, ruleset: Ruleset) -> tuple[Any, ...]:
    """Alternative values for one key, nearest first: choices, the other bool, or thresholds +-1."""
    question = QUESTIONS[key]
    if question.type == "int":
        return _int_candidates(key, current, ruleset.threshold_of.get(key, ()))
    if question.type in ("choice", "bool"):
        return _other_candidates(key, current)
    return ()  # a map of cost estimates: no single alternative to try


@functools.lru_cache(maxsize=256)
def _other_candidates(key: str, current: Any) -> tuple[Any, ...]:
    """A choice's other values (nearest along the list first), or the other bool."""
    question = QUESTIONS[key]
    if question.type == "bool":
        return (not current,)
    here = question.choices.index(current)
    others = [c for c in question.choices if c != current]
    return tuple(sorted(others, key=lambda c: (abs(question.choices.index(c) - here), c)))


@functools.lru_cache(maxsize=4096)
def _int_candidates(key: str, current: int, constants: tuple[int, ...]) -> tuple[int, ...]:
    """Each threshold the rules compare the number with, and one either side, nearest first."""
    question = QUESTIONS[key]
    assert question.min is not None and question.max is not None
    values = {
        v
        for c in constants
        for v in (c - 1, c, c + 1)
        if question.min <= v <= question.max and v != current
    }
    return tuple(sorted(values, key=lambda v: (abs(v - current), v)))


# A move: how changing one answer moves the scores before caps, as the factor slots it moves
# (0 under format 1) with (place in OPTIONS, points) for each option moved there, the gates it
# shuts or lifts as (place, +1 or -1), and the moves with the key's shared readers added, by
# which of them fire differently (see _with_shared).
_Move = tuple[
    tuple[tuple[int, tuple[tuple[int, int], ...]], ...],
    tuple[tuple[int, int], ...],
    dict[tuple[int, ...], Any],
]
# For each winner's place, how far a change can close its lead over each option (a large
# negative number for the winner itself).
_Bounds = tuple[tuple[int, ...], ...]
_Try = tuple[Any, _Move, _Bounds]  # a value to try, its move, and its bounds
# A key's plan for one answer (a number's: for its kind): the values to try, one per other
# kind, nearest first (a number's: those below and those above, each nearest first), and the
# bounds of them all, with all the shared readers could add and without (see _bounds).
_Plan = tuple[tuple[_Try, ...], tuple[_Try, ...], _Bounds, _Bounds]
_FAR: Final[int] = 10**18  # a lead no change closes (gated rivals, the winner itself)


# What flip_analysis starts from, each in OPTIONS order: the factors' totals before and after
# their caps (format 1: one uncapped total), how many rules rule each option out, the scores
# with cost credit, and the cost credit (zeros when it is not counted).
_Known = tuple[list[list[int]], list[list[int]], list[int], list[int], list[int]]
_MISSING: Final[object] = object()


def _known(
    values: Mapping[str, Any],
    ruleset: Ruleset,
    fired: list[bool],
    caps: list[int],
    credit_max: int,
) -> _Known:
    """flip_analysis's starting point (see _Known) from the rules that fired."""
    width = len(OPTIONS)
    factored = ruleset.format >= 2
    raw = [[0] * width for _ in caps]
    gates = [0] * width
    for rule in itertools.compress(ruleset.rules, fired):
        if rule.places:
            row = raw[rule.slot if factored else 0]
            for place, weight in rule.places:
                row[place] += weight
        for place in rule.gate_places:
            gates[place] += 1
    counted = [
        [cap if v > cap else (-cap if v < -cap else v) for v in row]
        for row, cap in zip(raw, caps, strict=True)
    ]
    base = [sum(column) for column in zip(*counted, strict=True)]
    base_credit = [0] * width
    if credit_max:
        viable = {o: not gates[i] for i, o in enumerate(OPTIONS)}
        for credited, points in cost_credit(values, viable, credit_max).items():
            base_credit[ORDER[credited]] = points
        base = [s + c for s, c in zip(base, base_credit, strict=True)]
    return raw, counted, gates, base, base_credit


def _context_kinds(
    values: Mapping[str, Any], context: tuple[tuple[str, Any], ...]
) -> tuple[int, ...] | None:
    """The kinds (see Ruleset.alike) of the answers to the context keys (-1: not answered);
    None when an answer has no kind."""
    out = []
    try:
        for name, kinds in context:
            value = values.get(name, _MISSING)
            if value is _MISSING:
                out.append(-1)
            elif isinstance(kinds, tuple):
                if not isinstance(value, int):
                    return None
                out.append(bisect.bisect_left(kinds, value))
            else:
                out.append(kinds[value])
    except (KeyError, TypeError):
        return None
    return tuple(out)


def flip_analysis(
    values: Mapping[str, Any],
    ruleset: Ruleset,
    current: str | None,
    fired: list[bool] | None = None,
    *,
    known: _Known | None = None,
) -> tuple[Flip, ...]:
    """For each key, the nearest single-answer change that changes the winner (if any).

    Incremental: of the values no rule can tell apart, one is tried (Ruleset.alike); how each
    moves the rules that read the key alone is worked out once a ruleset, with bounds on how
    far it can close the winner's lead over each option (a key, or a value, that cannot close
    any is skipped); the key's other readers are re-tested per value and only the factor
    totals that move are re-capped. The winner is exactly the one a full re-score would give
    (a property test checks it against re-scoring every candidate of _candidates).
    fired: each rule's result on values, when the caller has it; known: what assess() has
    already added up (see _Known).
    """
    rules = ruleset.rules
    if fired is None:
        fired = [rule.test(values) for rule in rules]
    factored = ruleset.format >= 2
    width = len(OPTIONS)
    options = range(width)
    caps = [f.cap for f in ruleset.factors] if factored else [UNCAPPED]
    credit_max = ruleset.param("cost_credit_max") if values.get("option_cost_estimates") else 0
    if known is None:
        known = _known(values, ruleset, fired, caps, credit_max)
    raw, counted, gates, base, base_credit = known
    winner = ORDER[current] if current is not None else -1
    open_places = tuple(o for o in options if not gates[o])
    # The winner's lead over each option that can overtake it without a gate moving, and
    # less what a change of who is viable can move the cost credit (2 x its maximum).
    lead = [
        base[winner] - base[o] if winner >= 0 and o != winner and not gates[o] else _FAR
        for o in options
    ]
    loose = [gap - 2 * credit_max for gap in lead] if credit_max else lead
    gated = len(open_places) < width
    plans = ruleset.flip_plans
    state = (rules, fired, gates, base, winner, credit_max)
    le = operator.le
    flips = []
    trial: dict[str, Any] | None = None  # the answers with one changed, for shared readers
    for key, reading, kinds, gating, shared in ruleset.flip_keys:
        if key not in values:
            continue
        original = values[key]
        numeric = isinstance(kinds, tuple)
        if isinstance(kinds, tuple):
            now = bisect.bisect_left(kinds, original)
            plan = plans.get((key, now))
        else:
            now = kinds[original]
            plan = plans.get((key, original))
        if plan is None:
            plan = _plan(values, key, now=now, original=original, ruleset=ruleset, fired=fired)
        below, above, bounds, solo = plan
        if gating is None:
            if winner < 0 or not any(map(le, lead, bounds[winner])):
                continue  # nothing viable stays so; or no rival can close its gap to the winner
            if shared and not _may_flip(lead, bounds, solo, shared, state):
                continue
        elif not (winner < 0 or gating[winner] or gated or any(map(le, loose, bounds[winner]))):
            continue  # the winner stays in, every rival is in, and none can close its gap
        elif not _may_flip_gated(
            gating, reading, bounds=bounds, solo=solo, shared=shared, state=state
        ):
            continue
        moves: dict[Any, _Move] | None = None
        for candidate, alone, reached in _nearest(below, above, original) if numeric else below:
            if gating is None and not any(map(le, lead, reached[winner])):
                continue  # this value cannot close any rival's gap to the winner
            move = alone
            if shared:
                # How the shared readers fire depends only on the kinds of the answers they
                # read: kept per key, answer's kind and the other answers' kinds.
                if moves is None:
                    context = ruleset.flip_context.get(key)
                    found = None if context is None else _context_kinds(values, context)
                    if found is None:
                        moves = {}
                    else:
                        moves = ruleset.flip_shared.setdefault(
                            (key, now if numeric else original, found), {}
                        )
                move = moves.get(candidate)
                if move is None:
                    if trial is None:
                        trial = dict(values)
                    trial[key] = candidate
                    extra = tuple(
                        [
                            (~i if fired[i] else i)
                            for i in shared
                            if rules[i].test(trial) != fired[i]
                        ]
                    )
                    move = (
                        (alone[2].get(extra) or _with_shared(alone, extra, ruleset))
                        if extra
                        else alone
                    )
                    moves[candidate] = move
            slot_moves, gate_moves, _ = move
            if not slot_moves and not gate_moves:
                continue  # no total and no gate moves, so nothing can change
            # Re-cap only the totals that move (format 1 has one uncapped total).
            scores = base[:]
            places = open_places
            for slot, deltas in slot_moves:
                row, held, cap = raw[slot], counted[slot], caps[slot]
                for place, delta in deltas:
                    total = row[place] + delta
                    scores[place] += (
                        cap if total > cap else (-cap if total < -cap else total)
                    ) - held[place]
            if gate_moves:
                shut = gates[:]
                for place, step in gate_moves:
                    shut[place] += step
                places = tuple(o for o in options if not shut[o])
                if credit_max:  # who is viable may change, and with it the cost credit
                    viable = {o: not shut[i] for i, o in enumerate(OPTIONS)}
                    scores = [s - c for s, c in zip(scores, base_credit, strict=True)]
                    for credited, points in cost_credit(values, viable, credit_max).items():
                        scores[ORDER[credited]] += points
            # The winner as rank() orders: viable first, then score, then the option order
            # (max keeps the first of equals).
            best = max(places, key=scores.__getitem__) if places else -1
            if best != winner:
                flips.append(Flip(key, original, candidate, OPTIONS[best] if best >= 0 else None))
                break
        if shared and trial is not None:
            trial[key] = original
    return tuple(flips)


def _nearest(below: tuple[_Try, ...], above: tuple[_Try, ...], original: int) -> Iterable[_Try]:
    """Numbers below and above the answer (each nearest first) merged, nearest first; of two
    as near, the smaller (as _candidates orders them)."""
    if not below or not above:
        return below or above
    out = []
    i = j = 0
    while i < len(below) and j < len(above):
        if original - below[i][0] <= above[j][0] - original:
            out.append(below[i])
            i += 1
        else:
            out.append(above[j])
            j += 1
    out += below[i:]
    out += above[j:]
    return out


def _plan(
    values: Mapping[str, Any],
    key: str,
    *,
    now: int,
    original: Any,
    ruleset: Ruleset,
    fired: list[bool],
) -> _Plan:
    """A key's plan for an answer (see _Plan), made once a ruleset and kept in flip_plans.

    The values tried are those of _candidates, the first of each kind other than the
    answer's; for a number that is, in each kind below the answer's, its highest candidate,
    and in each kind above, its lowest. The readers of the key alone fire for every value of
    a kind as for the answer when it is of the answer's kind (fired tells which).
    """
    kinds = ruleset.alike[key]
    if isinstance(kinds, tuple):
        question = QUESTIONS[key]
        assert question.min is not None and question.max is not None
        numbers = sorted(
            {
                v
                for c in ruleset.threshold_of.get(key, ())
                for v in (c - 1, c, c + 1)
                if question.min <= v <= question.max
            }
        )
        lowest: dict[int, int] = {}
        highest: dict[int, int] = {}
        for v in numbers:
            kind = bisect.bisect_left(kinds, v)
            lowest.setdefault(kind, v)
            highest[kind] = v
        firsts = [highest[k] for k in sorted(highest, reverse=True) if k < now]
        seconds = [lowest[k] for k in sorted(lowest) if k > now]
        memo = (key, now)
    else:
        seen = {kinds[original]}
        firsts = []
        for candidate in _candidates(key, original, ruleset):
            kind = kinds[candidate]
            if kind not in seen:
                seen.add(kind)
                firsts.append(candidate)
        seconds = []
        memo = (key, original)
    shared = ruleset.shared_readers[key]
    below = tuple(_try(values, key, v, ruleset=ruleset, fired=fired, shared=shared) for v in firsts)
    above = tuple(
        _try(values, key, v, ruleset=ruleset, fired=fired, shared=shared) for v in seconds
    )
    solo = _widest([_bounds(move) for _, move, _ in below + above], len(OPTIONS))
    plan = (below, above, _with_shared_bounds(solo, shared, ruleset), solo)
    ruleset.flip_plans[memo] = plan
    return plan


def _try(
    values: Mapping[str, Any],
    key: str,
    candidate: Any,
    *,
    ruleset: Ruleset,
    fired: list[bool],
    shared: tuple[int, ...],
) -> _Try:
    """A value to try, how it moves the key's lone readers, and its bounds with the most its
    shared readers could add (see _bounds)."""
    move = _solo_move(values, key, candidate, ruleset, fired)
    return (candidate, move, _with_shared_bounds(_bounds(move), shared, ruleset))


def _bounds(move: _Move) -> _Bounds:
    """For each winner's place, how far the move can close its lead over each other option:
    how far it lifts the option and lowers the winner (a cap moves a score no further than
    its total moves, and the same way)."""
    width = len(OPTIONS)
    up = [0] * width
    down = [0] * width
    for _, deltas in move[0]:
        for place, delta in deltas:
            if delta > 0:
                up[place] += delta
            else:
                down[place] -= delta
    return tuple(
        tuple(-_FAR if o == w else up[o] + down[w] for o in range(width)) for w in range(width)
    )


def _widest(tables: list[_Bounds], width: int) -> _Bounds:
    """The largest of each entry of the tables (zero for none)."""
    if not tables:
        return tuple(tuple(-_FAR if o == w else 0 for o in range(width)) for w in range(width))
    return tuple(
        tuple(max(table[w][o] for table in tables) for o in range(width)) for w in range(width)
    )


def _with_shared_bounds(bounds: _Bounds, shared: tuple[int, ...], ruleset: Ruleset) -> _Bounds:
    """Bounds with the most the shared readers could add, whichever fire now."""
    rules = ruleset.rules
    return tuple(
        tuple(
            gain
            + sum(
                max(rules[i].fall[o] + rules[i].rise[w], rules[i].rise[o] + rules[i].fall[w])
                for i in shared
            )
            for o, gain in enumerate(row)
        )
        for w, row in enumerate(bounds)
    )


def _shared_gain(
    option: int, winner: int, shared: tuple[int, ...], rules: tuple[Any, ...], fired: list[bool]
) -> int:
    """How far the shared readers can close the winner's lead over option, by which fire now:
    one that fires can only stop (taking its weights away), one that does not can only start."""
    gain = 0
    for i in shared:
        rule = rules[i]
        if fired[i]:
            gain += rule.fall[option] + rule.rise[winner]
        else:
            gain += rule.rise[option] + rule.fall[winner]
    return gain


def _may_flip(
    lead: list[int],
    bounds: _Bounds,
    solo: _Bounds,
    shared: tuple[int, ...],
    state: tuple[Any, ...],
) -> bool:
    """For a key whose readers gate nothing: whether a rival may close its lead, with the
    shared readers bounded by which fire now (see _shared_gain)."""
    rules, fired, _, _, winner, _ = state
    bound, alone = bounds[winner], solo[winner]
    for option, gap in enumerate(lead):
        if gap <= bound[option] and gap <= alone[option] + _shared_gain(
            option, winner, shared, rules, fired
        ):
            return True
    return False


def _may_flip_gated(
    gating: tuple[bool, ...],
    reading: tuple[int, ...],
    *,
    bounds: _Bounds,
    solo: _Bounds,
    shared: tuple[int, ...],
    state: tuple[Any, ...],
) -> bool:
    """For a key whose readers gate: False when no change to it can change the winner.

    A reader that gates may rule the winner out (then anything can happen), or rule a rival
    in when the readers are all that rule it out; and a change of who is viable may move the
    cost credit of each option by up to its maximum.
    """
    rules, fired, gates, base, winner, credit_max = state
    if winner < 0 or gating[winner]:
        return True  # a lifted gate may make something viable; or the winner may be ruled out
    slack = 2 * credit_max
    bound, alone = bounds[winner], solo[winner]
    for option in range(len(OPTIONS)):
        if option == winner:
            continue
        if gates[option]:
            if not gating[option]:
                continue  # ruled out by rules that do not read this key: it stays out
            name = OPTIONS[option]
            held = sum(1 for i in reading if fired[i] and name in rules[i].gate)
            if held < gates[option]:
                continue  # other rules rule it out too
        gap = base[winner] - base[option] - slack
        if gap <= bound[option] and gap <= alone[option] + _shared_gain(
            option, winner, shared, rules, fired
        ):
            return True
    return False


def _solo_move(
    values: Mapping[str, Any], key: str, candidate: Any, ruleset: Ruleset, fired: list[bool]
) -> _Move:
    """How changing key to candidate moves the rules that read it alone (see _Move)."""
    trial = {**values, key: candidate}
    rules = ruleset.rules
    changed = [
        i if not fired[i] else ~i
        for i in sorted(ruleset.solo_readers[key])
        if rules[i].test(trial) != fired[i]
    ]
    return _with_readers(((), (), {}), changed, ruleset)


def _with_shared(move: _Move, extra: tuple[int, ...], ruleset: Ruleset) -> _Move:
    """A move with the shared readers that fire differently added, kept in the move."""
    combined = move[2][extra] = _with_readers(move, list(extra), ruleset)
    return combined


def _with_readers(move: _Move, changed: list[int], ruleset: Ruleset) -> _Move:
    """A move with rules that fire differently added (i: starts to fire, ~i: stops); totals
    and gates that come back to where they were are left out."""
    width = len(OPTIONS)
    totals: dict[int, list[int]] = {}
    for slot, deltas in move[0]:
        row = totals[slot] = [0] * width
        for place, delta in deltas:
            row[place] = delta
    steps = [0] * width
    for place, step in move[1]:
        steps[place] = step
    factored = ruleset.format >= 2
    for signed in changed:
        index, sign = (signed, 1) if signed >= 0 else (~signed, -1)
        rule = ruleset.rules[index]
        if rule.places:
            slot = rule.slot if factored else 0
            row = totals.setdefault(slot, [0] * width)
            for place, weight in rule.places:
                row[place] += sign * weight
        for place in rule.gate_places:
            steps[place] += sign
    return (
        tuple(
            (slot, tuple((p, d) for p, d in enumerate(row) if d))
            for slot, row in sorted(totals.items())
            if any(row)
        ),
        tuple((p, s) for p, s in enumerate(steps) if s),
        {},
    )


def weight_flips(
    ruleset: Ruleset,
    fired: list[bool],
    scores: Mapping[str, int],
    viable: Mapping[str, bool],
    current: str | None,
    *,
    raw: list[dict[str, int]] | None = None,
) -> tuple[WeightFlip, ...]:
    """For each fired rule, the smallest change to one of its weights that changes the winner.

    Exact, not searched: a weight moves only its own option's score, so the needed change is
    the gap to the rival (one more when the tie-break favours the incumbent); in a capped
    factor (raw: the factors' totals before caps) the change also undoes what the cap held.
    """
    if current is None:
        return ()
    caps = [f.cap for f in ruleset.factors]
    found: list[tuple[int, int, WeightFlip]] = []
    here = ORDER[current]
    mine = scores[current]
    # For each option, the change to its score that makes the winner change, and the new
    # winner: the same whichever rule's weight moves it (worked out once, not per weight).
    wanted: dict[str, tuple[int, str]] = {}
    rivals = [o for o in OPTIONS if viable[o] and o != current]
    # Lowering the winner's score until the strongest rival overtakes it: the same change and
    # the same new winner whichever of the winner's weights is lowered.
    if rivals:
        down = max(scores[r] - mine - (0 if ORDER[r] < here else 1) for r in rivals)
        trial = dict(scores)
        trial[current] += down
        wanted[current] = (down, rank(trial, viable)[0])
    for option in rivals:
        wanted[option] = (mine - scores[option] + (0 if ORDER[option] < here else 1), option)
    # In a capped factor (raw is not None) the score moves only within -cap..cap, so the
    # weight must bring the factor's total to the target; a target beyond the cap cannot be
    # reached by this weight (None). Worked out per factor and option as needed.
    capped: dict[tuple[int, str], int | None] = {}
    get = wanted.get
    for index, rule in itertools.compress(enumerate(ruleset.rules), fired):
        best: tuple[str, int, int, str] | None = None
        smallest = 0
        slot = rule.slot
        for option, weight in rule.effects:
            target = get(option)
            if target is None:
                continue  # ruled out, or the winner with no rival
            delta, new = target
            if raw is not None and slot >= 0:
                if (slot, option) in capped:
                    reach = capped[slot, option]
                else:
                    total, cap = raw[slot][option], caps[slot]
                    aim = (cap if total > cap else (-cap if total < -cap else total)) + delta
                    reach = capped[slot, option] = aim - total if -cap <= aim <= cap else None
                if reach is None:
                    continue
                delta = reach
            if abs(weight + delta) > WEIGHT_LIMIT:
                continue
            if best is None or abs(delta) < smallest:
                best, smallest = (option, weight, delta, new), abs(delta)
        if best is not None:
            chosen, was, change, becomes = best
            found.append((smallest, index, WeightFlip(rule.id, chosen, was, was + change, becomes)))
    found.sort(key=_by_size)
    return tuple(flip for _, _, flip in found)


_by_size = operator.itemgetter(0, 1)


def assess(
    answers: Mapping[str, Any] | Answers,
    ruleset: Ruleset,
    *,
    with_flip: bool = True,
    partial: bool = False,
) -> Assessment:
    """Assess answers under a ruleset with the full trace; raises InvalidAnswers on bad answers.

    partial=True allows missing answers (a live preview): a test on a missing key is false.
    A format 2 ruleset also caps each factor's total per option, adds a CAP:<factor> trace row
    for each cap that bit, and explains the result (why, close call, robustness, tensions).
    """
    if not isinstance(answers, Answers):
        answers = Answers.from_mapping(answers, partial=partial)
    elif not answers.complete and not partial:
        raise InvalidAnswers(validate_answers(answers.as_dict(), partial=False))
    values = answers.as_dict()
    explained = ruleset.format >= 2

    scores = dict.fromkeys(OPTIONS, 0)
    raw = [dict.fromkeys(OPTIONS, 0) for _ in ruleset.factors] if explained else None
    ruled_out: dict[str, list[str]] = {o: [] for o in OPTIONS}
    fired: list[bool] = []
    trace: list[TraceEntry] = []
    attached: list[Condition] = []
    nothing = NOTHING
    get = values.get
    for rule in ruleset.rules:
        hit = rule.test(values)
        fired.append(hit)
        keys = rule.keys
        count = len(keys)
        inputs: Mapping[str, Any]
        if count == 1:
            inputs = {keys[0]: get(keys[0])}
        elif count == 2:
            inputs = {keys[0]: get(keys[0]), keys[1]: get(keys[1])}
        else:
            inputs = {k: get(k) for k in keys} if count else nothing
        if hit:
            total = scores if raw is None or not rule.effects else raw[rule.slot]
            for option, weight in rule.effects:
                total[option] += weight
            for option in rule.gate:
                ruled_out[option].append(rule.id)
            if rule.conditions:
                attached += rule.conditions
            trace.append(make_entry(rule.id, True, inputs, rule.effects_view, rule.row))
        else:
            trace.append(make_entry(rule.id, False, inputs, nothing, rule.row))
    factor_scores: tuple[FactorScore, ...] | None = None
    if raw is not None:
        factor_scores = _apply_caps(ruleset, raw, scores, trace)
    viable = {o: not ruled_out[o] for o in OPTIONS}
    credit = cost_credit(values, viable, ruleset.param("cost_credit_max"))
    if "option_cost_estimates" in values:
        for option, points in credit.items():
            scores[option] += points
        trace.append(
            TraceEntry(
                COST_RULE_ID,
                bool(credit),
                {"option_cost_estimates": values["option_cost_estimates"]},
                FrozenMap(credit),
                RowText(
                    "Cost estimates: the cheapest viable option gets credit in proportion "
                    f"(at most {ruleset.param('cost_credit_max')} points), so cost alone never "
                    "overrides gates or strong directions.",
                    "Managing Public Money: value for money",
                    "option_cost_estimates is answered for at least two viable options",
                    None,
                    nothing,
                ),
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
        detailed=explained,
    )
    frozen_out = {o: tuple(ids) for o, ids in ruled_out.items()}
    flips = None
    if with_flip:
        known: _Known | None = None
        if raw is not None and factor_scores is not None:
            # What flip_analysis would add up again (see _Known), in OPTIONS order.
            credit_row = (
                [credit.get(o, 0) for o in OPTIONS]
                if credit and values.get("option_cost_estimates")
                else [0] * len(OPTIONS)
            )
            known = (
                [list(total.values()) for total in raw],
                [list(f.counted.values()) for f in factor_scores],
                [len(ruled_out[o]) for o in OPTIONS],
                list(scores.values()),
                credit_row,
            )
        flips = flip_analysis(values, ruleset, recommended, fired, known=known)
    extra: dict[str, Any] = {}
    if explained:
        close = close_call(
            ranking=ranking,
            viable=viable,
            scores=scores,
            recommended=recommended,
            margin=margin,
            below=ruleset.param("close_call_below"),
            flips=flips,
        )
        extra = {
            "format": ruleset.format,
            "factors": factor_scores,
            "why": why(
                ruleset=ruleset,
                fired=fired,
                trace=trace,
                recommended=recommended,
                ranking=ranking,
                viable=viable,
            ),
            "close_call": close,
            "robustness": None
            if flips is None
            else robustness(
                recommended=recommended,
                margin=margin,
                close=close,
                flips=flips,
                within_pct=ruleset.param("fragile_change_pct"),
            ),
            "tensions": tensions(checks, recommended),
        }
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
        )
        + _explain_more(extra.get("close_call"), extra.get("tensions")),
        flip=flips,
        weight_flips=weight_flips(ruleset, fired, scores, viable, recommended, raw=raw)
        if with_flip
        else None,
        **extra,
    )


def _apply_caps(
    ruleset: Ruleset,
    raw: list[dict[str, int]],
    scores: dict[str, int],
    trace: list[TraceEntry],
) -> tuple[FactorScore, ...]:
    """Add each factor's capped total to the scores, with a CAP row where a cap bit."""
    out = []
    for factor, total in zip(ruleset.factors, raw, strict=True):
        cap = factor.cap
        counted = {}
        for option, points in total.items():
            held = cap if points > cap else (-cap if points < -cap else points)
            counted[option] = held
            scores[option] += held
        if counted != total:
            trace.append(_cap_row(factor, total, counted))
        out.append(FactorScore(factor.name, factor.label, cap, total, counted))
    return tuple(out)


def _cap_row(factor: Factor, total: Mapping[str, int], counted: Mapping[str, int]) -> TraceEntry:
    """The CAP:<factor> trace row: what the cap held back from each option, and why."""
    held = {o: counted[o] - total[o] for o in OPTIONS if counted[o] != total[o]}
    words = "; ".join(f"{o} {total[o]:+d} counts as {counted[o]:+d}" for o in held)
    return TraceEntry(
        f"{CAP_RULE_PREFIX}{factor.name}",
        True,
        NOTHING,
        FrozenMap(held),
        RowText(
            f"{factor.label}: a factor counts at most {factor.cap} points for or "
            f"against one option, so each fact counts once ({words}).",
            "Ruleset factors: each fact counts once",
            f"the {factor.name} rules add more than {factor.cap} points for or against an option",
            None,
            NOTHING,
            factor.name,
            None,
        ),
    )


def _explain_more(close: CloseCall | None, found: tuple[Tension, ...] | None) -> tuple[str, ...]:
    """Format 2 sentences: a close call and the tensions with mandatory policy."""
    lines = [] if close is None else [close.text]
    return tuple(lines + [t.text for t in found or ()])


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
