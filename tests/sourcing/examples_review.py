"""Route matrix examples for reviews and decision records (issue 6)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sourcing.models import User


def _decided(owner: User, reviewer: User) -> Any:
    from decisions.cases.services import case_submit
    from decisions.review.services import review_decide
    from decisions.rulesets.services import ruleset_publish_default
    from tests.sourcing.test_cases import ready_case

    ruleset_publish_default()
    case = case_submit(case=ready_case(owner), by=owner)
    return review_decide(case=case, by=reviewer, action="approve")


def _records(users: dict[str, User]) -> dict[str, dict[str, Any]]:
    own = _decided(users["commercial"], users["reviewer"])
    foreign = _decided(users["outsider"], users["reviewer"])
    return {"own": {"record_id": own.pk}, "foreign": {"record_id": foreign.pk}}


def _submitted_case(users: dict[str, User]) -> dict[str, dict[str, Any]]:
    from decisions.cases.services import case_submit
    from decisions.rulesets.services import ruleset_publish_default
    from tests.sourcing.test_cases import ready_case

    ruleset_publish_default()
    case = case_submit(case=ready_case(users["commercial"]), by=users["commercial"])
    return {"own": {"case_id": case.pk}}


EXAMPLES: dict[str, Callable[[dict[str, User]], dict[str, dict[str, Any]]]] = {
    "api:decision": _records,
    "api:case_review": _submitted_case,
}
