"""Time one page (or API route) in this process next to the load bench's bare view, and
optionally profile it: the tool for finding what makes a route slow in the load bench.

Run: python scripts/profile_route.py --database-url URL --user carol /review/cases/12/
[--rounds 30] [--htmx] [--profile 25]. URL is a database the load bench built (copy it first:
`createdb -T sourcing_x_bench sourcing_copy`; nothing is written by GET routes, but sessions
are). `--user` is a demo persona (alice, bob, carol, dave, erin, ...): pages are signed in as
them, `/api/` paths carry a bearer token issued for them. Prints the median, p90 and worst
time in ms of the route and of the bare view (`HttpResponse("ok")` behind the same middleware,
scripts/loadbench/urls.py), interleaved, with the route's SQL query count; with `--profile N`
it then prints the N costliest functions of one more load (cProfile, cumulative time).
Tasks run eagerly in this process (no REDIS_URL) unless REDIS_URL is set.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.loadbench import BARE_PATH  # noqa: E402


def main() -> int:
    """Parse, set Django up on the given database, time, print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--htmx", action="store_true", help="send HX-Request: true")
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    os.environ["DJANGO_SETTINGS_MODULE"] = "scripts.loadbench.settings"
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from sourcing.models import User
    from sourcing.people.services import token_issue

    user = User.objects.get(username=args.user)
    client = Client()
    headers: dict[str, str] = {}
    client.force_login(user)  # the bare view is a signed-in page, whatever the route is
    if args.path.startswith("/api/"):
        headers["Authorization"] = f"Bearer {token_issue(user=user)}"
    if args.htmx:
        headers["HX-Request"] = "true"

    def load(path: str) -> float:
        started = time.perf_counter()
        response = client.get(path, headers=headers)
        seconds = time.perf_counter() - started
        if response.status_code not in (200, 202, 286):
            raise SystemExit(f"{path}: HTTP {response.status_code}")
        return seconds * 1000

    for _ in range(3):  # warm: imports, caches, the template loader
        load(args.path)
        load(BARE_PATH)
    route, bare = [], []
    for _ in range(args.rounds):
        route.append(load(args.path))
        bare.append(load(BARE_PATH))
    with CaptureQueriesContext(connection) as queries:
        load(args.path)
    for name, times in ((args.path, route), ("bare view", bare)):
        times.sort()
        p90 = times[int(0.9 * (len(times) - 1))]
        print(
            f"{name:<50} median {statistics.median(times):8.1f} ms  p90 {p90:8.1f} ms  "
            f"worst {times[-1]:8.1f} ms"
        )
    print(
        f"route over bare (medians): {statistics.median(route) / statistics.median(bare):.2f}x; "
        f"{len(queries)} queries"
    )
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        load(args.path)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
