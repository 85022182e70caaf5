"""Properties over the whole answer space (hypothesis)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from decisions.engine import OPTIONS, QUESTIONS, assess, default_ruleset
from tests.decisions.engine.strategies import answers

FAST = settings(max_examples=300, deadline=None)


@FAST
@given(answers())
def test_same_answers_always_give_the_same_result(a: dict[str, Any]) -> None:
    ruleset = default_ruleset()
    assert (
        assess(a, ruleset, with_flip=False).to_dict()
        == assess(dict(a), ruleset, with_flip=False).to_dict()
    )


@FAST
@given(answers())
def test_result_always_ranks_all_five_options_with_integer_scores(a: dict[str, Any]) -> None:
    result = assess(a, default_ruleset(), with_flip=False)
    assert sorted(result.ranking) == sorted(OPTIONS)
    assert all(type(s) is int for s in result.scores.values())
    viable_first = [result.viable[o] for o in result.ranking]
    assert viable_first == sorted(viable_first, reverse=True)
    if result.recommended is not None:
        assert result.recommended == result.ranking[0]
        assert result.conditions == result.conditions_by_option[result.recommended]


@FAST
@given(answers())
def test_no_viable_option_is_said_explicitly_and_each_gate_is_in_the_trace(
    a: dict[str, Any],
) -> None:
    result = assess(a, default_ruleset(), with_flip=False)
    gated = {o for t in result.trace if t.fired and t.gate for o in t.gate}
    assert gated == {o for o in OPTIONS if not result.viable[o]}
    if not any(result.viable.values()):
        assert result.recommended is None
        assert result.margin is None
        assert result.explanation[0].startswith("No option is viable")
        assert all(result.ruled_out_by[o] for o in OPTIONS)
    else:
        assert result.recommended is not None


@st.composite
def with_gates_forced_off(draw: st.DrawFn) -> dict[str, Any]:
    """Answers where every option is gated, to exercise the 'nothing viable' path often."""
    a = draw(answers())
    a.update(
        market_maturity="none",
        credible_suppliers=0,
        in_house_capability="none",
        cross_government_solution="none",
        reuse_potential="none",
        months_to_live=draw(st.integers(1, 2)),
    )
    return a


@FAST
@given(with_gates_forced_off())
def test_nothing_viable_always_gives_no_recommendation(a: dict[str, Any]) -> None:
    result = assess(a, default_ruleset())
    assert result.recommended is None
    assert result.to_dict()["recommended"] is None
    assert result.weight_flips == ()


@FAST
@given(answers(), st.integers(0, 100), st.integers(0, 100))
def test_raising_product_fit_never_lowers_buys_score(a: dict[str, Any], x: int, y: int) -> None:
    low, high = sorted((x, y))
    ruleset = default_ruleset()
    before = assess({**a, "best_product_fit_pct": low}, ruleset, with_flip=False)
    after = assess({**a, "best_product_fit_pct": high}, ruleset, with_flip=False)
    assert after.scores["buy"] >= before.scores["buy"]


@FAST
@given(answers())
def test_a_cross_government_solution_never_lowers_partners_score(a: dict[str, Any]) -> None:
    ruleset = default_ruleset()
    available = assess({**a, "cross_government_solution": "available"}, ruleset, with_flip=False)
    for other in QUESTIONS["cross_government_solution"].choices:
        before = assess({**a, "cross_government_solution": other}, ruleset, with_flip=False)
        assert available.scores["partner"] >= before.scores["partner"]


@settings(max_examples=60, deadline=None)
@given(answers())
def test_every_reported_flip_changes_the_winner(a: dict[str, Any]) -> None:
    ruleset = default_ruleset()
    result = assess(a, ruleset)
    for flip in result.flip or ():
        changed = assess({**a, flip.key: flip.to_value}, ruleset, with_flip=False)
        assert changed.recommended == flip.winner != result.recommended
