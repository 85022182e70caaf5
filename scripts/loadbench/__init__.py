"""The load bench (`make bench-load`, scripts/bench_load.py): data builder, route plan,
bench-only settings and URLconf with a bare baseline view, and the Locust users."""

from __future__ import annotations

import itertools
import random
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

# The bare baseline view's route name and path (scripts/loadbench/urls.py).
BARE_ROUTE = "bench_bare"
BARE_PATH = "/__bench__/bare/"
# Statuses a probe may answer: OK, accepted (a PDF still rendering), htmx's "stop polling".
OK_STATUSES = (200, 202, 286)


# p95 over the bare view's p95 that each kind of route must stay within (issue 17); the other
# kinds (single-object API routes, downloads) are measured and shown without a target.
TARGETS = {"page": 2.0, "partial": 2.0, "api-list": 1.5}
# Routes without a target are called once every this many rounds: some are the heaviest of all
# (a draft's PDF rendered on request, a whole-chain verification: seconds of CPU each), and
# calling them as often as the pages would lengthen the bare view's tail, the denominator of
# every ratio, and so flatter the routes that have a target.
UNJUDGED_EVERY = 4


def probe_cycle(plan: list[dict[str, Any]], rng: random.Random) -> Iterator[dict[str, Any]]:
    """The plan's probes forever, route by route, in an order shuffled once by `rng`: each round
    calls every route with a target (TARGETS, by the probe's `kind`) once, and every other
    route once in UNJUDGED_EVERY rounds; each call as the next of that route's personas in
    turn."""
    by_name: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for probe in plan:
        by_name[probe["name"]].append(probe)
    personas = {name: itertools.cycle(rng.sample(ps, len(ps))) for name, ps in by_name.items()}
    names = sorted(by_name)
    rng.shuffle(names)
    # A route is judged when any persona's call is (GET cases/{id}/similar is a list for the
    # Centre of Excellence, a single object for the case's department).
    judged = {n for n, ps in by_name.items() if any(p.get("kind") in TARGETS for p in ps)}
    for round_ in itertools.count():
        for name in names:
            if name in judged or round_ % UNJUDGED_EVERY == 0:
                yield next(personas[name])
