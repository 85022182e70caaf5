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


def probe_cycle(plan: list[dict[str, Any]], rng: random.Random) -> Iterator[dict[str, Any]]:
    """The plan's probes forever, route by route: each round calls every route (by name) once,
    in an order shuffled by `rng`, as the next of that route's personas in turn."""
    by_name: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for probe in plan:
        by_name[probe["name"]].append(probe)
    personas = {name: itertools.cycle(rng.sample(ps, len(ps))) for name, ps in by_name.items()}
    names = sorted(by_name)
    rng.shuffle(names)
    for name in itertools.cycle(names):
        yield next(personas[name])
