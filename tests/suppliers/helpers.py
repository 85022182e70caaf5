"""Shared helpers for the supplier tests: catalogue rows, cases and approved decisions."""

from __future__ import annotations

from typing import Any

from decisions.assessments.services import assessment_run
from decisions.cases.services import case_create, case_submit, case_update, signoff_record
from decisions.review.services import review_decide
from decisions.rulesets.services import ruleset_publish_default
from sourcing.models import Case, Discipline, User
from suppliers.catalogue import catalogue_csv
from tests.sourcing.test_cases import complete_answers


def row(**changes: str) -> dict[str, str]:
    """A valid catalogue row, with changes."""
    base = {
        "company_number": "01234567",
        "name": "Example Software Ltd",
        "segments": "saas-platforms",
        "sme": "yes",
        "frameworks": "g-cloud",
        "capabilities": "case management;crm",
        "classification": "official",
        "clearance": "bpss",
        "accreditations": "cyber-essentials",
        "regions": "uk-wide",
        "website": "https://example.com",
        "description": "",
    }
    return {**base, **changes}


def csv_bytes(*rows: dict[str, str]) -> bytes:
    return catalogue_csv(rows).encode("utf-8")


def assessed_case(owner: User, **answers: Any) -> Case:
    """A case with complete answers (changed as given), assessed, signed off, ready to submit."""
    ruleset_publish_default()
    case = case_create(by=owner, title="Case management", answers={**complete_answers(), **answers})
    assessment = assessment_run(case=case, by=owner)
    explain = {
        c["check"]: "Explained."
        for c in assessment.result["policy_checks"]
        if c["result"] == "explain"
    }
    case_update(case=case, by=owner, explanations=explain, sro_name="Sam Owner")
    for discipline in Discipline.values:
        signoff_record(case=case, by=owner, discipline=discipline, name=f"{discipline} lead")
    case.refresh_from_db()
    return case


def approved_case(owner: User, reviewer: User, **answers: Any) -> Case:
    case = case_submit(case=assessed_case(owner, **answers), by=owner)
    review_decide(case=case, by=reviewer, action="approve")
    case.refresh_from_db()
    return case
