"""Benchmark the rules engine, side by side with a peer engine (GoRules ZEN) doing the same work.

Run: python scripts/bench_engine.py [--cases 10000] [--rounds 20]. Prints plain lines of figures.

Like for like:
- two peer graphs are generated from the same ruleset: "scores and gates" (rule conditions,
  weights, gates, winner) and "full" (the same plus cost credit, ranking and margin, exit
  readiness with its factors, conditions per option including the exit condition, the seven
  policy checks with their reasons, the explanation); each is checked against our engine on
  every sample case before anything is timed, and the agreement is printed;
- both sides serialise: ours calls `to_dict()` (what the product stores and the API returns),
  the peer returns Python dicts from its Rust core; the scores-and-gates pair serialises on
  neither side (our winner() and the peer's plain result);
- the peer is compiled once (`create_decision`) and evaluated many times;
- variants are interleaved: each round calls every variant on each case in turn (rotating which
  goes first), so drift in machine load touches every variant alike; medians and p95 printed.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from decisions.engine import (
    OPTIONS,
    QUESTIONS,
    Ruleset,
    assess,
    default_ruleset,
    impact_preview,
    load_golden_cases,
    load_ruleset,
    winner,
)
from decisions.engine.policy import (
    CHECK_SOURCES,
    CLOSED_INTERFACES,
    CLOUD_FIRST_SERVICES,
    CODE_BUILT,
    LOCK_IN_EFFECT,
    OUTSOURCED,
    READY_FROM,
    THIN_MARKET,
)

# Targets (issue: a fair engine comparison).
FULL_RATIO_TARGET = 0.5  # ours full with trace and to_dict() <= 0.5x the peer's full with trace
FLIP_TARGET_MS = 0.3  # flip analysis adds at most 0.3 ms to an assessment


def generate_answers(count: int, seed: int = 2026, *, costs: bool = True) -> list[dict[str, Any]]:
    """Valid answer sets spread over the whole answer space, thresholds included."""
    rng = random.Random(seed)
    sets = []
    for _ in range(count):
        answers: dict[str, Any] = {}
        for key, q in QUESTIONS.items():
            if q.type == "choice":
                answers[key] = rng.choice(q.choices)
            elif q.type == "bool":
                answers[key] = rng.random() < 0.5
            elif q.type == "int":
                assert q.min is not None and q.max is not None
                top = min(q.max, 3_000_000)
                answers[key] = rng.randint(q.min, top if rng.random() < 0.8 else q.max)
            elif costs and rng.random() < 0.3:
                answers[key] = {o: rng.randint(50_000, 5_000_000) for o in rng.sample(OPTIONS, 3)}
        sets.append(answers)
    return sets


def summary(times: list[float]) -> tuple[float, float]:
    """Median and p95 (nearest rank) of microsecond figures."""
    ordered = sorted(times)
    return statistics.median(ordered), ordered[max(0, round(0.95 * len(ordered)) - 1)]


def interleaved(
    variants: dict[str, Callable[[Any], Any]], inputs: list[Any], rounds: int
) -> dict[str, list[float]]:
    """Microseconds per call for every variant, the variants interleaved case by case."""
    clock = time.perf_counter_ns
    times: dict[str, list[float]] = {name: [] for name in variants}
    items = list(variants.items())
    for round_number in range(rounds):
        for index, case in enumerate(inputs):
            shift = (round_number + index) % len(items)
            for name, fn in items[shift:] + items[:shift]:
                start = clock()
                fn(case)
                times[name].append((clock() - start) / 1000)
    return times


# --- The same decision as ZEN (GoRules JDM) decision graphs --------------------------------


def zen_condition(cond: Mapping[str, Any]) -> str:
    """One rule condition in ZEN's expression language."""
    ((op, arg),) = cond.items()
    if op in ("all", "any"):
        joiner = " and " if op == "all" else " or "
        return "(" + joiner.join(zen_condition(c) for c in arg) + ")"
    if op == "not":
        return f"not ({zen_condition(arg)})"
    if op == "always":
        return "true"
    if op == "present":
        return f"({arg} != null)"
    if op == "absent":
        return f"({arg} == null)"
    key, value = arg
    symbol = {"eq": "==", "lt": "<", "lte": "<=", "gt": ">", "gte": ">="}.get(op)
    if symbol:
        return f"({key} {symbol} {json.dumps(value)})"
    return f"({key} in {json.dumps(value)})"


