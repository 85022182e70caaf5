"""Load bench: every page, htmx partial, download and API route next to a bare Django view.

Run: python scripts/bench_load.py [--multiplier 10] [--users 1,10,30] [--duration 120]
[--top-duration 360]
(`make bench-load`; `make bench` runs it too). Needs PostgreSQL: it creates its own database,
`<DATABASE_URL's name>_bench` (or BENCH_DATABASE_URL), dropping any earlier one, and never
touches another. Steps:

1. migrate; load the demo data (as `seed_demo`) and the bench fixtures through the real
   services (scripts/loadbench/data.py); count each page's SQL queries with Django's test client
   (every route of the URLconf with a GET, as every demo persona allowed to call it);
2. load the data again and again up to `--multiplier` times the demo data (cases answered,
   assessed, signed off, submitted, decided; records, PDFs, contracts, suppliers, exports,
   replays), ANALYZE it (as autovacuum would), and count the queries again: any page whose
   count grew fails the bench (exit 1);
3. start gunicorn (`--workers`, threaded: one thread per simulated user) with the bench
   URLconf (scripts/loadbench/urls.py: the bare view `HttpResponse("ok")` behind the same
   middleware), sign every persona in for each
   simulated user and issue API tokens, and run Locust headless at each `--users` level for
   `--duration` seconds (the last, highest level, on which the targets are judged, for
   `--top-duration` seconds), every route called equally often and interleaved with the bare
   view;
4. print, per level and route: p50/p95/p99 (ms), requests per second and p95 over the bare
   view's p95, flagging routes over their target (pages and partials <= 2x, API lists <= 1.5x;
   downloads and other API routes are shown without a target). `--strict` also fails on them.

The figures and the query counts are also written to var/bench/load-<UTC time>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "var" / "bench"
SETTINGS = "scripts.loadbench.settings"
from scripts.loadbench import BARE_ROUTE, OK_STATUSES, TARGETS  # noqa: E402
from scripts.loadbench.databases import bench_database_url, create_database  # noqa: E402

KIND_ORDER = ["page", "partial", "api-list", "api", "download", "baseline"]


# --- Steps that run inside Django (each in its own process) ----------------------------------


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    import django

    django.setup()


def step_build(args: argparse.Namespace) -> int:
    """Load `--multiplier` times the demo data; print the report as JSON."""
    _django()
    from dataclasses import asdict

    from scripts.loadbench.data import bench_data_build

    report = bench_data_build(multiplier=args.multiplier)
    # Statistics for the planner, as autovacuum's analyze gives a database that grew this much
    # (the bench loads it in seconds, before autovacuum's next round): without them PostgreSQL
    # guesses row counts (637 suppliers for 2,355) and passes over the indexes the pages use.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(json.dumps(asdict(report)))
    return 0


def step_plan(args: argparse.Namespace) -> int:
    """Count every probe's queries; write the plan as JSON to --out."""
    _django()
    from scripts.loadbench.routes import route_plan, url_routes

    measured = route_plan()
    routes = url_routes()
    Path(args.out).write_text(
        json.dumps(
            {
                "probes": [m.to_dict() for m in measured],
                "not_loaded": sorted(routes.not_loaded),
                "skipped": sorted(routes.skipped),
            }
        )
    )
    return 0


def step_credentials(args: argparse.Namespace) -> int:
    """Sessions for every persona and an API token each, per simulated user; JSON to --out."""
    _django()
    from django.conf import settings
    from django.test import Client

    from scripts.loadbench.routes import PERSONAS
    from sourcing.models import User
    from sourcing.people.services import token_issue

    users = {u.username: u for u in User.objects.filter(username__in=PERSONAS)}
    slots = []
    for _ in range(args.users):
        sessions, tokens = {}, {}
        for username, user in users.items():
            client = Client()
            client.force_login(user)
            sessions[username] = client.cookies[settings.SESSION_COOKIE_NAME].value
            tokens[username] = token_issue(user=user, days=1)
        slots.append({"sessions": sessions, "tokens": tokens})
    payload = {"cookie_name": settings.SESSION_COOKIE_NAME, "slots": slots}
    Path(args.out).write_text(json.dumps(payload))
    return 0


# --- The orchestration ------------------------------------------------------------------------


