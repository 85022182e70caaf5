"""JSON API of the review: approve (or override), return or reject a submitted case."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.errors import ValidationError
from pydantic import Field

from decisions.assessments.selectors import current_assessment
from decisions.cases.selectors import case_visible
from decisions.records.consistency import case_check, flagged_pairs, summary
from decisions.records.content import record_full
from decisions.review.dashboard import (
    Figures,
    dashboard,
    quarter_label,
)
from decisions.review.forms import DashboardFilterForm
from decisions.review.selectors import DUE_WITHIN_DAYS
from decisions.review.services import (
    ReviewDecision,
    review_decide,
    review_problems,
    review_repeat,
)
from sourcing.access import or_404, signed_in_user
from sourcing.api_body import documented_body, json_body
from sourcing.api_schemas import PageOut, ReportFilters, form_problems, page_of, responses
from sourcing.dates import parse_date_text
from sourcing.errors import TransitionRefused
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
    422 listing every bad field at once. The same decision sent again by the same reviewer
    within 10 minutes (review_repeat) is answered as the first was, deciding nothing again;
    any other decision on a case no longer submitted: 409."""
    case = or_404(case_visible(request.user, case_id))
    assessment = current_assessment(case)
    recommended = None if assessment is None else assessment.result.get("recommended") or ""
    body = json_body(request, ReviewIn, lambda d: review_body_problems(d, recommended))
    review_by, _ = _review_by(body.review_by)
    reviewer = signed_in_user(request)
    decision = ReviewDecision(
        action=body.action,
        option=body.option,
        rationale=body.rationale,
        review_by=review_by,
        sections=body.sections,
    )
    try:
        record = review_decide(case=case, by=reviewer, **asdict(decision))
    except TransitionRefused:
        # The same decision sent again (a retry): answered with the first one's result, as the
        # page answers it, and nothing is decided or audited twice. Otherwise the 409 stands.
        repeat = review_repeat(case=case, by=reviewer, decision=decision)
        if repeat is None:
            raise
        record = repeat.record
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


# The Centre of Excellence dashboard --------------------------------------------------------------


class DashboardFilters(Schema):
    """The dashboard's filters, as on its page (decisions.review.forms.DashboardFilterForm
    checks them, so the API names the same bad fields with the same messages): a department's
    code, and a financial quarter or the days of the decisions (ISO 8601, inclusive). Plain
    text here, so that every bad one is named at once, never a pattern's message."""

    department: str = Field("", description="A department's code")
    quarter: str = Field(
        "",
        description='A financial quarter: "2026-Q1" is April to June 2026, "2026-Q4" January '
        "to March 2027",
    )
    since: str = Field("", description="The first day of decisions (ISO 8601)")
    until: str = Field("", description="The last day of decisions (ISO 8601)")


class DecisionsOut(Schema):
    total: int
    approved: int
    rejected: int
    by_option: dict[str, int] = Field(
        description="buy, build, partner, procure, innovate, rejected"
    )


class OverridesOut(Schema):
    approvals: int
    overrides: int
    rate_percent: int = Field(description="Overrides over approvals, a whole percentage")


class ReturnsOut(Schema):
    returns: int
    per_case: float = Field(description="Returns over decisions, two decimals")


class TimeOut(Schema):
    decisions: int = Field(description="Decisions with a submission in their episode")
    median: float | None = Field(description="Days, one decimal; null without decisions")
    p90: float | None = Field(description="Days, one decimal (90th percentile)")


class FiguresOut(Schema):
    decisions: DecisionsOut
    overrides: OverridesOut
    returns: ReturnsOut
    time_to_decision_days: TimeOut


class QuarterOut(FiguresOut):
    quarter: str
    label: str
    first_day: date
    last_day: date


class DepartmentReviewsOut(Schema):
    due: int
    overdue: int


class DepartmentOut(FiguresOut):
    code: str
    name: str
    reviews: DepartmentReviewsOut


class ReviewsOut(Schema):
    due: int
    overdue: int
    within_days: int


class PeriodOut(Schema):
    department: str | None
    since: date | None
    until: date | None


class DashboardOut(FiguresOut):
    period: PeriodOut
    as_of: date
    reviews: ReviewsOut
    quarters: list[QuarterOut]
    departments: list[DepartmentOut]


def _figures(f: Figures) -> dict[str, Any]:
    return {
        "decisions": {
            "total": f.decisions,
            "approved": f.approved,
            "rejected": f.rejected,
            "by_option": dict(f.by_outcome),
        },
        "overrides": {
            "approvals": f.approved,
            "overrides": f.overrides,
            "rate_percent": f.override_rate,
        },
        "returns": {"returns": f.returns, "per_case": f.returns_per_case},
        "time_to_decision_days": {"decisions": f.timed, "median": f.median_days, "p90": f.p90_days},
    }


@router.get("/dashboard", url_name="coe_dashboard", response=responses({200: DashboardOut}))
def coe_dashboard(request: HttpRequest, filters: Query[DashboardFilters]) -> dict[str, Any]:
    """The Centre of Excellence dashboard (reviewers and auditors, read-only), with the
    figures and definitions of its page (decisions.review.dashboard): decisions by option,
    the override rate, returns per case and days from submission to decision (median and 90th
    percentile) for the period, for each financial quarter and each department; reviews due
    (within `reviews.within_days` days) and overdue today. Filters: `department` (a code),
    `quarter` ("2026-Q1") or `since`/`until` (ISO 8601 days of the decisions); 422 naming
    each bad filter (a department that does not exist, a quarter given with days, an end
    before the start, as well as the document's types)."""
    form = DashboardFilterForm(
        {k: v.strip() for k, v in filters.dict().items() if isinstance(v, str) and v.strip()}
    )
    if not form.is_valid():
        raise ValidationError(form_problems(form))
    period = form.period()
    department = period.department
    board = dashboard(period)
    reviews = {code: {"due": due, "overdue": overdue} for code, _, due, overdue in board.reviews}
    departments = {code: (name, f) for code, name, f in board.departments}
    for code, name, _, _ in board.reviews:
        departments.setdefault(code, (name, Figures()))
    return {
        "period": {
            "department": department or None,
            "since": board.period.since,
            "until": board.period.until,
        },
        "as_of": board.today,
        **_figures(board.total),
        "reviews": {
            "due": board.reviews_due,
            "overdue": board.reviews_overdue,
            "within_days": DUE_WITHIN_DAYS,
        },
        "quarters": [
            {
                "quarter": q.code,
                "label": quarter_label(q),
                "first_day": q.first_day,
                "last_day": q.last_day,
                **_figures(f),
            }
            for q, f in board.quarters
        ],
        "departments": [
            {
                "code": code,
                "name": name,
                **_figures(f),
                "reviews": reviews.get(code, {"due": 0, "overdue": 0}),
            }
            for code, (name, f) in sorted(departments.items(), key=lambda d: d[1][0])
        ],
    }