def _node(node_id: str, expressions: list[tuple[str, str]], *, keep: bool = True) -> dict[str, Any]:
    return {
        "id": node_id,
        "name": node_id,
        "type": "expressionNode",
        "position": {"x": 0, "y": 0},
        "content": {
            "expressions": [
                {"id": f"{node_id}{i}", "key": key, "value": value}
                for i, (key, value) in enumerate(expressions)
            ],
            "passThrough": keep,
        },
    }


def _chain(nodes: list[dict[str, Any]]) -> dict[str, Any]:
    """input -> nodes in order -> output."""
    ends = {"position": {"x": 0, "y": 0}}
    all_nodes = [
        {**ends, "id": "input", "name": "answers", "type": "inputNode"},
        *nodes,
        {**ends, "id": "output", "name": "result", "type": "outputNode"},
    ]
    edges = [
        {"id": f"e{i}", "sourceId": a["id"], "targetId": b["id"], "type": "edge"}
        for i, (a, b) in enumerate(itertools.pairwise(all_nodes))
    ]
    return {"nodes": all_nodes, "edges": edges}


def _str(text: str) -> str:
    return json.dumps(text)


def zen_score(ruleset: Ruleset, option: str) -> str:
    """One option's score in ZEN's expression language; each factor capped (format 2)."""

    def terms(rules: list[Any]) -> str:
        return " + ".join(
            f"(r_{r.id} ? {w} : 0)" for r in rules for o, w in r.effects if o == option
        )

    if not ruleset.factors:
        return terms(list(ruleset.rules)) or "0"
    capped = []
    for factor in ruleset.factors:
        summed = terms([r for r in ruleset.rules if r.factor == factor.name])
        if summed:
            capped.append(f"max([-{factor.cap}, min([{factor.cap}, {summed}])])")
    return " + ".join(capped) or "0"


def _rule_nodes(ruleset: Ruleset) -> list[dict[str, Any]]:
    """Rule conditions, then raw scores and gates per option."""
    fired = [(f"r_{rule.id}", zen_condition(rule.when)) for rule in ruleset.rules]
    totals: list[tuple[str, str]] = []
    for option in OPTIONS:
        gates = [r.id for r in ruleset.rules if option in r.gate]
        totals.append((f"raw_{option}", zen_score(ruleset, option)))
        listed = ", ".join(f"{{id: {_str(g)}, f: r_{g}}}" for g in gates)
        totals.append((f"out_{option}", f"map(filter([{listed}], #.f), #.id)"))
        totals.append((f"viable_{option}", f"len($.out_{option}) == 0"))
    return [_node("rules", fired), _node("scores", totals)]


def zen_scores_graph(ruleset: Ruleset) -> dict[str, Any]:
    """Scores and gates only: input -> rule conditions -> scores and viability -> output."""
    return _chain(_rule_nodes(ruleset))


def _ternary(pairs: list[tuple[str, str]], default: str = "null") -> str:
    """(cond1 ? v1 : cond2 ? v2 : ... : default)."""
    if not pairs:
        return default
    return "(" + " : ".join(f"{cond} ? {value}" for cond, value in pairs) + f" : {default})"