class Bench:
    """Runs the steps in child processes with the bench environment."""

    def __init__(self, args: argparse.Namespace, database_url: str) -> None:
        self.args = args
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": SETTINGS,
            "DJANGO_ENV": "development",
            "DEBUG": "0",
            "VAR_DIR": str(OUT / "var"),
            "LOG_LEVEL": "WARNING",
            # The sessions made before the run must outlive it.
            "SESSION_IDLE_MINUTES": "600",
            # The bench measures speed: its few users make far more requests than the abuse
            # limits let one person make (the sign-in lockout stays on).
            "RATE_LIMITS": "0",
            # Emails are written to their outbox as always; the dummy backend sends nothing (the
            # console's would print one for every decision the data set is made of).
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            "PYTHONPATH": str(ROOT),
        }
        # Tasks (PDFs, exports, runs) run in-process while the data is built.
        self.env.pop("REDIS_URL", None)

    def run(self, *argv: str, capture: bool = False) -> str:
        result = subprocess.run(
            [*argv],
            cwd=ROOT,
            env=self.env,
            check=False,
            text=True,
            stdout=subprocess.PIPE if capture else None,
        )
        if result.returncode != 0:
            raise SystemExit(f"bench step failed ({result.returncode}): {' '.join(argv)}")
        return result.stdout or ""

    def step(self, *argv: str, capture: bool = False) -> str:
        return self.run(sys.executable, __file__, *argv, capture=capture)

    def build(self, multiplier: int) -> dict[str, Any]:
        started = time.perf_counter()
        report: dict[str, Any] = json.loads(
            self.step("build", "--multiplier", str(multiplier), capture=True)
        )
        report["total seconds"] = time.perf_counter() - started
        return report

    def plan(self, path: Path) -> dict[str, Any]:
        self.step("plan", "--out", str(path))
        plan: dict[str, Any] = json.loads(path.read_text())
        return plan


