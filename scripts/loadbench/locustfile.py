"""Locust users for the load bench (started by scripts/bench_load.py, not by hand).

Each simulated user holds a signed-in session for every demo persona and an API bearer token
for each, and walks every route of the plan (pages, htmx partials, downloads, API routes) in
its own shuffled order, calling the bare baseline view after each one: route, bare, route,
bare... so every route and the baseline share the same moments of load. Every route is called
equally often, whatever the number of personas that may call it (each call goes to the next of
its personas in turn): a route only the steward may call gets as many samples as the home page,
so no route's p95 rests on a handful of requests. Each request's time
is kept and written to BENCH_TIMINGS as JSON when Locust stops.

Environment: BENCH_PLAN (the route plan JSON), BENCH_CREDENTIALS (sessions and tokens per
user slot), BENCH_TIMINGS (where to write the timings).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
from collections import defaultdict
from http.cookiejar import DefaultCookiePolicy
from typing import Any

from locust import FastHttpUser, constant, events, task

from scripts.loadbench import BARE_PATH, BARE_ROUTE, OK_STATUSES, probe_cycle

PLAN: list[dict[str, Any]] = json.loads(open(os.environ["BENCH_PLAN"]).read())
CREDENTIALS: dict[str, Any] = json.loads(open(os.environ["BENCH_CREDENTIALS"]).read())
SLOTS = itertools.count()

timings: dict[str, list[float]] = defaultdict(list)
failures: dict[str, list[str]] = defaultdict(list)
window: dict[str, float] = {}


@events.request.add_listener
def _keep(name: str, response_time: float, exception: Any, **_: Any) -> None:
    if exception is None:
        timings[name].append(response_time)
    elif len(failures[name]) < 5:
        failures[name].append(str(exception)[:200])
    else:
        failures[name].append("")


@events.test_start.add_listener
def _started(**_: Any) -> None:
    window["start"] = time.monotonic()


@events.test_stop.add_listener
def _stopped(**_: Any) -> None:
    window["stop"] = time.monotonic()


@events.quitting.add_listener
def _write(**_: Any) -> None:
    seconds = window.get("stop", time.monotonic()) - window.get("start", time.monotonic())
    with open(os.environ["BENCH_TIMINGS"], "w") as out:
        json.dump({"seconds": seconds, "timings": timings, "failures": failures}, out)


class NoCookies(DefaultCookiePolicy):
    """Cookies are sent per request (one session per persona), never stored by the client."""

    def set_ok(self, cookie: Any, request: Any) -> bool:
        return False


class BenchUser(FastHttpUser):
    """One person-at-a-keyboard with every persona's session: no think time (closed loop)."""

    wait_time = constant(0)

    def on_start(self) -> None:
        slot = next(SLOTS) % len(CREDENTIALS["slots"])
        credentials = CREDENTIALS["slots"][slot]
        cookie = CREDENTIALS["cookie_name"]
        self.sessions = {p: f"{cookie}={sid}" for p, sid in credentials["sessions"].items()}
        self.tokens = credentials["tokens"]
        self.client.cookiejar.set_policy(NoCookies())
        self.probes = probe_cycle(PLAN, random.Random(slot))
        self.bare_personas = itertools.cycle(sorted(self.sessions))

    def _get(self, path: str, name: str, headers: dict[str, str]) -> None:
        with self.client.get(path, name=name, headers=headers, catch_response=True) as response:
            # Locust fails statuses outside its own list (286: htmx stop polling): decide here.
            if response.status_code in OK_STATUSES:
                response.success()
            else:
                response.failure(f"HTTP {response.status_code}")

    @task
    def probe_then_bare(self) -> None:
        probe = next(self.probes)
        persona = probe["persona"]
        headers: dict[str, str] = {}
        if probe["htmx"]:
            headers["HX-Request"] = "true"
        if probe["api"] and persona in self.tokens:
            headers["Authorization"] = f"Bearer {self.tokens[persona]}"
        elif persona in self.sessions:
            headers["Cookie"] = self.sessions[persona]
        self._get(probe["path"], probe["name"], headers)
        bare_persona = persona if persona in self.sessions else next(self.bare_personas)
        self._get(BARE_PATH, BARE_ROUTE, {"Cookie": self.sessions[bare_persona]})