def _ranking_nodes(ruleset: Ruleset) -> list[dict[str, Any]]:
    """Cost credit, final scores, ranking, winner and margin."""
    credit_max = ruleset.param("cost_credit_max")
    est = "(option_cost_estimates ?? {})"
    credit: list[tuple[str, str]] = []
    for option in OPTIONS:
        credit.append((f"cv_{option}", f"viable_{option} and {est}.{option} != null"))
    credit.append(("cv_count", " + ".join(f"($.cv_{o} ? 1 : 0)" for o in OPTIONS)))
    costs = ", ".join(f"($.cv_{o} ? {est}.{o} : 1000000000000000)" for o in OPTIONS)
    credit.append(("cheapest", f"$.cv_count >= 2 ? min([{costs}]) : null"))
    for option in OPTIONS:
        cost = f"{est}.{option}"
        credit.append(
            (
                f"cc_{option}",
                f"($.cv_count >= 2 and $.cv_{option}) ? ({cost} == 0 ? {credit_max} : "
                f"floor({credit_max} * $.cheapest / {cost})) : 0",
            )
        )
        credit.append((f"score_{option}", f"raw_{option} + $.cc_{option}"))
    order = {o: i for i, o in enumerate(OPTIONS)}
    ranks: list[tuple[str, str]] = [
        (f"key_{o}", f"(viable_{o} ? 0 : 1) * 1e12 + (1e9 - score_{o}) * 10 + {order[o]}")
        for o in OPTIONS
    ]
    for option in OPTIONS:
        others = [o for o in OPTIONS if o != option]
        ranks.append(
            (f"pos_{option}", " + ".join(f"($.key_{o} < $.key_{option} ? 1 : 0)" for o in others))
        )
    for place in range(len(OPTIONS)):
        ranks.append(
            (f"rank_{place}", _ternary([(f"$.pos_{o} == {place}", _str(o)) for o in OPTIONS]))
        )
    score_of = {
        p: _ternary([(f"$.rank_{p} == {_str(o)}", f"score_{o}") for o in OPTIONS]) for p in (0, 1)
    }
    viable_of = {
        p: _ternary([(f"$.rank_{p} == {_str(o)}", f"viable_{o}") for o in OPTIONS], "false")
        for p in (0, 1)
    }
    ranks.append(("top_viable", viable_of[0]))
    ranks.append(("second_viable", viable_of[1]))
    ranks.append(("top_score", score_of[0]))
    ranks.append(("second_score", score_of[1]))
    ranks.append(("recommended", "$.top_viable ? $.rank_0 : null"))
    ranks.append(
        (
            "margin",
            "($.recommended != null and $.second_viable) ? $.top_score - $.second_score : null",
        )
    )
    return [_node("credit", credit), _node("ranking", ranks)]


def _exit_node(ruleset: Ruleset) -> dict[str, Any]:
    """Exit readiness per option: five factors, a score from 0 to 100 and a level."""
    poor_below = ruleset.param("exit_readiness_poor_below")
    lock = "(incumbent_lock_in ?? 'none')"
    maturity = "(market_maturity ?? 'established')"
    lock_effect = _ternary(
        [(f"{lock} == {_str(k)}", str(v)) for k, v in LOCK_IN_EFFECT.items() if v], "0"
    )
    out: list[tuple[str, str]] = []
    for option in OPTIONS:
        closed = f"(open_standards == false ? {CLOSED_INTERFACES[option]} : 0)"
        fit = (
            "((best_product_fit_pct == null or best_product_fit_pct >= 80) ? 0 : "
            "(best_product_fit_pct >= 50 ? -10 : -20))"
            if option == "buy"
            else "0"
        )
        thin = _ternary(
            [(f"{maturity} == {_str(m)}", str(v)) for m, v in THIN_MARKET.get(option, {}).items()],
            "0",
        )
        portable = (
            "0"
            if option == "build"
            else "((open_standards == false ? -10 : 0) + (personal_data == true ? -5 : 0))"
        )
        fit_note = (
            "customising a poor fit ties you to the product"
            if option == "buy"
            else "not a factor for this option"
        )
        factors = [
            ("incumbent_lock_in", f"`${{{lock}}}`", lock_effect, "current contracts and legacy"),
            ("open_standards", "open_standards == false ? 'no' : 'yes'", closed, "open standards"),
            ("product_fit", "`${best_product_fit_pct}%`", fit, fit_note),
            ("market_maturity", f"`${{{maturity}}}`", thin, "a thin market"),
            (
                "data_portability",
                _str("owned" if option == "build" else "contractual"),
                portable,
                "government owns the code" if option == "build" else "export depends on terms",
            ),
        ]
        listed = ", ".join(
            f"{{factor: {_str(f)}, value: {v}, effect: {e}, note: {_str(n)}}}"
            for f, v, e, n in factors
        )
        out.append((f"xf_{option}", f"[{listed}]"))
        out.append(
            (f"xs_{option}", f"max([0, min([100, 100 + sum(map($.xf_{option}, #.effect))])])")
        )
        out.append(
            (
                f"exit_{option}",
                f"{{score: $.xs_{option}, level: $.xs_{option} >= {READY_FROM} ? 'ready' : "
                f"($.xs_{option} >= {poor_below} ? 'needs_plan' : 'poor'), "
                f"factors: $.xf_{option}}}",
            )
        )
    return _node("exits", out)


