"""The quarterly Public Interest Test return's pages: the return of a quarter (printable: the
print stylesheet in static/css/app.css leaves out the navigation and the form) and its CSV.
Department users see their own department's return only; reviewers and auditors any
department's, or every department's (declared in sourcing.access.PERMISSIONS)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from decisions.presenter import date_text, money_text, option_label
from decisions.records.public_interest import (
    OBLIGATION_FROM,
    FinancialQuarter,
    Part,
    PublicInterestReturn,
    ReturnRow,
    department_asked,
    public_interest_return,
    quarter_of,
    quarter_parse,
    quarters_with_decisions,
)
from sourcing.access import signed_in_user
from sourcing.field_errors import GovukForm
from sourcing.forms import department_choices, error_links, set_choices
from sourcing.models import Department, Role
from sourcing.questionnaire import display_value
from sourcing.spreadsheet import csv_download

CSV_COLUMNS = (
    "quarter",
    "department_code",
    "department",
    "reference",
    "title",
    "decided_on",
    "decision",
    "decided_option",
    "recommended",
    "overridden",
    "service_type",
    "whole_life_budget_gbp",
    "threshold_gbp",
    "ruleset_version",
    "part_1_good_candidate",
    "part_1_why",
    "part_1_indicators",
    "part_2_ready_to_insource",
    "part_2_why",
    "part_2_indicators",
    "parts_recorded_with_assessment",
    "department_explanation",
    "test_completed_before_decision",
    "flagged",
    "flag_reasons",
)


class ReturnForm(GovukForm):
    """The return's choice (a GET form): the quarter as "2026-Q3" (default: the current one)
    and a department's code ("" is every department; a department user has only their own)."""

    quarter = forms.CharField(required=False, max_length=20, label="Quarter")
    department = forms.ChoiceField(required=False, label="Department")

    def __init__(self, *args: Any, own: Department | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)
        choices = [(own.code, own.name)] if own is not None else department_choices()
        set_choices(self, "department", choices)

    def clean_quarter(self) -> FinancialQuarter | None:
        text: str = self.cleaned_data.get("quarter", "").strip()
        if not text:
            return None
        try:
            return quarter_parse(text)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error


def _return(
    request: HttpRequest,
) -> tuple[ReturnForm, PublicInterestReturn | None, dict[str, str]]:
    """The form (bound to the query string when it has one), the return (None when the form has
    errors) and the choice as query parameters."""
    user = signed_in_user(request)
    own = user.department if user.role == Role.COMMERCIAL else None
    code = str(request.GET.get("department", ""))
    if (
        own is not None
        and code
        and code != own.code
        and Department.objects.filter(code=code).exists()
    ):
        raise Http404  # another department's return: never reveal it
    form = ReturnForm(request.GET or None, own=own)
    if form.is_bound and not form.is_valid():
        return form, None, {}
    data = form.cleaned_data if form.is_bound else {}
    quarter = data.get("quarter") or quarter_of(timezone.now())
    department = department_asked(user, data.get("department") or "")
    params = {"quarter": quarter.code}
    if department is not None:
        params["department"] = department.code
    return form, public_interest_return(quarter=quarter, department=department), params


def _part_text(part: Part | None) -> tuple[str, str, str]:
    """(result, why, indicators) of a part in words, for the CSV."""
    if part is None:
        return "", "", ""
    indicators = "; ".join(
        f"{'met' if i.met else 'not met'}: {i.text} ({i.question} {i.answer})"
        for i in part.indicators
    )
    return ("yes" if part.result else "no"), part.why, indicators


def _row_view(row: ReturnRow) -> dict[str, Any]:
    return {
        "row": row,
        "decision": (
            f"Approved: {option_label(row.decided_option)}"
            if row.action == "approve"
            else "Rejected"
        ),
        "decided_on": date_text(row.decided_at),
        "budget": money_text(row.budget_gbp),
        "threshold": money_text(row.threshold_gbp),
        "service_type": display_value("service_type", row.service_type) or row.service_type,
    }


@require_safe
def public_interest_return_page(request: HttpRequest) -> HttpResponse:
    """The Public Interest Test return of a quarter (PPN 024): every decision in scope with
    its Part 1 and Part 2 results, the decision, and whether the test was completed before
    it; flagged rows say why in words."""
    form, result, params = _return(request)
    user = signed_in_user(request)
    own = user.department if user.role == Role.COMMERCIAL else None
    quarter = result.quarter if result else None
    context = {
        "form": form,
        "result": result,
        "rows": [_row_view(row) for row in result.rows] if result else [],
        "quarter": quarter,
        "query": urlencode(params),
        "previous_query": _query(quarter.previous(), params) if quarter else "",
        "next_query": _query(quarter.next(), params) if quarter else "",
        "other_quarters": [
            (q, _query(q, params)) for q in quarters_with_decisions(result.department or own)
        ]
        if result
        else [],
        "obligation_from": OBLIGATION_FROM,
        "own": own,
        "errors": error_links(form) if form.is_bound else [],
    }
    return render(request, "decisions/public_interest_return.html", context)


def _query(quarter: FinancialQuarter, params: dict[str, str]) -> str:
    return urlencode({**params, "quarter": quarter.code})


@require_safe
def public_interest_return_csv(request: HttpRequest) -> HttpResponse:
    """The return as CSV (one row per decision in scope; every cell safe from formulas)."""
    _form, result, _ = _return(request)
    if result is None:
        return public_interest_return_page(request)
    scope = re.sub(r"[^A-Za-z0-9-]", "", result.department.code) if result.department else "all"
    name = f"public-interest-test-return-{result.quarter.code}-{scope or 'department'}.csv"
    return csv_download(
        name,
        CSV_COLUMNS,
        (
            (
                result.quarter.code,
                row.department_code,
                row.department_name,
                row.reference,
                row.title,
                timezone.localtime(row.decided_at).date().isoformat(),
                row.action,
                row.decided_option,
                row.recommended,
                row.overridden,
                row.service_type,
                row.budget_gbp,
                row.threshold_gbp,
                row.ruleset_version,
                *_part_text(row.candidate),
                *_part_text(row.ready),
                row.parts_recorded,
                row.explanation,
                row.completed,
                not row.completed,
                " ".join(row.gaps),
            )
            for row in result.rows
        ),
    )
