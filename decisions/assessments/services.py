"""Assessments: run the current ruleset on a case and store the pinned result, preview unsaved
answers, replay under the pinned or today's version."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from decisions import engine
from decisions.assessments.models import Assessment
from decisions.assessments.selectors import assessment_sha256
from decisions.audit.services import audit_on
from decisions.rulesets.models import Ruleset
from decisions.rulesets.selectors import (
    current_engine_ruleset,
    engine_ruleset,
    engine_ruleset_stored,
)
from sourcing.errors import TransitionRefused, ValidationFailed
from sourcing.models import Case, Role, User

# What a replay compares between two results (ids and timestamps aside, the whole result).
COMPARED_FIELDS = (
    "recommended",
    "ranking",
    "scores",
    "viable",
    "ruled_out",
    "margin",
    "conditions",
    "policy_checks",
    "exit_readiness",
)


def _require_own_department(case: Case, by: User) -> None:
    if by.role != Role.COMMERCIAL or by.department_id != case.department_id:
        raise TransitionRefused("Only the case's own department can do this.")


@transaction.atomic
def assessment_run(*, case: Case, by: User) -> Assessment:
    """Run the current published ruleset on the case's answers and store the pinned result."""
    _require_own_department(case, by)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if not case.is_editable:
        raise TransitionRefused(
            f"This case is {case.get_status_display().lower()}; it cannot be assessed again."
        )
    ruleset = Ruleset.objects.current()
    if ruleset is None:
        raise TransitionRefused("No ruleset has been published yet.")
    problems = engine.validate_answers(case.answers, partial=False)
    if problems:
        errors: dict[str, list[str]] = {}
        for problem in problems:
            errors.setdefault(problem.key, []).append(problem.message)
        raise ValidationFailed(errors)
    result = engine.assess(case.answers, engine_ruleset(ruleset), with_flip=True)
    data = result.to_dict()
    assessment = Assessment(
        case=case,
        ruleset=ruleset,
        ruleset_version=ruleset.version,
        ruleset_sha256=ruleset.sha256,
        answers=dict(case.answers),
        answers_version=case.answers_version,
        result=data,
        recommended=data["recommended"] or "",
        created_by=by,
    )
    # Hashed once, here, and stored: the sign-off pages and services read it (selectors).
    assessment.sha256 = assessment_sha256(assessment)
    assessment.save(force_insert=True)
    # What the event says: the assessment, its pinned ruleset, the recommendation, the answers.
    pinned = {"ruleset": ruleset.version, "ruleset_sha256": ruleset.sha256}
    said = {"recommended": data["recommended"], "answers_version": case.answers_version}
    audit_on("case", case.pk, "case.assessed", by, assessment=assessment.pk, **pinned, **said)
    return assessment


def assessment_preview(answers: dict[str, Any]) -> dict[str, Any] | None:
    """A live, unsaved preview of the current ruleset on (possibly partial) answers, or None
    when no ruleset is published (rulesets.selectors.current_engine_ruleset: the version's
    content is read only when it is new to this process or changed)."""
    ruleset = current_engine_ruleset()
    if ruleset is None:
        return None
    valid = {
        k: v
        for k, v in answers.items()
        if k in engine.QUESTIONS and not engine.validate_answers({k: v}, partial=True)
    }
    return engine.assess(valid, ruleset, with_flip=False, partial=True).to_dict()


@dataclass(frozen=True)
class Replay:
    mode: str
    ruleset_version: str
    ruleset_sha256: str
    result: dict[str, Any]
    identical: bool
    differences: tuple[dict[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "ruleset": {"version": self.ruleset_version, "sha256": self.ruleset_sha256},
            "identical": self.identical,
            "differences": list(self.differences),
            "result": self.result,
        }


def assessment_replay(*, assessment: Assessment, mode: str) -> Replay:
    """Replay under the pinned version (identical) or today's version (what differs)."""
    if mode == "pinned":
        ruleset = assessment.ruleset
        if ruleset.sha256 != assessment.ruleset_sha256:
            raise TransitionRefused("The pinned ruleset no longer matches the recorded hash.")
    elif mode == "current":
        current = Ruleset.objects.current()
        if current is None:
            raise TransitionRefused("No ruleset has been published yet.")
        ruleset = current
    else:
        raise ValidationFailed({"ruleset": ["ruleset must be pinned or current"]})
    # Read without its content (assessments.selectors.assessment_for_replay): compiled by the
    # content's MD5 as stored, and checked against its sha256, as engine_ruleset does.
    content_md5 = getattr(assessment, "ruleset_content_md5", None)
    compiled = (
        engine_ruleset_stored(ruleset, content_md5)
        if mode == "pinned" and content_md5 is not None
        else engine_ruleset(ruleset)
    )
    result = engine.assess(assessment.answers, compiled, with_flip=True).to_dict()
    differences = tuple(
        {"field": name, "was": assessment.result.get(name), "now": result.get(name)}
        for name in COMPARED_FIELDS
        if assessment.result.get(name) != result.get(name)
    )
    identical = result == assessment.result
    return Replay(mode, ruleset.version, ruleset.sha256, result, identical, differences)
