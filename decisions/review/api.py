"""JSON API of the review: approve (or override), return or reject a submitted case."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from decisions.assessments.selectors import current_assessment
from decisions.cases.selectors import case_visible
from decisions.records.consistency import case_check, flagged_pairs, summary
from decisions.records.content import record_full
from decisions.review.services import review_decide, review_problems
from sourcing.access import or_404, signed_in_user
from sourcing.api_body import documented_body, json_body
from sourcing.api_schemas import PageOut, ReportFilters, page_of, responses
from sourcing.dates import parse_date_text
from sourcing.models import Role

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
    sections: list[str] | None = Field(
        None,
        description="On a return, the tasks that need changes: questionnaire section slugs, "
        '"explanations" or "signoffs"',
    )

    model_config = {"extra": "forbid"}


def _review_by(text: Any) -> tuple[date | None, str | None]:
    """The review-by date as people write it: (the date, None), (None, why not) or (None,
    None) when not given."""
    if not isinstance(text, str) or not text.strip():
        return None, None
    answer = parse_date_text(text, label="review-by date")
    return answer.value, (None if answer.value is not None else answer.message)


def review_body_problems(
    data: dict[str, Any], recommended: str | None = None
) -> dict[str, list[str]]:
    """Every problem of a review's fields, as sent (review_problems, as review_decide checks
    them, against the case's recommendation when it has one) and the review-by date as
    people write it."""
    review_by, message = _review_by(data.get("review_by"))
    errors = review_problems(
        action=data.get("action"),
        rationale=data.get("rationale", ""),
        option=data.get("option"),
        recommended=recommended,
        review_by=review_by,
        sections=data.get("sections"),
    )
    if message:
        errors["review_by"] = [message]
    return errors


@router.post(
    "/cases/{int:case_id}/review",
    url_name="case_review",
    response=responses({200: dict[str, Any], 201: dict[str, Any]}),
    openapi_extra=documented_body(ReviewIn),
)
def review(request: HttpRequest, case_id: int) -> Any:
    """Approve (optionally another option: an override), return or reject a submitted case;
    422 listing every bad field at once."""
    case = or_404(case_visible(request.user, case_id))
    assessment = current_assessment(case)
    recommended = None if assessment is None else assessment.result.get("recommended") or ""
    body = json_body(request, ReviewIn, lambda d: review_body_problems(d, recommended))
    review_by, _ = _review_by(body.review_by)
    record = review_decide(
        case=case,
        by=signed_in_user(request),
        action=body.action,
        option=body.option,
        rationale=body.rationale,
        review_by=review_by,
        sections=body.sections,
    )
    case.refresh_from_db()
    if record is None:
        return {"case_id": case.pk, "status": case.status, "record": None}
    return Status(201, {"case_id": case.pk, "status": case.status, "record": record_full(record)})


@router.get(
    "/cases/{int:case_id}/similar",
    url_name="case_similar",
    response=responses({200: dict[str, Any]}),
)
def case_similar(request: HttpRequest, case_id: int) -> dict[str, Any]:
    """The consistency check of a case (read-only): how many earlier approved decisions of
    every department are like it, their options, and how many are flagged (near-identical
    answers decided differently from this case's decision, or its recommendation while under
    review). Reviewers and auditors also get each similar case (`items`: reference, record id,
    department, decided option and date, distance 0-1, the answer keys that differ, flag); a
    department user never sees another department's details, so gets no items. 404 for a case
    the caller may not see."""
    user = signed_in_user(request)
    case = or_404(case_visible(user, case_id))
    check = case_check(case)
    body: dict[str, Any] = {
        "case_id": case.pk,
        "measured_against": check.measured_against,
        "option": check.option or None,
        **summary(check.similar),
    }
    if user.role != Role.COMMERCIAL:
        body["items"] = [
            {
                "reference": s.record.reference,
                "record_id": s.record.pk,
                "department": {"code": s.record.department.code, "name": s.record.department.name},
                "decided_option": s.record.decided_option,
                "decided_at": s.record.decided_at.isoformat(),
                "distance": round(s.comparison.distance, 4),
                "differs": list(s.comparison.differs),
                "flagged": s.flagged,
                "flag": s.flag,
            }
            for s in check.similar
        ]
    return body


def _pair_side(record: Any) -> dict[str, Any]:
    return {
        "reference": record.reference,
        "record_id": record.pk,
        "department": {"code": record.department.code, "name": record.department.name},
        "recommended": record.recommended or None,
        "decided_option": record.decided_option,
        "decided_at": record.decided_at.isoformat(),
    }


@router.get("/consistency", url_name="consistency_report", response=responses({200: PageOut}))
def consistency_report(request: HttpRequest, filters: Query[ReportFilters]) -> dict[str, Any]:
    """The consistency report (Centre of Excellence and auditors, read-only): pairs of current
    decisions of any departments with near-identical answers and different decided options,
    latest first: `{later, earlier, distance, differs}`; filters `department` (a code, either
    side), `option` (either side), `since`/`until` (the later decision's day, inclusive); 422
    naming a bad filter. `limit` and `offset` page them."""
    pairs = flagged_pairs(**filters.filters())
    return page_of(
        pairs,
        filters,
        lambda pair: {
            "later": _pair_side(pair.later),
            "earlier": _pair_side(pair.earlier),
            "distance": round(pair.comparison.distance, 4),
            "differs": list(pair.comparison.differs),
        },
    )
