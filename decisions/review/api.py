"""JSON API of the review: approve (or override), return or reject a submitted case."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from ninja.errors import ValidationError
from pydantic import Field

from decisions.records.content import record_full
from decisions.review.services import review_decide
from sourcing.access import signed_in_user
from sourcing.api_schemas import responses
from sourcing.dates import parse_date_text
from sourcing.models import Case

router = Router(tags=["decisions"])


class ReviewIn(Schema):
    action: str
    option: str | None = None
    rationale: str = ""
    review_by: str | None = Field(
        None,
        max_length=60,
        description='A date as people write it: "2029-03-27", "27/3/2029", "27 March 2029"',
    )

    model_config = {"extra": "forbid"}


@router.post(
    "/cases/{case_id}/review",
    url_name="case_review",
    response=responses({200: dict[str, Any], 201: dict[str, Any]}),
)
def review(request: HttpRequest, case_id: int, body: ReviewIn) -> Any:
    """Approve (optionally another option: an override), return or reject a submitted case."""
    case = get_object_or_404(Case.objects.visible_to(request.user), pk=case_id)
    review_by = None
    if body.review_by is not None and body.review_by.strip():
        answer = parse_date_text(body.review_by, label="review-by date")
        if answer.value is None:
            raise ValidationError([{"loc": ["body", "review_by"], "msg": answer.message}])
        review_by = answer.value
    record = review_decide(
        case=case,
        by=signed_in_user(request),
        action=body.action,
        option=body.option,
        rationale=body.rationale,
        review_by=review_by,
    )
    case.refresh_from_db()
    if record is None:
        return {"case_id": case.pk, "status": case.status, "record": None}
    return Status(201, {"case_id": case.pk, "status": case.status, "record": record_full(record)})
