"""Route matrix examples for the review, record and audit pages (issue 6)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sourcing.models import Case, User


def _submitted(owner: User) -> Case:
    from decisions.cases.services import case_submit
    from decisions.rulesets.services import ruleset_publish_default
    from tests.sourcing.test_cases import ready_case

    ruleset_publish_default()
    return case_submit(case=ready_case(owner), by=owner)


def _approved(owner: User, reviewer: User) -> Any:
    from decisions.review.services import review_decide

    return review_decide(case=_submitted(owner), by=reviewer, action="approve")


def _submitted_case(users: dict[str, User]) -> dict[str, dict[str, Any]]:
    return {"own": {"reference": _submitted(users["commercial"]).reference}}


def _approved_case(users: dict[str, User]) -> dict[str, dict[str, Any]]:
    record = _approved(users["commercial"], users["reviewer"])
    return {"own": {"reference": record.reference}}


def _records(users: dict[str, User]) -> dict[str, dict[str, Any]]:
    own = _approved(users["commercial"], users["reviewer"])
    foreign = _approved(users["outsider"], users["reviewer"])
    return {"own": {"pk": own.pk}, "foreign": {"pk": foreign.pk}}


EXAMPLES: dict[str, Callable[[dict[str, User]], dict[str, dict[str, Any]]]] = {
    "review_case": _submitted_case,
    "review_reopen": _approved_case,
    "record_detail": _records,
}
