"""The load bench's data: the demo data, then more copies of it, all through the real services.

`bench_data_build(multiplier=10)` leaves ten times the demo data: the demo cases created,
answered, assessed, signed off, submitted and decided again in nine more copies (titles marked
"(copy N)"), with their decision records, PDFs (rendered when tasks run eagerly, otherwise
waiting in the outbox), contracts, nine more catalogue imports of invented suppliers, and per
copy one bulk export (auditor) and one replay of approved decisions (reviewer). Once: a draft
ruleset with an impact preview (steward), so the steward's draft pages have something to show.
Safe to run again: copies and fixtures already there are skipped, so 1 then 10 adds copies 2-10.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

# The steward's draft (a version no shipped ruleset uses).
DRAFT_VERSION = "2026.900"
CATALOGUE_FILENAME = "bench-catalogue-{copy}.csv"


@dataclass
class BuildReport:
    """What a build made: seconds per step and the row counts afterwards."""

    multiplier: int
    seconds: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


def _user(username: str) -> Any:
    from sourcing.models import User

    return User.objects.get(username=username)


def seed_demo_data() -> None:
    """Copy 1: exactly what `manage.py seed_demo` loads."""
    from sourcing.demo import seed_cases, seed_golden_cases, seed_people, seed_suppliers

    seed_people()
    seed_cases()
    seed_golden_cases()
    seed_suppliers()


def seed_catalogue_copy(copy: int) -> int:
    """Another DEMO_SIZE invented suppliers (another seed) through the catalogue import;
    numbers already in the catalogue are left out, so no existing supplier changes."""
    from suppliers.catalogue import catalogue_csv, catalogue_import
    from suppliers.demo import DEMO_SIZE, SEED, demo_catalogue_rows
    from suppliers.models import CatalogueImport, Supplier

    filename = CATALOGUE_FILENAME.format(copy=copy)
    if CatalogueImport.objects.filter(filename=filename).exists():
        return 0
    rows = demo_catalogue_rows(DEMO_SIZE, seed=SEED + copy)
    taken = set(
        Supplier.objects.filter(company_number__in=[r["company_number"] for r in rows]).values_list(
            "company_number", flat=True
        )
    )
    fresh = [row for row in rows if row["company_number"] not in taken]
    catalogue_import(by=_user("ada"), raw=catalogue_csv(fresh).encode(), filename=filename)
    return len(fresh)


def seed_copy(copy: int) -> None:
    """One more copy of the demo cases, decisions, contracts and catalogue."""
    from sourcing.demo import demo_title, seed_cases
    from suppliers.demo import seed_demo_contracts

    seed_cases(copy=copy)
    seed_catalogue_copy(copy)
    seed_demo_contracts(title_of=lambda title: demo_title(title, copy))


def seed_fixtures(multiplier: int) -> None:
    """Objects that only some pages show: exports, replay runs, a draft with an impact run."""
    from decisions.exports.models import ExportJob
    from decisions.exports.services import export_start
    from decisions.impact.services import ruleset_impact_start, ruleset_replay_start
    from decisions.rulesets.models import Ruleset, RulesetRun
    from decisions.rulesets.services import ruleset_draft_create

    dave, carol, erin = _user("dave"), _user("carol"), _user("erin")
    for _ in range(ExportJob.objects.count(), multiplier):
        export_start(by=dave, filters={})
    replays = RulesetRun.objects.filter(kind=RulesetRun.Kind.REPLAY)
    for _ in range(replays.count(), multiplier):
        ruleset_replay_start(by=carol)
    draft = Ruleset.objects.filter(version=DRAFT_VERSION).first()
    if draft is None:
        draft = ruleset_draft_create(by=erin, version=DRAFT_VERSION)
    if not RulesetRun.objects.filter(kind=RulesetRun.Kind.IMPACT, ruleset=draft).exists():
        ruleset_impact_start(draft=draft, by=erin)


def data_counts() -> dict[str, int]:
    """Row counts of what the pages list."""
    from decisions.audit.models import AuditEvent
    from decisions.exports.models import ExportJob
    from decisions.records.models import DecisionRecord, RecordPdf
    from decisions.rulesets.models import RulesetRun
    from sourcing.models import Case
    from suppliers.models import Contract, Supplier

    return {
        "cases": Case.objects.count(),
        "decision records": DecisionRecord.objects.count(),
        "PDFs rendered": RecordPdf.objects.filter(status="done").count(),
        "PDFs in the outbox": RecordPdf.objects.exclude(status="done").count(),
        "suppliers": Supplier.objects.count(),
        "contracts": Contract.objects.count(),
        "exports": ExportJob.objects.count(),
        "ruleset runs": RulesetRun.objects.count(),
        "audit events": AuditEvent.objects.count(),
    }


def bench_data_build(*, multiplier: int) -> BuildReport:
    """The demo data times `multiplier` (1: the demo data and the fixtures alone)."""
    if multiplier < 1:
        raise ValueError("multiplier must be at least 1")
    report = BuildReport(multiplier=multiplier)
    started = time.perf_counter()
    seed_demo_data()
    report.seconds["demo data"] = time.perf_counter() - started
    for copy in range(2, multiplier + 1):
        started = time.perf_counter()
        seed_copy(copy)
        report.seconds[f"copy {copy}"] = time.perf_counter() - started
    started = time.perf_counter()
    seed_fixtures(multiplier)
    report.seconds["exports, runs, draft"] = time.perf_counter() - started
    report.counts = data_counts()
    return report
