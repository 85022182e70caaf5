"""The calibration report's pages (issue 20, item 3): the report and its CSV for the Centre of
Excellence (reviewers, stewards) and auditors, and the steward's "make a golden case from this
outcome". Access is declared in sourcing.access.PERMISSIONS.
"""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from decisions.presenter import (
    money_text,
    option_label,
    over_under_text,
    percent_text,
    variance_text,
)
from decisions.records.selectors import record_whole
from decisions.review.calibration import (
    CalibrationReport,
    CostRow,
    Decision,
    calibration_report,
    golden_case_from_outcome,
)
from sourcing.access import or_404, signed_in_user
from sourcing.errors import TransitionRefused, ValidationFailed
from sourcing.forms import ReportFilterForm, error_links
from sourcing.pagination import paginate
from sourcing.spreadsheet import safe_cell

PAGE_SIZE = 25

# The calibration CSV's columns: one row per approval the filters keep (with or without an
# outcome), from which every table of the report can be worked out again.
CALIBRATION_COLUMNS = (
    "reference",
    "title",
    "department_code",
    "department",
    "ruleset_version",
    "recommended",
    "decided_option",
    "overridden",
    "decided_on",
    "superseded",
    "reversed",
    "outcome_recorded_on",
    "delivered",
    "on_time",
    "months_late",
    "same_again",
    "benefits_realised",
    "lock_in",
    "estimate_gbp",
    "actual_cost_to_date_gbp",
    "variance_gbp",
    "variance_pct",
    "cost_to_date_partial",
    "golden_case",
)


def _yes_no(value: bool) -> str:
    return "Yes" if value else "No"


def _cost_view(row: CostRow) -> dict[str, Any]:
    costed = row.outcomes > row.no_estimate
    return {
        "row": row,
        "estimate": money_text(row.estimate_gbp) if costed else "None",
        "actual": money_text(row.actual_gbp) if costed else "None",
        "variance": variance_text(row.variance_gbp, row.variance_pct) if costed else "No estimate",
        "median": over_under_text(row.median_pct),
    }


def _decision_view(decision: Decision) -> dict[str, Any]:
    outcome = decision.outcome
    view: dict[str, Any] = {
        "decision": decision,
        "anchor": f"outcome-{decision.reference}",
        "option": option_label(decision.decided_option),
        "recommended": option_label(decision.recommended)
        if decision.recommended
        else "None viable",
    }
    if outcome is not None:
        view |= {
            "delivered": _yes_no(outcome.delivered),
            "on_time": "Yes" if outcome.on_time else f"No, {outcome.months_late} months late",
            "same_again": _yes_no(outcome.same_again),
            "actual": money_text(outcome.actual_gbp),
            "estimate": money_text(outcome.estimate_gbp, none="No estimate"),
            "variance": variance_text(decision.variance_gbp, decision.variance_pct),
        }
    return view


def _report_or_none(form: ReportFilterForm) -> CalibrationReport | None:
    if form.is_bound and not form.is_valid():
        return None
    return calibration_report(**form.filters())


def _render(
    request: HttpRequest,
    form: ReportFilterForm,
    report: CalibrationReport | None,
    *,
    failed: str = "",
    failed_errors: dict[str, list[str]] | None = None,
    refused: str = "",
    status: int = 200,
) -> HttpResponse:
    """The report's page; after a refused golden case, with the error against its decision
    (`failed`, a reference), on the page of the list that shows it."""
    params = form.query()
    reviewed = report.with_outcome if report else []
    at = next((i for i, d in enumerate(reviewed) if d.reference == failed), None)
    paged = paginate(
        request,
        reviewed,
        params,
        PAGE_SIZE,
        path=reverse("calibration_report"),
        number=at // PAGE_SIZE + 1 if at is not None else None,
    )
    errors = error_links(form, ReportFilterForm.ANCHORS) if form.is_bound else []
    failed_messages = [m for ms in (failed_errors or {}).values() for m in ms]
    if failed and at is not None:
        errors += [(m, f"#option-{failed}") for m in failed_messages]
        errors += [(refused, f"#outcome-{failed}")] if refused else []
    elif failed:
        errors += [(m, "") for m in [*failed_messages, *([refused] if refused else [])]]
    context = {
        **paged,
        "form": form,
        "report": report,
        "rows": [_decision_view(d) for d in paged["page"].object_list],
        "by_option": [_cost_view(r) for r in report.by_option] if report else [],
        "by_department": [_cost_view(r) for r in report.by_department] if report else [],
        "by_version": [_cost_view(r) for r in report.by_version] if report else [],
        "total": _cost_view(report.total) if report else None,
        "changes": [
            {
                "row": r,
                "option": option_label(r.option),
                "superseded": percent_text(r.superseded_pct),
                "reversed": percent_text(r.reversed_pct),
            }
            for r in (report.changes if report else [])
        ],
        "follow": [
            {
                "row": r,
                "delivered": percent_text(r.delivered_pct),
                "on_time": percent_text(r.on_time_pct),
                "same_again": percent_text(r.same_again_pct),
                "variance": over_under_text(r.variance_pct),
            }
            for r in (report.follow if report else [])
        ],
        # The latest overrides with an outcome (all of them: the CSV, `overridden` yes).
        "overrides": [_decision_view(d) for d in report.overrides[:PAGE_SIZE]] if report else [],
        "overrides_count": len(report.overrides) if report else 0,
        "options": [
            (o, option_label(o)) for o in ("buy", "build", "partner", "procure", "innovate")
        ],
        "filtered": bool(params),
        "query": urlencode(params),
        "filter_params": sorted(params.items()),
        "errors": errors,
        "failed": failed if at is not None else "",
        "failed_messages": failed_messages if at is not None else [],
        "refused": refused if at is not None else "",
    }
    return render(request, "decisions/calibration_report.html", context, status=status)