def _check(check: str, pairs: list[tuple[str, str, str]], default: tuple[str, str]) -> str:
    """A policy check as nested ternaries over (condition, result, reason template)."""
    source = _str(CHECK_SOURCES[check])

    def entry(result: str, reason: str) -> str:
        return (
            f"{{check: {_str(check)}, result: {_str(result)}, reason: {reason}, source: {source}}}"
        )

    return _ternary(
        [(cond, entry(result, reason)) for cond, result, reason in pairs], entry(*default)
    )


def _policy_node(ruleset: Ruleset) -> dict[str, Any]:
    """The seven standing policy checks, comply or explain, with their reasons."""
    pit = ruleset.param("public_interest_test_gbp")
    thin_below = ruleset.param("thin_market_below")
    rec = "recommended"
    none_viable = "'No option is viable, so there is no recommendation to check.'"

    def in_set(values: Iterable[str]) -> str:
        return "[" + ", ".join(_str(v) for v in sorted(values)) + "]"

    exit_of = _ternary([(f"{rec} == {_str(o)}", f"exit_{o}") for o in OPTIONS])
    checks = [
        (
            "cloud_first",
            [
                (f"not (service_type in {in_set(CLOUD_FIRST_SERVICES)})", "n/a", "'Not covered.'"),
                (f"{rec} == 'buy'", "complies", "'The recommendation is public cloud or SaaS.'"),
                (f"{rec} == null", "n/a", none_viable),
            ],
            ("explain", "`A ${service_type} need recommended to ${recommended}: explain why.`"),
        ),
        (
            "share_and_reuse",
            [
                ("cross_government_solution == null", "explain", "'Say whether one meets it.'"),
                ("cross_government_solution == 'none'", "complies", "'No component meets it.'"),
                (f"{rec} == 'partner'", "complies", "'Reuses a government component.'"),
            ],
            ("explain", "`A component is ${cross_government_solution}: explain why not reused.`"),
        ),
        (
            "open_source",
            [
                (
                    f"{rec} in {in_set(CODE_BUILT)} and data_classification == 'secret'",
                    "explain",
                    "'Code handling SECRET data: explain exemptions.'",
                ),
                (f"{rec} in {in_set(CODE_BUILT)}", "complies", "'Publishing the code openly.'"),
            ],
            ("n/a", f"{rec} != null ? 'No new code is written.' : {none_viable}"),
        ),
        (
            "avoid_lock_in",
            [
                (f"{rec} == null", "n/a", none_viable),
                (
                    f"{rec} in {in_set(OUTSOURCED)}",
                    "explain",
                    f"`Exit readiness for ${{{rec}}} is ${{$.exit_rec.score}} "
                    f"(${{$.exit_rec.level}}).`",
                ),
                ("incumbent_lock_in == 'severe'", "explain", "'Severe incumbent lock-in.'"),
            ],
            ("complies", f"`${{{rec}}} keeps the code and data under government control.`"),
        ),
        (
            "public_interest_test",
            [
                (
                    f"whole_life_budget_gbp != null and whole_life_budget_gbp >= {pit}",
                    "explain",
                    f"`Whole-life value £${{whole_life_budget_gbp}} is at or over £{pit}.`",
                )
            ],
            ("n/a", f"'Whole-life value is under £{pit}.'"),
        ),
        (
            "no_tower_model",
            [
                (f"{rec} != 'procure'", "n/a", f"{rec} != null ? 'No integrator.' : {none_viable}"),
                ("$.thin", "explain", "`Only ${credible_suppliers} credible suppliers.`"),
                ("incumbent_lock_in == 'severe'", "explain", "'Split the contracts into lots.'"),
            ],
            ("complies", "'Outcome-based, multi-sourced contracts in lots.'"),
        ),
        (
            "pilot_first",
            [
                ("not ($.thin or $.novel)", "n/a", "'Not a thin market or a novel solution.'"),
                (f"{rec} == 'innovate'", "complies", "`${$.why}: innovation is staged.`"),
                (f"{rec} == null", "n/a", none_viable),
            ],
            ("explain", "`${$.why}: run a pilot or explain why not.`"),
        ),
    ]
    out: list[tuple[str, str]] = [
        ("exit_rec", exit_of),
        ("thin", f"credible_suppliers != null and credible_suppliers < {thin_below}"),
        ("novel", "solution_uncertainty == 'novel'"),
        (
            "why",
            "($.thin ? `a thin market (${credible_suppliers} credible suppliers)` : '') + "
            "(($.thin and $.novel) ? ' and ' : '') + ($.novel ? 'a novel solution' : '')",
        ),
    ]
    out.append(("policy_checks", "[" + ", ".join(_check(c, p, d) for c, p, d in checks) + "]"))
    return _node("policy", out)


