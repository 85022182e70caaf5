"""Named reads of assessments: one the user may see, and the one definition of a case's latest
assessment."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import OuterRef, QuerySet, TextField
from django.db.models.fields.json import KeyTransform
from django.db.models.functions import MD5, Cast

from decisions.assessments.models import Assessment, AssessmentQuerySet
from decisions.engine.hashable import canonical_json
from sourcing.compiled_sql import compiled
from sourcing.models import Case


def assessment_visible(user: Any, pk: int) -> Assessment | None:
    """The assessment if the user may see its case (Assessment.objects.visible_to), or None."""
    return Assessment.objects.visible_to(user).filter(pk=pk).first()


def assessment_for_replay(user: Any, pk: int) -> Assessment | None:
    """assessment_visible's assessment without its ruleset's content and golden run (about 50
    KB of JSON) but with an MD5 of the content as stored (`ruleset_content_md5`, for
    decisions.rulesets.selectors.engine_ruleset_stored), or None."""
    return (
        Assessment.objects.visible_to(user)
        .defer("ruleset__content", "ruleset__golden_result")
        .annotate(ruleset_content_md5=MD5(Cast("ruleset__content", TextField())))
        .filter(pk=pk)
        .first()
    )


def case_for_assessments(user: Any, pk: int) -> Case | None:
    """A case the user may see (Case.objects.visible_to), with its department and owner, or
    None: the case of the assessments API."""
    return Case.objects.visible_to(user).select_related("department", "owner").filter(pk=pk).first()


def latest_assessment(case: Case) -> Assessment | None:
    """The case's latest assessment (newest first, ties by id), or None. Not with its ruleset:
    what the pages show of it is in its own columns (ruleset_version, ruleset_sha256), and a
    ruleset's content and golden results (about 300 KB of JSON) were decoded for nothing."""
    return Assessment.objects.filter(case=case).newest_first().first()


@dataclass(frozen=True)
class AssessmentSummary:
    """What a case's pages show of its latest assessment, read without its answers and whole
    result (about 50 KB of JSON at the ten-times bench data, decoded for a few fields).

    `result` holds only the result's `recommended`, `close_call` and `policy_checks` (read out
    by the database), so `decisions.presenter.close_runner_up` and the policy checks to explain
    read it as they read a whole result; anything else needs the Assessment itself.
    """

    pk: int
    answers_version: int
    recommended: str
    ruleset_version: str
    created_at: datetime
    result: dict[str, Any]
    sha256: str  # as stored (Assessment.sha256: assessment_sha256 of the whole assessment)


def latest_assessment_summary(case: Case) -> AssessmentSummary | None:
    """The case's latest assessment (latest_assessment's order) as an AssessmentSummary, or
    None: one query, the result's three keys taken out by the database, its SQL compiled once
    per process."""

    def build(case_id: int) -> QuerySet[Assessment, Any]:
        return (
            Assessment.objects.filter(case_id=case_id)
            .newest_first()
            .values(
                "pk",
                "answers_version",
                "recommended",
                "ruleset_version",
                "created_at",
                "sha256",
                result_recommended=KeyTransform("recommended", "result"),
                result_close_call=KeyTransform("close_call", "result"),
                result_policy_checks=KeyTransform("policy_checks", "result"),
            )[:1]
        )

    # Compiled once per process, the case's id its parameter (sourcing.compiled_sql).
    rows = compiled("latest-assessment-summary", build, params={"case_id": case.pk}).dicts()
    if not rows:
        return None
    row = rows[0]
    return AssessmentSummary(
        pk=row["pk"],
        answers_version=row["answers_version"],
        recommended=row["recommended"],
        ruleset_version=row["ruleset_version"],
        created_at=row["created_at"],
        result={
            "recommended": row["result_recommended"],
            "close_call": row["result_close_call"],
            "policy_checks": row["result_policy_checks"] or [],
        },
        sha256=row["sha256"],
    )


def current_assessment_sha256(case: Case) -> str | None:
    """The stored sha256 (Assessment.sha256) of the case's latest assessment when it is of the
    case's current answers, else None: what a signatory signs (one query of two columns,
    neither the answers nor the result read)."""
    row = (
        Assessment.objects.filter(case=case)
        .newest_first()
        .values_list("answers_version", "sha256")
        .first()
    )
    return row[1] if row is not None and row[0] == case.answers_version else None


def current_assessment(case: Case) -> Assessment | None:
    """The case's latest assessment of its current answers (the one a decision, a sign-off or
    a shortlist is made on), or None when its current answers have not been assessed."""
    return current_assessments(case).first()


def current_assessments(case: Case) -> AssessmentQuerySet:
    """The case's assessments of its current answers, newest first: the first is
    `current_assessment`, for a caller that reads only some of its columns."""
    return Assessment.objects.filter(case=case, answers_version=case.answers_version).newest_first()


def latest_assessment_per_case() -> QuerySet[Assessment]:
    """Each case's assessments newest first, for a subquery on a case list: filter on
    ``case=OuterRef("pk")`` is applied, take ``.values(field)[:1]``."""
    return Assessment.objects.filter(case=OuterRef("pk")).newest_first()


def case_assessments(case: Case) -> QuerySet[Assessment]:
    """Every assessment of a case, newest first."""
    return Assessment.objects.filter(case=case).newest_first()


def assessment_sha256(assessment: Assessment) -> str:
    """sha256 (64 hex) of the RFC 8785 canonical JSON of what a person reads as the assessment:
    `{"ruleset_sha256", "answers", "result"}`. The same answers under the same ruleset give
    the same hash (the engine's result is deterministic); a sign-off records the hash its
    signatory read. Computed once, when the assessment is made (services.assessment_run) or
    migrated (decisions/migrations/0018), and stored as `Assessment.sha256`: readers take the
    stored value (latest_assessment_summary, current_assessment_sha256)."""
    body = {
        "ruleset_sha256": assessment.ruleset_sha256,
        "answers": assessment.answers,
        "result": assessment.result,
    }
    return hashlib.sha256(canonical_json(body)).hexdigest()
