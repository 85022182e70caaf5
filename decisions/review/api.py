"""JSON API of the review: approve (or override), return or reject a submitted case."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from decisions.records.content import record_full
from decisions.review.services import review_decide
from sourcing.access import signed_in_user
from sourcing.api_schemas import responses
from sourcing.models import Case

router = Router(tags=["decisions"])


class ReviewIn(Schema):
    action: str
    option: str | None = None
    rationale: str = ""
    review_by: date | None = None

    model_config = {"extra": "forbid"}


@router.post(
    "/cases/{case_id}/review",
    url_name="case_review",
    response=responses({200: dict[str, Any], 201: dict[str, Any]}),
)
def review(request: HttpRequest, case_id: int, body: ReviewIn) -> Any:
    """Approve (optionally another option: an override), return or reject a submitted case."""
    case = get_object_or_404(Case.objects.visible_to(request.user), pk=case_id)
    record = review_decide(
        case=case,
        by=signed_in_user(request),
        action=body.action,
        option=body.option,
        rationale=body.rationale,
        review_by=body.review_by,
    )
    case.refresh_from_db()
    if record is None:
        return {"case_id": case.pk, "status": case.status, "record": None}
    return Status(201, {"case_id": case.pk, "status": case.status, "record": record_full(record)})