def _conditions_node(ruleset: Ruleset) -> dict[str, Any]:
    """Conditions per option (rules that fired, then a poor exit readiness) and the winner's."""
    out: list[tuple[str, str]] = []
    for option in OPTIONS:
        entries = [
            f"{{f: r_{r.id}, option: {_str(option)}, text: {_str(text)}, "
            f"source: {_str(r.source)}, rule: {_str(r.id)}}}"
            for r in ruleset.rules
            for o, text in r.condition_text
            if o == option
        ]
        entries.append(
            f"{{f: exit_{option}.level == 'poor', option: {_str(option)}, "
            f"text: `Exit readiness is poor (${{exit_{option}.score}} of 100): agree an exit "
            f"and data-portability plan before any commitment.`, "
            f"source: 'Sourcing Playbook: avoid lock-in', rule: 'EXIT'}}"
        )
        out.append(
            (
                f"conditions_{option}",
                f"map(filter([{', '.join(entries)}], #.f), "
                "{option: #.option, text: #.text, source: #.source, rule: #.rule})",
            )
        )
    out.append(
        (
            "conditions",
            _ternary([(f"recommended == {_str(o)}", f"$.conditions_{o}") for o in OPTIONS], "[]"),
        )
    )
    descriptions = {r.id: r.description for r in ruleset.rules}
    for option in OPTIONS:
        gated = [r.id for r in ruleset.rules if option in r.gate]
        listed = ", ".join(
            f"{{f: r_{g}, rule: {_str(g)}, description: {_str(descriptions[g])}}}" for g in gated
        )
        out.append((f"why_out_{option}", f"map(filter([{listed}], #.f), #.description)"))
    out.append(
        (
            "headline",
            "recommended == null ? 'No option is viable: there is no recommendation.' : "
            "(margin == null ? `${recommended} is the only viable option (${top_score} points).` "
            ": `${recommended} scores ${top_score}, ${margin} ahead of ${rank_1} "
            "(${second_score}).`)",
        )
    )
    return _node("conditions", out)


def _result_node(ruleset: Ruleset) -> dict[str, Any]:
    """Only the result's fields, in our to_dict() shape (nothing of the intermediate steps)."""

    def per_option(prefix: str) -> str:
        return "{" + ", ".join(f"{o}: {prefix}{o}" for o in OPTIONS) + "}"

    answers = "{" + ", ".join(f"{k}: {k}" for k in QUESTIONS) + "}"
    fields = [
        ("ruleset", f"{{version: {_str(ruleset.version)}, sha256: {_str(ruleset.sha256)}}}"),
        ("answers", answers),
        ("recommended", "recommended"),
        ("ranking", "[" + ", ".join(f"rank_{i}" for i in range(len(OPTIONS))) + "]"),
        ("scores", per_option("score_")),
        ("viable", per_option("viable_")),
        ("ruled_out", per_option("out_")),
        ("margin", "margin"),
        ("explanation", "{headline: headline, ruled_out: " + per_option("why_out_") + "}"),
        ("conditions", "conditions"),
        ("conditions_by_option", per_option("conditions_")),
        ("policy_checks", "policy_checks"),
        ("exit_readiness", per_option("exit_")),
    ]
    return _node("result", fields, keep=False)


