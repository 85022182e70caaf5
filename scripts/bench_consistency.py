"""Benchmark the consistency check (issue 20) over stored decisions: the similar cases of one
case (target under 200 ms) and the whole cross-department report (target under 10 s); then the
calibration report over the same decisions, half of them with an outcome review (no target: its
time and its number of queries, constant whatever the number of decisions).

Run: python scripts/bench_consistency.py [--decisions 10000] [--database-url URL]. Without a
URL it builds a throwaway SQLite file in a temporary directory (never the project's database);
a URL you give must be a throwaway database too (it is migrated and filled). The decisions are
clustered (families of near-identical answers, some decided differently) so the check has
similar cases to find, as real decisions do. Prints plain figures.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.throwaway import bench_arguments, throwaway_django  # noqa: E402

TARGET_ONE_MS = 200.0
TARGET_REPORT_SECONDS = 10.0
FAMILY = 10  # decisions per family of near-identical answers


def _vary(answers: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """The answers with one scale answer moved a step (a near-identical case)."""
    from decisions.engine import QUESTIONS
    from decisions.engine.similarity import DECISIVE

    keys = [k for k, q in QUESTIONS.items() if q.type == "choice" and q.scale and k not in DECISIVE]
    key = rng.choice(keys)
    choices = QUESTIONS[key].choices
    at = choices.index(answers[key]) if answers.get(key) in choices else 0
    return {**answers, key: choices[min(at + 1, len(choices) - 1) if at == 0 else at - 1]}


def store_decisions(count: int) -> float:
    """Bulk-create `count` approved cases and their current decision records; seconds."""
    from decisions.records.models import DecisionRecord
    from scripts.bench_impact import bench_cases, generate_answers
    from sourcing.models import CaseStatus, Role
    from sourcing.people.services import user_ensure

    started = time.perf_counter()
    rng = random.Random(20)
    reviewer = user_ensure(username="reviewer", role=Role.REVIEWER, password="x")
    bases = generate_answers(count // FAMILY + 1)
    answer_sets = [base if i == 0 else _vary(base, rng) for base in bases for i in range(FAMILY)][
        :count
    ]
    cases = bench_cases(answer_sets, departments=8, status=CaseStatus.APPROVED)
    options = ("buy", "build", "partner", "procure", "innovate")
    start = datetime(2025, 1, 1, tzinfo=UTC)
    DecisionRecord.objects.bulk_create(
        [
            DecisionRecord(
                seq=n + 1,
                case=case,
                reference=case.reference,
                department=case.department,
                action="approve",
                recommended=options[(n // FAMILY) % 5],
                # One decision in five of a family goes another way.
                decided_option=options[(n // FAMILY + (1 if n % 5 == 4 else 0)) % 5],
                decided_by=reviewer,
                decided_at=start + timedelta(minutes=n),
                review_by=date(2028, 1, 1),
                content={"bench": True},
                record_sha256=f"{n:064x}",
            )
            for n, case in enumerate(cases)
        ],
        batch_size=1000,
    )
    return time.perf_counter() - started


def store_outcomes() -> int:
    """An outcome review event for every other stored decision (bulk: the throwaway database's
    chain is not verified); how many."""
    from decisions.audit.models import AuditEvent
    from decisions.records.models import DecisionRecord
    from decisions.records.outcomes import OUTCOME_ACTION

    rng = random.Random(30)
    at = datetime(2027, 6, 1, tzinfo=UTC)
    events = [
        AuditEvent(
            seq=10**9 + n,
            occurred_at=at,
            action=OUTCOME_ACTION,
            object_type="decision_record",
            object_id=str(pk),
            payload={
                "delivered": rng.random() < 0.8,
                "on_time": (on_time := rng.random() < 0.6),
                "months_late": 0 if on_time else rng.randint(1, 12),
                "actual_cost_gbp": rng.randint(500_000, 1_500_000),
                "estimate_gbp": 1_000_000,
                "benefits_realised": "partly",
                "lock_in": "none",
                "same_again": rng.random() < 0.7,
            },
            prev_sha256="0" * 64,
            sha256=f"{10**9 + n:064x}",
        )
        for n, pk in enumerate(DecisionRecord.objects.order_by("pk").values_list("pk", flat=True))
        if n % 2 == 0
    ]
    AuditEvent.objects.bulk_create(events, batch_size=1000)
    return len(events)


def main() -> int:
    """Build the data, time the check of one case (median of 30) and the whole report."""
    args = bench_arguments(__doc__, count="decisions", default=10_000)
    workdir, _ = throwaway_django(args.database_url, prefix="bench-consistency-")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from decisions.records.consistency import flagged_pairs, similar_cases
    from sourcing.models import Case

    store_seconds = store_decisions(args.decisions)
    print(f"database: {connection.vendor} (throwaway)")
    print(f"store {args.decisions:,} approved decisions: {store_seconds:.2f} s")

    rng = random.Random(7)
    pks = list(Case.objects.values_list("pk", flat=True))
    timings: list[float] = []
    kept_timings: list[float] = []
    found: list[int] = []
    query_counts: list[int] = []
    kept_counts: list[int] = []
    for pk in rng.sample(pks, 30):
        case = Case.objects.get(pk=pk)
        # Computed (the first view since the last decision), then kept (every later view).
        for times, counts in ((timings, query_counts), (kept_timings, kept_counts)):
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                similar = similar_cases(case, option="buy")
            times.append((time.perf_counter() - started) * 1000)
            counts.append(len(queries))
            found.append(len(similar))
    one_ms = statistics.median(timings)
    print(
        f"similar cases of one case, computed: median {one_ms:.0f} ms, worst "
        f"{max(timings):.0f} ms (30 cases; {statistics.mean(found):.1f} similar found on "
        f"average; {max(query_counts)} queries at most); kept in the cache (every view until "
        f"the next decision): median {statistics.median(kept_timings):.1f} ms, worst "
        f"{max(kept_timings):.1f} ms ({max(kept_counts)} queries at most); load average "
        f"{os.getloadavg()[0]:.1f}"
    )

    started = time.perf_counter()
    pairs = flagged_pairs()
    report_seconds = time.perf_counter() - started
    print(f"whole consistency report: {report_seconds:.2f} s, {len(pairs):,} flagged pairs")

    from decisions.review.calibration import calibration_report

    outcomes = store_outcomes()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        calibration = calibration_report()
    calibration_seconds = time.perf_counter() - started
    print(
        f"calibration report: {calibration_seconds:.2f} s, {len(queries)} queries "
        f"({len(calibration.decisions):,} decisions, {outcomes:,} with an outcome)"
    )
    ok = one_ms <= TARGET_ONE_MS and report_seconds <= TARGET_REPORT_SECONDS
    one = "within" if one_ms <= TARGET_ONE_MS else "OVER"
    report = "within" if report_seconds <= TARGET_REPORT_SECONDS else "OVER"
    print(
        f"targets: one case <= {TARGET_ONE_MS:.0f} ms {one}; "
        f"report <= {TARGET_REPORT_SECONDS:.0f} s {report}"
    )
    workdir.cleanup()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
