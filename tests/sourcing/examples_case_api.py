"""Route matrix examples for the case API: a draft case (and assessment) of each department."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sourcing.models import User


def _cases(users: dict[str, User]) -> dict[str, dict[str, Any]]:
    from decisions.cases.services import case_create
    from decisions.rulesets.services import ruleset_publish_default

    ruleset_publish_default()
    own = case_create(by=users["commercial"], title="Own case")
    foreign = case_create(by=users["outsider"], title="Foreign case")
    return {"own": {"case_id": own.pk}, "foreign": {"case_id": foreign.pk}}


def _assessments(users: dict[str, User]) -> dict[str, dict[str, Any]]:
    from decisions.assessments.services import assessment_run
    from decisions.cases.services import case_create
    from decisions.rulesets.services import ruleset_publish_default
    from tests.sourcing.test_cases import complete_answers

    ruleset_publish_default()
    ids = {}
    for side, user in (("own", users["commercial"]), ("foreign", users["outsider"])):
        case = case_create(by=user, title=f"{side} case", answers=complete_answers())
        ids[side] = {"assessment_id": assessment_run(case=case, by=user).pk}
    return ids


EXAMPLES: dict[str, Callable[[dict[str, User]], dict[str, dict[str, Any]]]] = {
    "api:case": _cases,
    "api:case_assessments": _cases,
    "api:case_signoffs": _cases,
    "api:case_submit": _cases,
    "api:case_withdraw": _cases,
    "api:assessment_replay": _assessments,
}
