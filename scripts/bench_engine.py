"""Benchmark the rules engine, side by side with a peer engine (GoRules ZEN) on the same rules.

Run: python scripts/bench_engine.py [--cases 10000]. Prints plain lines of figures.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Callable, Mapping
from importlib.metadata import version
from pathlib import Path
from types import ModuleType
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
from decisions.engine.assess import rank

zen: ModuleType | None
try:  # the peer engine is an optional dependency (`make bench` installs it)
    import zen
except ImportError:
    zen = None


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


def timed(fn: Callable[[Any], Any], inputs: list[Any], repeat: int) -> list[float]:
    """Microseconds per call, one figure per call."""
    times = []
    clock = time.perf_counter_ns
    for _ in range(repeat):
        for item in inputs:
            start = clock()
            fn(item)
            times.append((clock() - start) / 1000)
    return times


def figures(label: str, times: list[float]) -> str:
    """A plain line: label, median and p95 in microseconds."""
    ordered = sorted(times)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return (
        f"{label}: median {statistics.median(ordered):.1f} us, p95 {p95:.1f} us ({len(times)} runs)"
    )


# --- The same decision as a ZEN (GoRules JDM) decision graph -------------------------------


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


def zen_score(ruleset: Ruleset, option: str) -> str:
    """One option's score in ZEN's expression language; each factor capped (format 2)."""

    def terms(rules: list[Any]) -> str:
        return " + ".join(f"({r.id} ? {w} : 0)" for r in rules for o, w in r.effects if o == option)

    if not ruleset.factors:
        return terms(list(ruleset.rules)) or "0"
    capped = []
    for factor in ruleset.factors:
        summed = terms([r for r in ruleset.rules if r.factor == factor.name])
        if summed:
            capped.append(f"max([-{factor.cap}, min([{factor.cap}, {summed}])])")
    return " + ".join(capped) or "0"


def zen_graph(ruleset: Ruleset) -> dict[str, Any]:
    """input -> rule conditions (expression node) -> scores and viability -> output."""
    conditions = [
        {"id": f"c{i}", "key": rule.id, "value": zen_condition(rule.when)}
        for i, rule in enumerate(ruleset.rules)
    ]
    totals = []
    for option in OPTIONS:
        gates = [r.id for r in ruleset.rules if option in r.gate]
        totals.append(
            {"id": f"s-{option}", "key": f"score_{option}", "value": zen_score(ruleset, option)}
        )
        totals.append(
            {
                "id": f"v-{option}",
                "key": f"viable_{option}",
                "value": f"not ({' or '.join(gates)})" if gates else "true",
            }
        )
    node = {"position": {"x": 0, "y": 0}}
    return {
        "nodes": [
            {**node, "id": "input", "name": "answers", "type": "inputNode"},
            {
                **node,
                "id": "rules",
                "name": "rules",
                "type": "expressionNode",
                "content": {"expressions": conditions, "passThrough": False},
            },
            {
                **node,
                "id": "scores",
                "name": "scores",
                "type": "expressionNode",
                "content": {"expressions": totals, "passThrough": False},
            },
            {**node, "id": "output", "name": "result", "type": "outputNode"},
        ],
        "edges": [
            {"id": "e1", "sourceId": "input", "targetId": "rules", "type": "edge"},
            {"id": "e2", "sourceId": "rules", "targetId": "scores", "type": "edge"},
            {"id": "e3", "sourceId": "scores", "targetId": "output", "type": "edge"},
        ],
    }


def zen_winner(result: Mapping[str, Any]) -> str | None:
    """The winner from ZEN's scores and viability, with our tie-break."""
    scores = {o: int(result[f"score_{o}"]) for o in OPTIONS}
    viable = {o: bool(result[f"viable_{o}"]) for o in OPTIONS}
    best = rank(scores, viable)[0]
    return best if viable[best] else None


def bench_peer(ruleset: Ruleset, cases: list[dict[str, Any]], repeat: int) -> None:
    """Time ZEN on the same rules and check it agrees with our engine on every case."""
    if zen is None:
        print("peer engine: zen-engine is not installed (pip install zen-engine); skipped")
        return
    decision = zen.ZenEngine().create_decision(json.dumps(zen_graph(ruleset)))
    agree = 0
    for answers in cases:
        ours = assess(answers, ruleset, with_flip=False)
        theirs = decision.evaluate(answers)["result"]
        same_scores = all(int(theirs[f"score_{o}"]) == ours.scores[o] for o in OPTIONS)
        if same_scores and zen_winner(theirs) == ours.recommended:
            agree += 1
    print(
        f"peer engine: GoRules ZEN (zen-engine {version('zen-engine')}) decision graph: "
        "input -> expression node (one expression per rule condition) -> "
        "expression node (scores and gates) -> output; cost credit, conditions and policy "
        "checks are not in the graph, so cases without cost estimates are used"
    )
    print(f"peer engine agrees with ours on scores and winner: {agree} of {len(cases)} cases")
    print(
        figures(
            "peer ZEN evaluate, scores and gates (no trace)",
            timed(decision.evaluate, cases, repeat),
        )
    )
    print(
        figures(
            "peer ZEN evaluate with its trace",
            timed(lambda a: decision.evaluate(a, {"trace": True}), cases, repeat),
        )
    )
    print(
        figures(
            "ours, scores and gates only (winner, no trace)",
            timed(lambda a: winner(a, ruleset), cases, repeat),
        )
    )
    print(
        figures(
            "ours, full assessment with trace (flip excluded)",
            timed(lambda a: assess(a, ruleset, with_flip=False), cases, repeat),
        )
    )


def main() -> None:
    """Print the benchmark figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--cases", type=int, default=10_000, help="answer sets for the impact preview"
    )
    parser.add_argument("--repeat", type=int, default=20, help="passes over the timing sample")
    args = parser.parse_args()

    ruleset = default_ruleset()
    print(
        f"python {sys.version.split()[0]}; ruleset {ruleset.version} ({len(ruleset.rules)} rules), "
        f"sha256 {ruleset.sha256[:16]}..."
    )
    sample = [c.answers.as_dict() for c in load_golden_cases()] + generate_answers(100, seed=7)
    for answers in sample[:50]:  # warm up caches and the allocator
        assess(answers, ruleset)
    print(
        figures(
            "assess one case, full trace, flip excluded",
            timed(lambda a: assess(a, ruleset, with_flip=False), sample, args.repeat),
        )
    )
    print(
        figures(
            "assess one case, full trace, flip included",
            timed(lambda a: assess(a, ruleset), sample, max(1, args.repeat // 4)),
        )
    )
    print(
        figures(
            "assess one case, full trace, flip excluded, plus to_dict()",
            timed(lambda a: assess(a, ruleset, with_flip=False).to_dict(), sample, args.repeat),
        )
    )

    answer_sets = list(enumerate(generate_answers(args.cases)))
    data = ruleset.to_dict()
    for rule in data["rules"]:
        if rule["id"] == "R22":
            old_weight = rule["effects"]["build"]
            rule["effects"]["build"] = -5
    draft = load_ruleset(data)
    start = time.perf_counter()
    report = impact_preview(ruleset, draft, answer_sets)
    elapsed = time.perf_counter() - start
    print(
        f"impact preview over {report.total} generated answer sets "
        f"(R22 build weight {old_weight} -> -5): "
        f"{elapsed:.2f} s, {report.changed} recommendations change"
    )

    peer_cases = [a for a in sample if "option_cost_estimates" not in a]
    bench_peer(ruleset, peer_cases, args.repeat)


if __name__ == "__main__":
    main()
