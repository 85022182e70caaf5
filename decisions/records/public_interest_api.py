"""JSON API of the quarterly Public Interest Test return (PPN 024), read-only, with the access
of its page (declared in sourcing.access.PERMISSIONS)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router
from ninja.errors import ValidationError
from pydantic import Field

from decisions.records.public_interest import (
    OBLIGATION_FROM,
    QUARTER_HINT,
    Part,
    ReturnRow,
    department_asked,
    public_interest_return,
    quarter_of,
    quarter_parse,
)
from sourcing.access import signed_in_user
from sourcing.api_schemas import PageOut, PageQuery, page_of, responses
from sourcing.models import Department

router = Router(tags=["decisions"])


class ReturnQuery(PageQuery):
    """Which return: `quarter` as "2026-Q3" (the financial year's first calendar year and the
    quarter, Q1 April to June; default the current quarter) and `department` by code ("" is
    every department for reviewers and auditors, a department user's own for them)."""

    quarter: str = Field("", max_length=20, description='A financial quarter: "2026-Q3"')
    department: str = Field("", max_length=20, description="A department's code, or empty")


class ReturnOut(PageOut):
    """A quarter's return: one page of its rows, the quarter, the department (null: all) and
    how many decisions were in scope, completed and flagged."""

    quarter: str
    financial_year: str
    starts_on: str
    ends_on: str
    obligation_from: str
    obligation_applies: bool
    department: dict[str, str] | None
    decisions: int
    in_scope: int
    completed: int
    flagged: int


def _part(part: Part | None) -> dict[str, Any] | None:
    if part is None:
        return None
    return {
        "result": part.result,
        "why": part.why,
        "indicators": [
            {"key": i.key, "question": i.question, "answer": i.answer, "met": i.met, "text": i.text}
            for i in part.indicators
        ],
    }


def row_out(row: ReturnRow) -> dict[str, Any]:
    """One row of the return, as the API gives it (money in whole pounds)."""
    return {
        "record_id": row.record_id,
        "reference": row.reference,
        "title": row.title,
        "department": {"code": row.department_code, "name": row.department_name},
        "decided_at": row.decided_at.isoformat(),
        "decision": row.action,
        "decided_option": row.decided_option or None,
        "recommended": row.recommended or None,
        "overridden": row.overridden,
        "service_type": row.service_type,
        "whole_life_budget_gbp": row.budget_gbp,
        "threshold_gbp": row.threshold_gbp,
        "ruleset_version": row.ruleset_version,
        "check_result": row.check_result or None,
        "parts_recorded": row.parts_recorded,
        "part_1_good_candidate": _part(row.candidate),
        "part_2_ready_to_insource": _part(row.ready),
        "explanation": row.explanation,
        "completed_before_decision": row.completed,
        "flagged": not row.completed,
        "flag_reasons": list(row.gaps),
    }


@router.get(
    "/public-interest-returns",
    url_name="public_interest_returns",
    response=responses({200: ReturnOut}),
)
def public_interest_returns(request: HttpRequest, filters: Query[ReturnQuery]) -> dict[str, Any]:
    """The quarterly Public Interest Test return (PPN 024): every decision of the quarter in
    scope (a services need at or over its ruleset's threshold, £1,000,000), with its Part 1 and
    Part 2 results and indicators, the decision, and whether the test was completed before it
    (`flag_reasons` say why not). A department user gets their own department's only (another
    department's code: 404); 422 naming `quarter` or `department` when not valid. `limit` and
    `offset` page the rows."""
    problems = []
    quarter = quarter_of(timezone.now())
    if filters.quarter.strip():
        try:
            quarter = quarter_parse(filters.quarter)
        except ValueError:
            problems.append({"loc": ["query", "quarter"], "msg": QUARTER_HINT})
    department = None
    try:
        department = department_asked(signed_in_user(request), filters.department)
    except Department.DoesNotExist:
        msg = f"No department has the code {filters.department.strip()[:20]!r}"
        problems.append({"loc": ["query", "department"], "msg": msg})
    if problems:
        raise ValidationError(problems)
    result = public_interest_return(quarter=quarter, department=department)
    return {
        **page_of(result.rows, filters, row_out),
        "quarter": quarter.code,
        "financial_year": quarter.financial_year,
        "starts_on": quarter.first_day.isoformat(),
        "ends_on": quarter.last_day.isoformat(),
        "obligation_from": OBLIGATION_FROM.isoformat(),
        "obligation_applies": quarter.obligation_applies,
        "department": {"code": department.code, "name": department.name} if department else None,
        "decisions": result.decisions,
        "in_scope": len(result.rows),
        "completed": result.completed,
        "flagged": result.flagged,
    }
