"""Benchmark the Centre of Excellence dashboard (issue 20): its page and its API at 100 and at
10,000 decisions, with the number of SQL queries of each, which must not grow.

Run: python scripts/bench_dashboard.py [--decisions 10000] [--database-url URL]. Without a URL
it builds a throwaway SQLite file in a temporary directory (never the project's database); a
URL you give must be a throwaway database too (it is migrated and filled). The decisions are
spread over eight departments and five financial quarters, each case submitted (some returned
and submitted again) before its decision, one approval in five an override, one decision in
ten a rejection, review-by dates from a year ago to three years ahead. Prints plain figures;
exits 1 when a query count grows with the data.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.throwaway import bench_arguments, throwaway_django  # noqa: E402

SMALL = 100
ROUNDS = 5
START = datetime(2025, 4, 1, 9, tzinfo=UTC)  # Q1 2025 to 2026
SPREAD_DAYS = 456  # five financial quarters


def store_decisions(count: int, *, first: int) -> float:
    """Bulk-create `count` decided cases (numbered from `first`) with their submissions,
    returns and decision records; seconds."""
    from django.db import connection

    from decisions.records.models import DecisionRecord
    from scripts.bench_impact import bench_cases, generate_answers
    from sourcing.models import CaseStatus, CaseStatusChange, Role
    from sourcing.people.services import user_ensure

    started = time.perf_counter()
    reviewer = user_ensure(username="reviewer", role=Role.REVIEWER, password="x")
    answers = generate_answers(count, seed=first + 1)
    cases = bench_cases(answers, departments=8, status=CaseStatus.APPROVED, first=first)
    options = ("buy", "build", "partner", "procure", "innovate")
    changes: list[tuple[CaseStatusChange, datetime]] = []
    records = []
    for n, case in enumerate(cases, start=first):
        decided_at = START + timedelta(days=(n * 37) % SPREAD_DAYS, hours=n % 7)
        waited = timedelta(days=1 + (n * 13) % 60, hours=n % 11)
        submitted = decided_at - waited
        steps = [(CaseStatus.SUBMITTED, submitted)]
        if n % 4 == 0:  # one case in four went back to the department once
            steps += [
                (CaseStatus.RETURNED, submitted + waited / 3),
                (CaseStatus.SUBMITTED, submitted + waited / 2),
            ]
        rejected = n % 10 == 9
        steps.append((CaseStatus.REJECTED if rejected else CaseStatus.APPROVED, decided_at))
        for to_status, at in steps:
            changes.append((CaseStatusChange(case=case, by=reviewer, to_status=to_status), at))
        recommended = options[n % 5]
        decided = "" if rejected else options[(n + (1 if n % 5 == 4 else 0)) % 5]
        records.append(
            DecisionRecord(
                seq=n + 1,
                case=case,
                reference=case.reference,
                department=case.department,
                action="reject" if rejected else "approve",
                recommended=recommended,
                decided_option=decided,
                overridden=not rejected and decided != recommended,
                decided_by=reviewer,
                decided_at=decided_at,
                review_by=date(2025, 12, 1) + timedelta(days=(n * 29) % 1100),
                content={"bench": True},
                record_sha256=f"{n:064x}",
            )
        )
    made = CaseStatusChange.objects.bulk_create([c for c, _ in changes], batch_size=1000)
    # auto_now_add stamps the insert's time: the history's own times are set afterwards.
    for change, (_, at) in zip(made, changes, strict=True):
        change.at = at
    CaseStatusChange.objects.bulk_update(made, ["at"], batch_size=500)
    DecisionRecord.objects.bulk_create(records, batch_size=1000)
    if connection.vendor == "postgresql":
        # As autovacuum would soon after a bulk load: the planner's statistics of the new rows.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return time.perf_counter() - started


def measure(client: Any, path: str) -> tuple[float, float, int]:
    """(median ms, worst ms, queries) of ROUNDS GETs of a path, after one warm-up."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assert client.get(path).status_code == 200, path
    timings, counts = [], []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        counts.append(len(queries))
        assert response.status_code == 200, path
    assert len(set(counts)) == 1, f"{path}: the query count varies between loads: {counts}"
    return statistics.median(timings), max(timings), counts[0]


PATHS = (
    ("page", "/review/dashboard/"),
    ("page, one department", "/review/dashboard/?department=dept-3"),
    ("CSV (time to decision)", "/review/dashboard/csv/time/"),
    ("API", "/api/v1/dashboard"),
)


def main() -> int:
    """Build 100 decisions, measure; add up to --decisions, measure again; compare."""
    args = bench_arguments(__doc__, count="decisions", default=10_000)
    workdir, _ = throwaway_django(args.database_url, prefix="bench-dashboard-")
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from sourcing.models import User

    # Django's test client calls itself "testserver".
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    print(f"database: {connection.vendor} (throwaway)")
    figures: dict[int, dict[str, tuple[float, float, int]]] = {}
    stored = 0
    for size in (SMALL, args.decisions):
        seconds = store_decisions(size - stored, first=stored)
        stored = size
        print(f"store decisions up to {size:,}: {seconds:.2f} s")
        client = Client()
        client.force_login(User.objects.get(username="reviewer"))
        figures[size] = {name: measure(client, path) for name, path in PATHS}
        for name, (median, worst, queries) in figures[size].items():
            print(
                f"{size:>6,} decisions  {name:<24} median {median:7.0f} ms, "
                f"worst {worst:7.0f} ms, {queries} queries"
            )
    grown = [
        f"{name}: {figures[SMALL][name][2]} -> {figures[args.decisions][name][2]} queries"
        for name, _ in PATHS
        if figures[SMALL][name][2] != figures[args.decisions][name][2]
    ]
    workdir.cleanup()
    if grown:
        print("FAILED: the number of queries grows with the decisions: " + "; ".join(grown))
        return 1
    print(f"query counts constant from {SMALL:,} to {args.decisions:,} decisions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