def zen_full_graph(ruleset: Ruleset) -> dict[str, Any]:
    """The whole assessment but flip analysis, as a ZEN graph of expression nodes."""
    return _chain(
        [
            *_rule_nodes(ruleset),
            *_ranking_nodes(ruleset),
            _exit_node(ruleset),
            _policy_node(ruleset),
            _conditions_node(ruleset),
            _result_node(ruleset),
        ]
    )


def _number(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def disagreements(ours: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    """Where the peer's full result differs from ours (what both compute, not the wording)."""
    problems = []
    if {o: _number(theirs["scores"][o]) for o in OPTIONS} != ours["scores"]:
        problems.append("scores")
    for key in ("viable", "recommended", "ranking", "margin"):
        mine, peer = ours[key], theirs.get(key)
        if key == "margin" and peer is not None:
            peer = _number(peer)
        if mine != peer:
            problems.append(key)
    if {o: theirs["ruled_out"][o] for o in OPTIONS if theirs["ruled_out"][o]} != ours["ruled_out"]:
        problems.append("ruled_out")
    mine_exit = {o: (e["score"], e["level"]) for o, e in ours["exit_readiness"].items()}
    peer_exit = {o: (_number(e["score"]), e["level"]) for o, e in theirs["exit_readiness"].items()}
    if mine_exit != peer_exit:
        problems.append("exit_readiness")
    mine_conditions = {o: [c["rule"] for c in cs] for o, cs in ours["conditions_by_option"].items()}
    peer_conditions = {
        o: [c["rule"] for c in cs] for o, cs in theirs["conditions_by_option"].items()
    }
    if mine_conditions != peer_conditions:
        problems.append("conditions")
    mine_checks = [(c["check"], c["result"]) for c in ours["policy_checks"]]
    peer_checks = [(c["check"], c["result"]) for c in theirs["policy_checks"]]
    if mine_checks != peer_checks:
        problems.append("policy_checks")
    return problems


def peer_decisions(ruleset: Ruleset) -> tuple[Any, Any, str] | None:
    """The two ZEN decisions, compiled once; None when zen-engine is not installed."""
    try:
        import zen
    except ImportError:
        return None
    from importlib.metadata import version

    engine = zen.ZenEngine()
    scores = engine.create_decision(json.dumps(zen_scores_graph(ruleset)))
    full = engine.create_decision(json.dumps(zen_full_graph(ruleset)))
    return scores, full, version("zen-engine")


def line(label: str, times: list[float]) -> str:
    median, p95 = summary(times)
    return f"  {label:<62} median {median:8.1f} us   p95 {p95:8.1f} us   ({len(times)} runs)"


def main() -> int:
    """Print the benchmark figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--cases", type=int, default=10_000, help="answer sets for the impact preview"
    )
    parser.add_argument("--rounds", type=int, default=20, help="passes over the timing sample")
    args = parser.parse_args()

    ruleset = default_ruleset()
    print(
        f"engine bench {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; python {sys.version.split()[0]}; "
        f"ruleset {ruleset.version} ({len(ruleset.rules)} rules), sha256 {ruleset.sha256[:16]}..."
    )
    sample = [c.answers.as_dict() for c in load_golden_cases()] + generate_answers(100, seed=7)
    for answers in sample[:50]:  # warm up caches and the allocator
        assess(answers, ruleset).to_dict()

    peers = peer_decisions(ruleset)
    variants: dict[str, Callable[[Any], Any]] = {
        "ours: full, trace, flip excluded": lambda a: assess(a, ruleset, with_flip=False),
        "ours: full, trace, flip excluded, to_dict()": lambda a: assess(
            a, ruleset, with_flip=False
        ).to_dict(),
        "ours: full, trace, flip included, to_dict()": lambda a: assess(a, ruleset).to_dict(),
    }
    no_costs = [a for a in sample if "option_cost_estimates" not in a]
    if peers is None:
        print("peer engine: zen-engine is not installed (pip install zen-engine); peer skipped")
    else:
        scores_graph, full_graph, zen_version = peers
        agree_scores = sum(
            1
            for a in no_costs
            if (r := scores_graph.evaluate(a)["result"])
            and all(
                int(r[f"raw_{o}"]) == assess(a, ruleset, with_flip=False).scores[o] for o in OPTIONS
            )
        )
        problems: dict[str, int] = {}
        for a in sample:
            for problem in disagreements(
                assess(a, ruleset, with_flip=False).to_dict(), full_graph.evaluate(a)["result"]
            ):
                problems[problem] = problems.get(problem, 0) + 1
        print(
            f"peer engine: GoRules ZEN (zen-engine {zen_version}), graphs generated from the "
            "same ruleset and compiled once"
        )
        print(
            f"  scores-and-gates graph agrees on scores with ours: {agree_scores} of "
            f"{len(no_costs)} cases (without cost estimates: that graph has no cost credit)"
        )
        agreed = "every part" if not problems else f"differences {problems}"
        print(
            f"  full graph (cost credit, ranking, margin, exit readiness, conditions, seven "
            f"policy checks, explanation) against ours on {len(sample)} cases: {agreed}"
        )
        variants.update(
            {
                "peer: full graph, with its trace": lambda a: full_graph.evaluate(
                    a, {"trace": True}
                ),
                "peer: full graph, no trace": full_graph.evaluate,
            }
        )
    started = time.perf_counter()
    full = interleaved(variants, sample, args.rounds)
    scores_variants: dict[str, Callable[[Any], Any]] = {
        "ours: scores and gates (winner(), no trace)": lambda a: winner(a, ruleset)
    }
    if peers is not None:
        scores_variants["peer: scores and gates graph, no trace"] = peers[0].evaluate
    scores_only = interleaved(scores_variants, no_costs, args.rounds)
    seconds = time.perf_counter() - started

    print(f"\nfull assessment, {len(sample)} cases x {args.rounds} rounds, interleaved:")
    for name, times in full.items():
        print(line(name, times))
    print(f"scores and gates only, {len(no_costs)} cases without cost estimates, interleaved:")
    for name, times in scores_only.items():
        print(line(name, times))
    print(f"  ({seconds:.0f} s of timing)")

    flip_ms = (
        statistics.median(full["ours: full, trace, flip included, to_dict()"])
        - statistics.median(full["ours: full, trace, flip excluded, to_dict()"])
    ) / 1000
    print("\ntargets:")
    print(
        f"  flip analysis adds {flip_ms:.2f} ms to an assessment (medians): target <= "
        f"{FLIP_TARGET_MS} ms: {'met' if flip_ms <= FLIP_TARGET_MS else 'NOT MET'}"
    )
    if peers is not None:
        ours = statistics.median(full["ours: full, trace, flip excluded, to_dict()"])
        theirs = statistics.median(full["peer: full graph, with its trace"])
        ratio = ours / theirs
        print(
            f"  full assessment with trace and to_dict() is {ratio:.2f}x the peer's full graph "
            f"with its trace (medians {ours:.0f} / {theirs:.0f} us): target <= "
            f"{FULL_RATIO_TARGET}x: {'met' if ratio <= FULL_RATIO_TARGET else 'NOT MET'}"
        )

    answer_sets = list(enumerate(generate_answers(args.cases)))
    data = ruleset.to_dict()
    rule = next((r for r in data["rules"] if r["id"] == "R22"), None)
    if rule is None:
        raise SystemExit("The default ruleset has no rule R22 to re-weight: update this bench.")
    old_weight = rule["effects"]["build"]
    rule["effects"]["build"] = -5
    draft = load_ruleset(data)
    start = time.perf_counter()
    report = impact_preview(ruleset, draft, answer_sets)
    elapsed = time.perf_counter() - start
    print(
        f"\nimpact preview over {report.total} generated answer sets "
        f"(R22 build weight {old_weight} -> -5): "
        f"{elapsed:.2f} s, {report.changed} recommendations change"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
