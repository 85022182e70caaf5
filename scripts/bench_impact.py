"""Benchmark a draft's impact preview over stored cases, through the real database path.

Run: python scripts/bench_impact.py [--cases 10000] [--database-url URL]. Without a URL it
builds a throwaway SQLite file in a temporary directory (never the project's database); a URL
you give must be a throwaway database too (it is migrated and filled). Prints plain figures.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.throwaway import bench_arguments, throwaway_django  # noqa: E402

TARGET_SECONDS = 10.0


def generate_answers(count: int, seed: int = 2026) -> list[dict[str, Any]]:
    """Complete, valid answer sets spread over the questionnaire (some with cost estimates)."""
    from decisions.engine import OPTIONS, QUESTIONS

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
                answers[key] = rng.randint(q.min, min(q.max, 3_000_000))
            elif rng.random() < 0.3:
                answers[key] = {o: rng.randint(50_000, 5_000_000) for o in rng.sample(OPTIONS, 3)}
        sets.append(answers)
    return sets


def bench_cases(
    answer_sets: list[dict[str, Any]], *, departments: int, status: str, first: int = 0
) -> list[Any]:
    """Bulk-create one case a set of answers, owned in turn by a commercial user of each of
    `departments` benchmark departments (made if missing), all with `status`, numbered from
    `first` (so a second call adds more); the cases."""
    from sourcing.models import Case, Role
    from sourcing.people.services import department_ensure, user_ensure

    owners = [
        user_ensure(username=f"owner-{d.code}", role=Role.COMMERCIAL, password="x", department=d)
        for d in (
            department_ensure(code=f"dept-{n}", name=f"Department {n}") for n in range(departments)
        )
    ]
    return Case.objects.bulk_create(
        [
            Case(
                reference=f"SRC-2026-{n + 1:05d}",
                title=f"Benchmark case {n + 1}",
                department=owners[n % len(owners)].department,
                owner=owners[n % len(owners)],
                answers=answers,
                status=status,
            )
            for n, answers in enumerate(answer_sets, start=first)
        ],
        batch_size=1000,
    )


def store_cases(count: int) -> tuple[Any, float]:
    """Bulk-create `count` assessed cases under the current version; (steward, seconds)."""
    from decisions import engine
    from decisions.assessments.models import Assessment
    from decisions.assessments.selectors import assessment_sha256
    from decisions.rulesets.selectors import engine_ruleset
    from decisions.rulesets.services import golden_cases_import, ruleset_publish_default
    from sourcing.models import CaseStatus, Role
    from sourcing.people.services import user_ensure

    started = time.perf_counter()
    current = ruleset_publish_default()
    golden_cases_import()
    compiled = engine_ruleset(current)
    steward = user_ensure(username="steward", role=Role.STEWARD, password="x")
    answer_sets = generate_answers(count)
    # The preview reads cases submitted at least once, never drafts.
    cases = bench_cases(answer_sets, departments=5, status=CaseStatus.SUBMITTED)
    assessments = []
    for case, answers in zip(cases, answer_sets, strict=True):
        recommended = engine.winner(answers, compiled) or ""
        assessment = Assessment(
            case=case,
            ruleset=current,
            ruleset_version=current.version,
            ruleset_sha256=current.sha256,
            answers=answers,
            answers_version=1,
            result={"recommended": recommended or None},
            recommended=recommended,
            created_by=case.owner,
        )
        assessment.sha256 = assessment_sha256(assessment)  # as assessment_run stores it
        assessments.append(assessment)
    Assessment.objects.bulk_create(assessments, batch_size=1000)
    return steward, time.perf_counter() - started


def main() -> int:
    """Build the data, run one impact preview and print the figures."""
    args = bench_arguments(__doc__, count="cases", default=10_000)
    workdir, migrate_seconds = throwaway_django(args.database_url, prefix="bench-impact-")
    from django.db import connection

    from decisions import engine
    from decisions.impact.services import latest_answers, ruleset_impact_start
    from decisions.rulesets.selectors import engine_ruleset
    from decisions.rulesets.services import ruleset_draft_create, ruleset_rule_save

    steward, store_seconds = store_cases(args.cases)

    draft = ruleset_draft_create(by=steward, version="2026.900")
    rule = next(r for r in draft.content["rules"] if r["id"] == "R03")
    rule = {**rule, "effects": {**rule["effects"], "buy": 20}}
    draft = ruleset_rule_save(draft=draft, by=steward, rule=rule, replaces="R03")

    started = time.perf_counter()
    run = ruleset_impact_start(draft=draft, by=steward)  # eager: runs when the start commits
    run.refresh_from_db()
    preview_seconds = time.perf_counter() - started

    # For comparison: the engine alone over the same answers, already in memory.
    answers = [(row[0], row[1]) for row in latest_answers()]
    if run.baseline is None:
        raise SystemExit("The impact preview ran without a baseline: publish a ruleset first.")
    started = time.perf_counter()
    engine.impact_preview(engine_ruleset(run.baseline), engine_ruleset(draft), answers)
    engine_seconds = time.perf_counter() - started

    result = run.result
    print(f"database: {connection.vendor} (throwaway)")
    print(f"migrate: {migrate_seconds:.2f} s; store {args.cases} cases: {store_seconds:.2f} s")
    print(f"impact preview status: {run.status}")
    print(
        f"cases previewed: {result.get('total')}; recommendations changed: {result.get('changed')}"
    )
    print(f"impact preview through the database: {preview_seconds:.2f} s")
    print(f"  per case: {preview_seconds / max(args.cases, 1) * 1e6:.0f} µs")
    print(f"engine alone (answers in memory): {engine_seconds:.2f} s")
    verdict = "within" if preview_seconds <= TARGET_SECONDS else "OVER"
    print(f"target <= {TARGET_SECONDS:.0f} s: {verdict}")
    workdir.cleanup()
    return 0 if run.status == "done" and preview_seconds <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