def _commit() -> str:
    """The checkout's commit (short hash), "+changes" when files differ from it."""

    def git(*argv: str) -> str:
        return subprocess.run(
            ["git", *argv], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    return head + ("+changes" if git("status", "--porcelain", "--untracked-files=no") else "")


def _load() -> str:
    """The machine's load average over 1, 5 and 15 minutes."""
    return " ".join(f"{n:.2f}" for n in os.getloadavg())


def percentile(ordered: list[float], share: float) -> float:
    """Nearest-rank percentile of sorted figures."""
    if not ordered:
        return float("nan")
    rank = max(1, round(share * len(ordered) + 0.4999))
    return ordered[min(rank, len(ordered)) - 1]


def start_gunicorn(bench: Bench, port: int, workers: int, threads: int) -> subprocess.Popen[bytes]:
    """gunicorn with threaded workers: every simulated user gets a thread, so requests share
    the CPU rather than queue behind each other (with a few sync workers, the bare view would
    wait in the same queue as the slowest page and every ratio would tend to 1)."""
    log = open(OUT / "gunicorn.log", "wb")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "sourcing.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            f"--workers={workers}",
            "--worker-class=gthread",
            f"--threads={threads}",
            "--timeout=120",
            "--graceful-timeout=5",
            f"--chdir={ROOT}",
        ],
        cwd=ROOT,
        env=bench.env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=10):
                return process
        except OSError:  # refused, reset or timed out while the workers boot
            if process.poll() is not None:
                break
            time.sleep(0.3)
    stop(process)
    raise SystemExit(f"gunicorn did not start on port {port}: see {OUT / 'gunicorn.log'}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def run_locust(bench: Bench, port: int, users: int, seconds: int, files: dict[str, Path]) -> Any:
    timings = OUT / f"timings-{users}.json"
    env = {
        **bench.env,
        "BENCH_PLAN": str(files["plan"]),
        "BENCH_CREDENTIALS": str(files["credentials"]),
        "BENCH_TIMINGS": str(timings),
    }
    with open(OUT / f"locust-{users}.log", "wb") as log:
        result = subprocess.run(
            [
                str(Path(sys.executable).parent / "locust"),
                "-f",
                str(ROOT / "scripts" / "loadbench" / "locustfile.py"),
                "--headless",
                f"--users={users}",
                f"--spawn-rate={users}",
                f"--run-time={seconds}s",
                f"--host=http://127.0.0.1:{port}",
                "--only-summary",
                "--loglevel=WARNING",
                "--exit-code-on-error=0",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if result.returncode != 0 or not timings.exists():
        raise SystemExit(f"locust failed ({result.returncode}): see {OUT / f'locust-{users}.log'}")
    return json.loads(timings.read_text())


def level_rows(data: dict[str, Any], kinds: dict[str, str]) -> list[dict[str, Any]]:
    """Per route: count, p50/p95/p99, requests per second, ratio to the bare view."""
    seconds = max(data["seconds"], 1e-9)
    rows = []
    for name, times in data["timings"].items():
        ordered = sorted(times)
        rows.append(
            {
                "name": name,
                "kind": "baseline" if name == BARE_ROUTE else kinds.get(name, "?"),
                "count": len(ordered),
                "failures": len(data["failures"].get(name, [])),
                "p50": percentile(ordered, 0.50),
                "p95": percentile(ordered, 0.95),
                "p99": percentile(ordered, 0.99),
                "rps": len(ordered) / seconds,
            }
        )
    for name, failed in data["failures"].items():
        if name not in data["timings"]:
            rows.append(
                {
                    "name": name,
                    "kind": kinds.get(name, "?"),
                    "count": 0,
                    "failures": len(failed),
                    **dict.fromkeys(("p50", "p95", "p99"), float("nan")),
                    "rps": 0.0,
                }
            )
    bare = next((r for r in rows if r["name"] == BARE_ROUTE), None)
    for row in rows:
        row["ratio"] = row["p95"] / bare["p95"] if bare and bare["p95"] else float("nan")
        target = TARGETS.get(row["kind"])
        row["target"] = target
        row["over"] = bool(target and not row["ratio"] <= target) or row["failures"] > 0
    rows.sort(
        key=lambda r: (KIND_ORDER.index(r["kind"]) if r["kind"] in KIND_ORDER else 9, r["name"])
    )
    return rows


def print_level(users: int, rows: list[dict[str, Any]]) -> None:
    print(f"\n-- {users} user(s): each route interleaved with the bare view; times in ms")
    print(
        f"{'route':<44} {'kind':<9} {'n':>5} {'p50':>7} {'p95':>7} {'p99':>7} "
        f"{'req/s':>6} {'p95/bare':>8}  target"
    )
    for r in rows:
        target = f"<= {r['target']}x" if r["target"] else "-"
        flag = "  OVER" if r["over"] else ""
        if r["failures"]:
            flag += f"  {r['failures']} FAILED"
        print(
            f"{r['name'][:44]:<44} {r['kind']:<9} {r['count']:>5} {r['p50']:>7.1f} "
            f"{r['p95']:>7.1f} {r['p99']:>7.1f} {r['rps']:>6.2f} {r['ratio']:>7.2f}x  "
            f"{target}{flag}"
        )


def compare_queries(small: dict[str, Any], large: dict[str, Any], multiplier: int) -> list[str]:
    """Print the query count of every probe at both sizes; return the probes that grew."""
    before = {p["key"]: p for p in small["probes"]}
    grew = []
    print(f"\n-- SQL queries per request: demo data and {multiplier}x the demo data")
    print(f"{'route as persona':<62} {'kind':<9} {'status':>6} {'1x':>5} {f'{multiplier}x':>5}")
    for probe in large["probes"]:
        old = before.get(probe["key"])
        flag = ""
        if old is None:
            flag = "  (not at 1x)"
        elif probe["queries"] > old["queries"]:
            flag = "  GREW"
            grew.append(probe["key"])
        if probe["status"] not in OK_STATUSES:
            flag += f"  HTTP {probe['status']}"
        print(
            f"{probe['key'][:62]:<62} {probe['kind']:<9} {probe['status']:>6} "
            f"{old['queries'] if old else '-':>5} {probe['queries']:>5}{flag}"
        )
    return grew


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="step")
    build = sub.add_parser("build", help="(internal) load the data")
    build.add_argument("--multiplier", type=int, required=True)
    plan = sub.add_parser("plan", help="(internal) count queries per route")
    plan.add_argument("--out", required=True)
    credentials = sub.add_parser("credentials", help="(internal) sessions and tokens")
    credentials.add_argument("--users", type=int, required=True)
    credentials.add_argument("--out", required=True)
    parser.add_argument(
        "--multiplier", type=int, default=int(os.environ.get("BENCH_MULTIPLIER", "10"))
    )
    parser.add_argument("--users", default=os.environ.get("BENCH_USERS", "1,10,30"))
    parser.add_argument(
        "--duration",
        type=int,
        default=int(os.environ.get("BENCH_DURATION", "120")),
        help="seconds of load per level but the last (BENCH_DURATION)",
    )
    parser.add_argument(
        "--top-duration",
        type=int,
        default=int(os.environ.get("BENCH_TOP_DURATION", "360")),
        help="seconds of load at the last, highest level: the one judged against the targets, "
        "long enough for every route's p95 to rest on dozens of samples (BENCH_TOP_DURATION)",
    )
    parser.add_argument("--workers", type=int, default=int(os.environ.get("BENCH_WORKERS", "3")))
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", "8200")))
    parser.add_argument("--strict", action="store_true", help="also fail on routes over target")
    args = parser.parse_args()
    if args.step == "build":
        return step_build(args)
    if args.step == "plan":
        return step_plan(args)
    if args.step == "credentials":
        return step_credentials(args)
    return orchestrate(args)


def orchestrate(args: argparse.Namespace) -> int:
    if isinstance(sys.stdout, io.TextIOWrapper):  # a replaced stdout may not have reconfigure
        sys.stdout.reconfigure(line_buffering=True)
    levels = [int(n) for n in args.users.split(",") if n.strip()]
    started = time.perf_counter()
    now = dt.datetime.now(dt.UTC)
    OUT.mkdir(parents=True, exist_ok=True)
    database_url = bench_database_url("bench", "BENCH_DATABASE_URL")
    print(
        f"load bench {now:%Y-%m-%d %H:%M} UTC on {platform.node()}: {os.cpu_count()} cores, "
        f"python {platform.python_version()}; database {urlsplit(database_url).path.strip('/')}; "
        f"gunicorn {args.workers} workers x {-(-max(levels) // args.workers)} threads; "
        f"users {levels}, {args.duration} s each, {args.top_duration} s at {max(levels)}; "
        f"code {_commit()}; load average {_load()} before it"
    )
    create_database(database_url, "bench", "BENCH_DATABASE_URL", "load bench")
    bench = Bench(args, database_url)
    bench.run(sys.executable, "manage.py", "migrate", "--noinput", "-v", "0")
    small_report = bench.build(1)
    small = bench.plan(OUT / "plan-1x.json")
    large_report = bench.build(args.multiplier)
    files = {"plan": OUT / "plan.json", "credentials": OUT / "credentials.json"}
    large = bench.plan(OUT / f"plan-{args.multiplier}x.json")
    for label, report in ((1, small_report), (args.multiplier, large_report)):
        counts = ", ".join(f"{v} {k}" for k, v in report["counts"].items())
        print(f"data {label}x built in {report['total seconds']:.0f} s: {counts}")
    grew = compare_queries(small, large, args.multiplier)
    bad_status = [p["key"] for p in large["probes"] if p["status"] not in OK_STATUSES]
    print(f"\nnot loaded (no GET: they change data): {', '.join(large['not_loaded'])}")
    print(f"left out: {', '.join(large['skipped'])}")

    files["plan"].write_text(json.dumps([p for p in large["probes"] if p["status"] in OK_STATUSES]))
    bench.step("credentials", "--users", str(max(levels)), "--out", str(files["credentials"]))
    kinds = {p["name"]: p["kind"] for p in large["probes"]}
    results: dict[int, list[dict[str, Any]]] = {}
    threads = -(-max(levels) // args.workers)
    server = start_gunicorn(bench, args.port, args.workers, threads)
    try:
        run_locust(bench, args.port, min(3, max(levels)), 10, files)  # warm every worker
        for users in levels:
            seconds = args.top_duration if users == max(levels) else args.duration
            data = run_locust(bench, args.port, users, seconds, files)
            results[users] = level_rows(data, kinds)
            print_level(users, results[users])
            print(f"load average at the end of this level: {_load()}")
    finally:
        stop(server)

    top = max(levels)
    over = [r for r in results[top] if r["over"]]
    judged = [r for r in results[top] if r["target"]]
    if judged:
        fewest = min(judged, key=lambda r: r["count"])
        print(
            f"\nfewest samples of a route with a target at {top} users: "
            f"{fewest['count']} ({fewest['name']})"
        )
    print(f"\n-- over target at {top} users ({len(over)}):")
    for r in sorted(over, key=lambda r: -r["ratio"] if r["ratio"] == r["ratio"] else 0):
        print(
            f"  {r['name']}: p95 {r['p95']:.0f} ms = {r['ratio']:.1f}x bare (target {r['target']}x)"
        )
    saved = OUT / f"load-{now:%Y%m%dT%H%M}.json"
    saved.write_text(
        json.dumps(
            {
                "date": now.isoformat(),
                "cores": os.cpu_count(),
                "workers": args.workers,
                "duration": args.duration,
                "top duration": args.top_duration,
                "multiplier": args.multiplier,
                "data": {"1x": small_report, f"{args.multiplier}x": large_report},
                "queries": {"1x": small["probes"], f"{args.multiplier}x": large["probes"]},
                "levels": {str(k): v for k, v in results.items()},
            },
            indent=1,
        )
    )
    print(
        f"\nfigures saved to {saved.relative_to(ROOT)}; "
        f"{time.perf_counter() - started:.0f} s in all"
    )
    status = 0
    if grew:
        print(
            f"\nFAIL: the query count GREW with the data on {len(grew)} request(s):",
            file=sys.stderr,
        )
        for key in grew:
            print(f"  {key}", file=sys.stderr)
        status = 1
    if bad_status:
        print(f"\nFAIL: sample requests did not answer 200: {bad_status}", file=sys.stderr)
        status = 1
    if args.strict and over:
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
