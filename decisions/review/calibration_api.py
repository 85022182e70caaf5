"""JSON API of calibration (issue 20, items 3 and 6): the calibration report, read-only, and a
steward's golden case from a decision's outcome review (declared in
sourcing.access.PERMISSIONS)."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from decisions.records.selectors import record_whole
from decisions.review.calibration import (
    ChangeRow,
    CostRow,
    Decision,
    FollowRow,
    calibration_report,
    golden_case_from_outcome,
)
from sourcing.access import or_404, signed_in_user
from sourcing.api_body import documented_body, json_body
from sourcing.api_schemas import ReportFilters, page_of, responses

router = Router(tags=["decisions"])


def _cost(row: CostRow) -> dict[str, Any]:
    return {
        "key": row.key,
        "label": row.label,
        "outcomes": row.outcomes,
        "no_estimate": row.no_estimate,
        "estimate_gbp": row.estimate_gbp,
        "actual_cost_to_date_gbp": row.actual_gbp,
        "variance_gbp": row.variance_gbp,
        "variance_pct": row.variance_pct,
        "median_variance_pct": row.median_pct,
        "over_runs": row.over,
        "under_runs": row.under,
        "partial": row.partial,
    }


def _change(row: ChangeRow) -> dict[str, Any]:
    return {
        "option": row.option,
        "decisions": row.decisions,
        "superseded": row.superseded,
        "superseded_pct": row.superseded_pct,
        "reversed": row.reversed,
        "reversed_pct": row.reversed_pct,
    }


def _follow(row: FollowRow) -> dict[str, Any]:
    return {
        "decisions": row.decisions,
        "outcomes": row.outcomes,
        "delivered": row.delivered,
        "delivered_pct": row.delivered_pct,
        "on_time": row.on_time,
        "on_time_pct": row.on_time_pct,
        "same_again": row.same_again,
        "same_again_pct": row.same_again_pct,
        "variance_pct": row.variance_pct,
    }


def _decision(d: Decision) -> dict[str, Any]:
    o = d.outcome
    return {
        "reference": d.reference,
        "record_id": d.record_id,
        "title": d.title,
        "department": {"code": d.department_code, "name": d.department_name},
        "ruleset_version": d.ruleset_version,
        "recommended": d.recommended or None,
        "decided_option": d.decided_option,
        "overridden": d.overridden,
        "decided_at": d.decided_at.isoformat(),
        "superseded": d.superseded,
        "reversed": d.reversed,
        "outcome": None
        if o is None
        else {
            "seq": o.seq,
            "recorded_at": o.recorded_at.isoformat(),
            "delivered": o.delivered,
            "on_time": o.on_time,
            "months_late": o.months_late,
            "same_again": o.same_again,
            "benefits_realised": o.benefits_realised,
            "lock_in": o.lock_in,
            "estimate_gbp": o.estimate_gbp,
            "actual_cost_to_date_gbp": o.actual_gbp,
        },
        "variance_gbp": d.variance_gbp,
        "variance_pct": d.variance_pct,
        "partial": d.partial,
        "golden_case": d.golden_code,
    }


@router.get(
    "/calibration", url_name="calibration_report", response=responses({200: dict[str, Any]})
)
def calibration(request: HttpRequest, filters: Query[ReportFilters]) -> dict[str, Any]:
    """The calibration report (Centre of Excellence and auditors, read-only): outcomes against
    estimates over the approvals the filters keep (`department`, a code; `option`, the decided
    option; `since`/`until`, the decision's day, inclusive; 422 naming a bad filter).

    `approvals` and `with_outcome` count them; `cost` holds the over- or under-runs (`total`,
    `by_option`, `by_department`, `by_ruleset_version`): money in whole pounds, the actual
    whole-life cost to date minus the estimate for the decided option (positive: an over-run),
    `variance_pct` the summed variance over the summed estimate, `median_variance_pct` the
    median decision's, `partial` the reviews made before the whole-life period ended (cost to
    date, not pro-rated); `changes` the approvals later superseded or reversed by option;
    `overrides` how the decisions that `followed` the recommendation and those `overridden`
    turned out. `items` are the decisions with an outcome review (its latest), latest decision
    first, paged by `limit` and `offset` (`count` in all)."""
    report = calibration_report(**filters.filters())
    reviewed = report.with_outcome
    return {
        "approvals": len(report.decisions),
        "with_outcome": len(reviewed),
        "cost": {
            "total": _cost(report.total),
            "by_option": [_cost(r) for r in report.by_option],
            "by_department": [_cost(r) for r in report.by_department],
            "by_ruleset_version": [_cost(r) for r in report.by_version],
        },
        "changes": [_change(r) for r in report.changes],
        "overrides": {row.key: _follow(row) for row in report.follow},
        **page_of(reviewed, filters, _decision),
    }


class GoldenFromOutcomeIn(Schema):
    """The expected option of a golden case made from an outcome: needed (another option than
    the decided one) when the department would not choose the decided option again; otherwise
    left out."""

    option: Literal["buy", "build", "partner", "procure", "innovate"] | None = None

    model_config = {"extra": "forbid"}


@router.post(
    "/decisions/{int:record_id}/golden-case",
    url_name="decision_golden_case",
    response=responses({201: dict[str, Any]}),
    openapi_extra=documented_body(GoldenFromOutcomeIn),
)
def decision_golden_case(request: HttpRequest, record_id: int) -> Any:
    """A ruleset steward makes a golden case from a decision's latest outcome review (one
    action): the answers the record froze, expecting the decided option when the department
    would choose it again, else `option`. 201 with `{code, title, expected, source_case}`;
    409 when the decision has no outcome review or a golden case was already made from its
    case; 422 naming `option`."""
    user = signed_in_user(request)
    record = or_404(record_whole(user, record_id))
    body = json_body(request, GoldenFromOutcomeIn)
    golden = golden_case_from_outcome(record=record, by=user, option=body.option)
    return Status(
        201,
        {
            "code": golden.code,
            "title": golden.title,
            "expected": golden.expected,
            "source_case": record.reference,
            "basis": golden.basis,
        },
    )
