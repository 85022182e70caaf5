"""Properties of ruleset format 2 over the whole answer space (hypothesis): graded bands with
a stated bound, factor caps, independence from the order of the options, ties said aloud,
and an incremental flip analysis equal to a full re-score."""

from __future__ import annotations

import copy
import functools
import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from decisions.engine import (
    OPTIONS,
    QUESTIONS,
    assess,
    default_ruleset,
    load_golden_cases,
    load_ruleset,
    load_ruleset_file,
)
from decisions.engine.assess import _candidates, _score, flip_analysis
from decisions.engine.ruleset import RULESET_2026_1_PATH, WEIGHT_LIMIT, Ruleset
from tests.decisions.engine.strategies import BASE, answers, with_rule

FAST = settings(max_examples=300, deadline=None)
# The stated bound: one unit more of any numeric answer moves no option's score by more than
# this many points, unless the change crosses a gate (a rule that rules an option out).
STEP_BOUND = 10
NUMERIC = tuple(k for k, q in QUESTIONS.items() if q.type == "int")


def _gates_fired(values: dict[str, Any], ruleset: Ruleset) -> tuple[str, ...]:
    return tuple(r.id for r in ruleset.rules if r.gate and r.test(values))


@st.composite
def numeric_step(draw: st.DrawFn) -> tuple[dict[str, Any], str, int]:
    """Answers, a numeric key and a value v such that v and v + 1 are both allowed; v is
    drawn near the ruleset's thresholds half the time, where the bands change."""
    a = draw(answers())
    key = draw(st.sampled_from(NUMERIC))
    q = QUESTIONS[key]
    assert q.min is not None and q.max is not None
    near = [
        v
        for c in dict(default_ruleset().thresholds).get(key, ())
        for v in (c - 2, c - 1, c)
        if q.min <= v < q.max
    ]
    anywhere = st.integers(q.min, min(q.max - 1, 3_000_000))
    value = draw(st.one_of(st.sampled_from(near), anywhere) if near else anywhere)
    return a, key, value


@FAST
@given(numeric_step())
def test_one_unit_of_any_number_moves_no_score_by_more_than_the_bound_except_at_a_gate(
    drawn: tuple[dict[str, Any], str, int],
) -> None:
    a, key, value = drawn
    ruleset = default_ruleset()
    low, high = {**a, key: value}, {**a, key: value + 1}
    if _gates_fired(low, ruleset) != _gates_fired(high, ruleset):
        return  # a named gate is sharp by design (R12 no suppliers, R53 under 3 months)
    before, after = _score(low, ruleset)[0], _score(high, ruleset)[0]
    assert max(abs(after[o] - before[o]) for o in OPTIONS) <= STEP_BOUND


def test_the_bound_is_reached_and_only_gates_exceed_it() -> None:
    ruleset = default_ruleset()
    a = {
        **BASE,
        "differentiation": "commodity",
        "market_maturity": "established",
        "credible_suppliers": 8,
    }
    before = _score({**a, "best_product_fit_pct": 79}, ruleset)[0]
    after = _score({**a, "best_product_fit_pct": 80}, ruleset)[0]
    assert after["buy"] - before["buy"] == STEP_BOUND  # one band up, not a cliff
    gated = {**a, "credible_suppliers": 0}
    assert "R12" in _gates_fired(gated, ruleset)  # 0 -> 1 supplier crosses a named gate


@st.composite
def capped(draw: st.DrawFn) -> tuple[dict[str, Any], str, str, int]:
    """Answers, a factor, an option and a sign (+1 or -1)."""
    factor = draw(st.sampled_from([f.name for f in default_ruleset().factors]))
    return draw(answers()), factor, draw(st.sampled_from(OPTIONS)), draw(st.sampled_from([1, -1]))


def _outcome(result: Any) -> tuple[Any, ...]:
    return (result.recommended, result.ranking, result.scores, result.viable, result.margin)


