"""Route matrix examples: URL kwargs for own-department and foreign objects."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from decisions.assessments.models import Assessment
from decisions.assessments.services import assessment_run
from decisions.cases.services import case_create
from decisions.rulesets.services import ruleset_publish_default
from sourcing.models import Case, User
from tests.sourcing.test_cases import complete_answers


def _cases(users: dict[str, User]) -> tuple[Case, Case]:
    own = case_create(by=users["commercial"], title="Own department's case")
    foreign = case_create(by=users["outsider"], title="Another department's case")
    return own, foreign


def _assessments(users: dict[str, User]) -> tuple[Assessment, Assessment]:
    ruleset_publish_default()
    answers = complete_answers()
    own = case_create(by=users["commercial"], title="Assessed case", answers=answers)
    foreign = case_create(by=users["outsider"], title="Foreign assessed case", answers=answers)
    return (
        assessment_run(case=own, by=users["commercial"]),
        assessment_run(case=foreign, by=users["outsider"]),
    )


def by_reference(users: dict[str, User]) -> dict[str, dict[str, Any]]:
    """A draft case of each department, by reference."""
    own, foreign = _cases(users)
    return {"own": {"reference": own.reference}, "foreign": {"reference": foreign.reference}}


def by_section(users: dict[str, User]) -> dict[str, dict[str, Any]]:
    """The first section of a draft case of each department."""
    own, foreign = _cases(users)
    return {
        "own": {"reference": own.reference, "section": "need"},
        "foreign": {"reference": foreign.reference, "section": "need"},
    }


def by_assessment(users: dict[str, User]) -> dict[str, dict[str, Any]]:
    """An assessment of each department's case."""
    own, foreign = _assessments(users)
    return {"own": {"pk": own.pk}, "foreign": {"pk": foreign.pk}}


EXAMPLES: dict[str, Callable[[dict[str, User]], dict[str, dict[str, Any]]]] = {
    "case_detail": by_reference,
    "case_section": by_section,
    "case_preview": by_reference,
    "case_check": by_reference,
    "case_assess": by_reference,
    "assessment_detail": by_assessment,
    "assessment_replay": by_assessment,
    "case_explanations": by_reference,
    "case_signoffs": by_reference,
    "case_submit": by_reference,
    "case_withdraw": by_reference,
}
