"""Named reads of assessments: one the user may see, and the one definition of a case's latest
assessment."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db.models import OuterRef, QuerySet

from decisions.assessments.models import Assessment, AssessmentQuerySet
from decisions.engine.hashable import canonical_json
from sourcing.models import Case


def assessment_visible(user: Any, pk: int) -> Assessment | None:
    """The assessment if the user may see its case (Assessment.objects.visible_to), or None."""
    return Assessment.objects.visible_to(user).filter(pk=pk).first()


def case_for_assessments(user: Any, pk: int) -> Case | None:
    """A case the user may see (Case.objects.visible_to), with its department and owner, or
    None: the case of the assessments API."""
    return Case.objects.visible_to(user).select_related("department", "owner").filter(pk=pk).first()


def latest_assessment(case: Case) -> Assessment | None:
    """The case's latest assessment (newest first, ties by id), or None. Not with its ruleset:
    what the pages show of it is in its own columns (ruleset_version, ruleset_sha256), and a
    ruleset's content and golden results (about 300 KB of JSON) were decoded for nothing."""
    return Assessment.objects.filter(case=case).newest_first().first()


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
    signatory read."""
    body = {
        "ruleset_sha256": assessment.ruleset_sha256,
        "answers": assessment.answers,
        "result": assessment.result,
    }
    return hashlib.sha256(canonical_json(body)).hexdigest()