@functools.cache
def _saturated(factor: str, option: str, sign: int, extra: int) -> tuple[Ruleset, Ruleset]:
    """The default ruleset with the factor driven to its cap for the option (whatever the
    answers), and the same with one more rule in that factor adding extra points."""
    data = default_ruleset().to_dict()
    with_rule(data, "SATURATE", factor, {option: sign * WEIGHT_LIMIT})
    at_cap = load_ruleset(data)
    with_rule(data, "EXTRA", factor, {option: sign * extra})
    return at_cap, load_ruleset(data)


@FAST
@given(capped(), st.sampled_from([1, 5, 40, 200]))
def test_adding_a_rule_to_a_factor_already_at_its_cap_changes_nothing(
    drawn: tuple[dict[str, Any], str, str, int], weight: int
) -> None:
    a, factor, option, sign = drawn
    at_cap, more = _saturated(factor, option, sign, weight)
    first, second = assess(a, at_cap, with_flip=False), assess(a, more, with_flip=False)
    assert _outcome(first) == _outcome(second)
    counted = {f.factor: f.counted for f in second.factors or ()}
    cap = next(f.cap for f in more.factors if f.name == factor)
    assert counted[factor][option] == sign * cap


def test_in_the_default_ruleset_the_reuse_factor_is_at_its_cap_for_partner_in_rc21() -> None:
    case = next(c for c in load_golden_cases() if c.id == "RC21")
    result = assess(case.answers, default_ruleset(), with_flip=False)
    reuse = next(f for f in result.factors or () if f.factor == "reuse_policy")
    assert reuse.raw["partner"] > reuse.cap == reuse.counted["partner"]
    cap_row = next(t for t in result.trace if t.rule == "CAP:reuse_policy")
    assert cap_row.effects["partner"] == reuse.cap - reuse.raw["partner"]


def _shuffled(data: Any, rng: random.Random) -> Any:
    """The same data with every object's keys (options, factors, fields) in another order."""
    if isinstance(data, dict):
        items = list(data.items())
        rng.shuffle(items)
        return {k: _shuffled(v, rng) for k, v in items}
    if isinstance(data, list):
        return [_shuffled(v, rng) for v in data]
    return data


@settings(max_examples=150, deadline=None)
@given(answers(), st.integers(0, 2**32))
def test_the_result_never_depends_on_the_order_of_the_options(a: dict[str, Any], seed: int) -> None:
    rng = random.Random(seed)
    ruleset = default_ruleset()
    reordered = load_ruleset(_shuffled(ruleset.to_dict(), rng))
    for rule in reordered.rules:  # gates are lists: shuffle them too
        assert set(rule.gate) == set(next(r for r in ruleset.rules if r.id == rule.id).gate)
    assert reordered.sha256 == ruleset.sha256
    shuffled_answers = _shuffled(a, rng)
    assert assess(shuffled_answers, reordered).to_dict() == assess(a, ruleset).to_dict()


@FAST
@given(answers())
def test_a_tie_or_near_tie_is_always_said_never_settled_by_the_option_order(
    a: dict[str, Any],
) -> None:
    ruleset = default_ruleset()
    result = assess(a, ruleset, with_flip=False)
    below = ruleset.param("close_call_below")
    if result.margin is not None and result.margin < below:
        assert result.close_call is not None
        assert result.close_call.options == (result.ranking[0], result.ranking[1])
        assert "Too close to call" in result.close_call.text
        assert result.close_call.text in result.explanation
    else:
        assert result.close_call is None


def _brute_force_flips(values: dict[str, Any], ruleset: Ruleset, current: str | None) -> list[Any]:
    found = []
    for key in QUESTIONS:
        if key not in values:
            continue
        for candidate in _candidates(key, values[key], ruleset):
            new = _score({**values, key: candidate}, ruleset)[2]
            if new != current:
                found.append((key, values[key], candidate, new))
                break
    return found


