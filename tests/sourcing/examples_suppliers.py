"""Route matrix examples for the supplier pages (issue 8)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sourcing.models import Case, User


def _supplier(users: dict[str, User]) -> dict[str, dict[str, Any]]:
    from suppliers.catalogue import supplier_save

    supplier = supplier_save(
        by=users["admin"],
        values={
            "company_number": "01234567",
            "name": "Example Software Ltd",
            "segments": "saas-platforms",
            "sme": "yes",
        },
    )
    return {"own": {"company_number": supplier.company_number}}


def _import(users: dict[str, User]) -> dict[str, dict[str, Any]]:
    from suppliers.catalogue import catalogue_import
    from suppliers.reference import SAMPLE_CATALOGUE_PATH

    result = catalogue_import(by=users["admin"], raw=SAMPLE_CATALOGUE_PATH.read_bytes())
    assert result.record is not None
    return {"own": {"pk": result.record.pk}}


def _segment(users: dict[str, User]) -> dict[str, dict[str, Any]]:
    return {"own": {"key": "systems-integrators"}}


def _submitted(owner: User) -> Case:
    from decisions.cases.services import case_submit
    from decisions.rulesets.services import ruleset_publish_default
    from tests.sourcing.test_cases import ready_case

    ruleset_publish_default()
    return case_submit(case=ready_case(owner), by=owner)


def _approved(owner: User, reviewer: User) -> Case:
    from decisions.review.services import review_decide

    case = _submitted(owner)
    review_decide(case=case, by=reviewer, action="approve")
    case.refresh_from_db()
    return case


def _submitted_cases(users: dict[str, User]) -> dict[str, dict[str, Any]]:
    own = _submitted(users["commercial"])
    foreign = _submitted(users["outsider"])
    return {"own": {"reference": own.reference}, "foreign": {"reference": foreign.reference}}


def _approved_cases(users: dict[str, User]) -> dict[str, dict[str, Any]]:
    own = _approved(users["commercial"], users["reviewer"])
    foreign = _approved(users["outsider"], users["reviewer"])
    return {"own": {"reference": own.reference}, "foreign": {"reference": foreign.reference}}


EXAMPLES: dict[str, Callable[[dict[str, User]], dict[str, dict[str, Any]]]] = {
    "segment_detail": _segment,
    "supplier_detail": _supplier,
    "supplier_edit": _supplier,
    "catalogue_import_detail": _import,
    "case_shortlist": _submitted_cases,
    "contract_record": _approved_cases,
    "case_contracts": _approved_cases,
}