@require_safe
def calibration_report_page(request: HttpRequest) -> HttpResponse:
    """The calibration report: outcomes against estimates by option, department and ruleset
    version; decisions later superseded or reversed; overrides and how they turned out; and
    the decisions with an outcome (a steward makes a golden case from one)."""
    form = ReportFilterForm(request.GET or None)
    return _render(request, form, _report_or_none(form))


@require_safe
def calibration_report_csv(request: HttpRequest) -> HttpResponse:
    """The calibration report's data as CSV: one row per approval the filters keep, money in
    whole pounds, every cell safe from formulas."""
    form = ReportFilterForm(request.GET or None)
    report = _report_or_none(form)
    if report is None:
        return _render(request, form, None)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CALIBRATION_COLUMNS)
    for d in report.decisions:
        o = d.outcome
        writer.writerow(
            [
                safe_cell(v)
                for v in (
                    d.reference,
                    d.title,
                    d.department_code,
                    d.department_name,
                    d.ruleset_version,
                    d.recommended,
                    d.decided_option,
                    d.overridden,
                    d.decided_at.date().isoformat(),
                    d.superseded,
                    d.reversed,
                    o.recorded_at.date().isoformat() if o else None,
                    o.delivered if o else None,
                    o.on_time if o else None,
                    o.months_late if o else None,
                    o.same_again if o else None,
                    o.benefits_realised if o else None,
                    o.lock_in if o else None,
                    o.estimate_gbp if o else None,
                    o.actual_gbp if o else None,
                    d.variance_gbp,
                    d.variance_pct,
                    d.partial if o else None,
                    d.golden_code,
                )
            ]
        )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="calibration-report.csv"'
    return response


def _posted_filters(request: HttpRequest) -> ReportFilterForm:
    """The report's filters the golden case form carried (hidden `filter-<name>` inputs), so a
    refusal shows the report as the steward had it."""
    data = {
        name: str(request.POST[f"filter-{name}"])
        for name in ReportFilterForm.FIELDS
        if request.POST.get(f"filter-{name}")
    }
    form = ReportFilterForm(data or None)
    return form if form.is_valid() or not data else ReportFilterForm(None)


@require_POST
def calibration_golden_case(request: HttpRequest, pk: int) -> HttpResponse:
    """A steward makes a golden case from a decision's outcome review (one action: the expected
    option is the decided one when the department would choose it again, else the option
    posted with it). Refused, the report shows why against the decision."""
    user = signed_in_user(request)
    record = or_404(record_whole(user, pk))
    option = str(request.POST.get("option", "")).strip() or None
    form = _posted_filters(request)
    try:
        golden = golden_case_from_outcome(record=record, by=user, option=option)
    except ValidationFailed as failed:
        report = _report_or_none(form)
        return _render(request, form, report, failed=record.reference, failed_errors=failed.errors)
    except TransitionRefused as refusal:
        report = _report_or_none(form)
        refused = str(refusal)
        return _render(request, form, report, failed=record.reference, refused=refused, status=409)
    messages.success(
        request,
        f"Golden case {golden.code} made from the outcome of {record.reference}: every ruleset "
        "published from now on must pass it",
    )
    query = urlencode(form.query())
    page = reverse("calibration_report") + (f"?{query}" if query else "")
    return redirect(f"{page}#outcome-{record.reference}")