@settings(max_examples=120, deadline=None)
@given(answers())
def test_the_incremental_flip_analysis_equals_a_full_rescore(a: dict[str, Any]) -> None:
    for ruleset in (default_ruleset(), load_ruleset_file(RULESET_2026_1_PATH)):
        current = _score(a, ruleset)[2]
        fast = [
            (f.key, f.from_value, f.to_value, f.winner) for f in flip_analysis(a, ruleset, current)
        ]
        assert fast == _brute_force_flips(a, ruleset, current)


def _reweighted(data: dict[str, Any], seed: int) -> Ruleset:
    """The ruleset with other weights, tighter or looser caps, and gates on other rules."""
    rng = random.Random(seed)
    changed = copy.deepcopy(data)
    for factor in changed.get("factors", {}).values():
        factor["cap"] = rng.randint(5, 60)
    for rule in changed["rules"]:
        rule["effects"] = {o: rng.randint(-40, 40) for o in rng.sample(OPTIONS, rng.randint(0, 3))}
        if rng.random() < 0.1:
            rule["gate"] = rng.sample(OPTIONS, rng.randint(1, 2))
        elif rng.random() < 0.5:
            rule["gate"] = []
    changed["parameters"] = {**changed.get("parameters", {}), "cost_credit_max": rng.randint(0, 50)}
    return load_ruleset(changed)


@functools.cache
def _ruleset_data() -> tuple[dict[str, Any], dict[str, Any]]:
    return default_ruleset().to_dict(), load_ruleset_file(RULESET_2026_1_PATH).to_dict()


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32), st.booleans(), st.lists(answers(), min_size=4, max_size=8))
def test_the_incremental_flip_analysis_equals_a_full_rescore_under_other_weights_caps_and_gates(
    seed: int, first_format: bool, many: list[dict[str, Any]]
) -> None:
    # One ruleset for several answer sets, so that what the analysis keeps for a ruleset
    # (Ruleset.flip_plans) is reused across answers, as in production.
    ruleset = _reweighted(_ruleset_data()[1 if first_format else 0], seed)
    for a in [*many, *many]:
        current = _score(a, ruleset)[2]
        fast = [
            (f.key, f.from_value, f.to_value, f.winner) for f in flip_analysis(a, ruleset, current)
        ]
        assert fast == _brute_force_flips(a, ruleset, current)


def test_the_incremental_flip_analysis_equals_a_full_rescore_on_the_golden_cases() -> None:
    ruleset = default_ruleset()
    for case in load_golden_cases():
        a = case.answers.as_dict()
        current = _score(a, ruleset)[2]
        fast = [
            (f.key, f.from_value, f.to_value, f.winner) for f in flip_analysis(a, ruleset, current)
        ]
        assert fast == _brute_force_flips(a, ruleset, current)


@FAST
@given(answers())
def test_the_trace_adds_up_to_the_scores_caps_and_cost_included(a: dict[str, Any]) -> None:
    result = assess(a, default_ruleset(), with_flip=False)
    totals = dict.fromkeys(OPTIONS, 0)
    for entry in result.trace:
        if entry.fired:
            for option, points in entry.effects.items():
                totals[option] += points
    assert totals == result.scores


@FAST
@given(answers())
def test_every_option_carries_its_own_conditions_and_the_why_names_real_rules(
    a: dict[str, Any],
) -> None:
    ruleset = default_ruleset()
    result = assess(a, ruleset, with_flip=False)
    fired = {t.rule for t in result.trace if t.fired}
    for option in OPTIONS:
        for condition in result.conditions_by_option[option]:
            assert condition.option == option
            assert condition.rule in fired or condition.rule == "EXIT"
    assert all(c.option != "buy" for c in result.conditions_by_option["buy"] if c.rule == "R46")
    if result.recommended is None:
        assert result.why is None
        return
    assert result.why is not None
    reasons = result.why.reasons_for
    assert len(reasons) <= 3
    assert len({r.factor for r in reasons}) == len(reasons)  # one reason per factor
    assert all(r.rule in fired and r.points > 0 and r.text for r in reasons)
    viable_rivals = {o for o in OPTIONS if result.viable[o] and o != result.recommended}
    assert set(result.why.against) == viable_rivals
