"""JSON API of assessments: run the current ruleset on a case, list a case's assessments,
replay one under the pinned or today's version (declared in sourcing.access.PERMISSIONS)."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from decisions.assessments.models import Assessment
from decisions.assessments.selectors import (
    assessment_visible,
    case_assessments,
    case_for_assessments,
)
from decisions.assessments.services import assessment_replay, assessment_run
from decisions.presenter import explanation_words
from sourcing.access import or_404, signed_in_user
from sourcing.api_body import documented_body, json_body
from sourcing.api_schemas import PageOut, PageQuery, page_of, responses
from sourcing.limits import api_throttles
from sourcing.models import Case

router = Router(tags=["cases"])


class ReplayIn(Schema):
    ruleset: Literal["pinned", "current"]

    model_config = {"extra": "forbid"}


def assessment_out(assessment: Assessment) -> dict[str, Any]:
    """The assessment object of the API contract; `in_words` says why, a close call, robustness
    and tensions as the pages do (null for results of a format 1 ruleset)."""
    return {
        **assessment.result,
        "id": assessment.pk,
        "case_id": assessment.case_id,
        "created_at": assessment.created_at.isoformat(),
        "ruleset": {"version": assessment.ruleset_version, "sha256": assessment.ruleset_sha256},
        "answers": assessment.answers,
        "answers_version": assessment.answers_version,
        "in_words": explanation_words(assessment.result),
    }


def _case(request: HttpRequest, case_id: int) -> Case:
    """A case the caller may see, else 404."""
    return or_404(case_for_assessments(request.user, case_id))


@router.post(
    "/cases/{int:case_id}/assessments",
    url_name="case_assessments",
    response=responses({201: dict[str, Any]}),
    throttle=api_throttles("assess"),
)
def assessments_create(request: HttpRequest, case_id: int) -> Status[dict[str, Any]]:
    """Run the current published ruleset on the case's answers."""
    assessment = assessment_run(case=_case(request, case_id), by=signed_in_user(request))
    return Status(201, assessment_out(assessment))


@router.get(
    "/cases/{int:case_id}/assessments",
    url_name="case_assessments",
    response=responses({200: PageOut}),
)
def assessments_list(request: HttpRequest, case_id: int, page: Query[PageQuery]) -> dict[str, Any]:
    """Every assessment of the case, newest first; `limit` and `offset` page them."""
    case = _case(request, case_id)
    return page_of(case_assessments(case), page, assessment_out)


@router.post(
    "/assessments/{int:assessment_id}/replay",
    url_name="assessment_replay",
    response=responses({200: dict[str, Any]}),
    openapi_extra=documented_body(ReplayIn),
)
def replay(request: HttpRequest, assessment_id: int) -> dict[str, Any]:
    """Replay under the pinned version (identical) or today's (what differs)."""
    assessment = or_404(assessment_visible(request.user, assessment_id))
    body = json_body(request, ReplayIn)
    return assessment_replay(assessment=assessment, mode=body.ruleset).to_dict()
