"""Pages of the Centre of Excellence review: the queue, the case review with the decision form
(approve, approve another option, return, reject), the due-for-review list and reopening a
decision. Access is declared in sourcing.access.PERMISSIONS; a case the reviewer may not see
is a 404.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from decisions.assessments.fragments import assessment_result_html
from decisions.cases.selectors import (
    RETURN_TASKS,
    current_signoffs,
    return_before_resubmission,
)
from decisions.engine.similarity import NOT_COUNTED
from decisions.presenter import (
    STATUS_TAGS,
    answer_changes,
    answer_groups,
    check_label,
    explanation_changes,
    headline,
    question_label,
    recommendation_text,
    similar_cases_text,
)
from decisions.records.consistency import (
    KnownDecision,
    case_check,
    flagged_pairs,
    option_counts,
)
from decisions.records.models import DecisionAction
from decisions.records.public_interest import quarter_parse
from decisions.review import selectors, services
from decisions.review.dashboard import (
    PANELS,
    Period,
    dashboard,
    panels,
    quarter_label,
    recent_quarters,
)
from decisions.review.forms import DashboardFilterForm, DecisionForm, QueueFilterForm, ReopenForm
from decisions.review.fragments import panels_html
from sourcing.access import or_404, signed_in_user
from sourcing.errors import TransitionRefused, ValidationFailed
from sourcing.forms import ReportFilterForm, add_service_errors, error_links, form_service, saved
from sourcing.models import Case, CaseStatus, CaseStatusChange, Discipline, User
from sourcing.pagination import paginate
from sourcing.questionnaire import OPTION_LABELS
from sourcing.spreadsheet import csv_download

PAGE_SIZE = 25
# review_decide's error keys -> the decision form's fields (dates report on their day input).
# Error summary anchors: radios link to their first input, dates to their day input.
ANCHORS = {
    "action": "#action",
    "option": "#option",
    "rationale": "#rationale",
    "sections": "#sections",
}
DASHBOARD_QUARTERS = 12  # the quarters the page's select offers (the API takes any)


def _case(request: HttpRequest, reference: str) -> Case:
    """A case the user may see (reviewers: submitted at least once), else 404: on a GET read
    for what the page shows of its department and owner, on a POST whole (the services')."""
    return or_404(
        selectors.case_for_review(
            signed_in_user(request), reference, shown_only=request.method == "GET"
        )
    )


@require_safe
def review_queue(request: HttpRequest) -> HttpResponse:
    """Submitted cases of every department, oldest submission first, with days waiting."""
    form = QueueFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    option = data.get("option") or ""
    cases = selectors.queue_cases(signed_in_user(request), option=option)
    params: dict[str, str] = {}
    status = "submitted"
    if data:
        status = data["status"] or status
        if data["department"]:
            cases = cases.filter(department__code=data["department"])
            params["department"] = data["department"]
        if option:
            params["option"] = option
        if data["status"]:
            params["status"] = data["status"]
    if status != "all":
        cases = cases.filter(status=status)
    # Only the columns the queue shows (and groups by for submitted_at): not the answers.
    cases = (
        cases.select_related(None)
        .select_related("department")
        .only("reference", "title", "status", "department__name")
    )
    paged = paginate(request, cases, params, PAGE_SIZE)
    today = timezone.now()
    rows = [
        {
            "case": case,
            "tag": STATUS_TAGS[case.status],
            "recommended": recommendation_text(
                case.recommended_option, case.close_with, none="None viable"
            ),
            "days": (today - case.submitted_at).days
            if case.status == CaseStatus.SUBMITTED and case.submitted_at
            else None,
        }
        for case in paged["page"].object_list
    ]
    context = {
        **paged,
        "form": form,
        "rows": rows,
        "filtered": bool(params),
        "errors": error_links(form, ANCHORS) if form.is_bound else [],
    }
    return render(request, "decisions/review_queue.html", context)


def _since_return(case: Case, history: list[CaseStatusChange]) -> dict[str, Any] | None:
    """What the department changed since the return its resubmission answers: the answers
    and explanations that differ, in words (None when the submission followed no return).
    `history` is the case's status_history."""
    change = return_before_resubmission(case, history)
    if change is None:
        return None
    snapshot = change.snapshot or {}
    return {
        "change": change,
        "kept": bool(snapshot),
        "sections": [RETURN_TASKS[t] for t in change.sections if t in RETURN_TASKS],
        "answers": answer_changes(snapshot.get("answers", {}), case.answers),
        "explanations": explanation_changes(snapshot.get("explanations", {}), case.explanations),
    }


def _consistency(case: Case, known: KnownDecision) -> dict[str, Any]:
    """The earlier decisions of every department most like the case (a decided case: those
    decided before it), each with the answers that differ, in words."""
    check = case_check(case, known=known)
    similar = check.similar
    return {
        "text": similar_cases_text(option_counts(similar)),
        "measured_against": check.measured_against,
        "rows": [
            {
                "similar": s,
                "option": OPTION_LABELS.get(s.record.decided_option, s.record.decided_option),
                "differs": [
                    row
                    for row in answer_changes(case.answers, s.record.case.answers)
                    if row["key"] not in NOT_COUNTED
                ],
            }
            for s in similar
        ],
    }


def _review_context(case: Case, reviewer: User) -> dict[str, Any]:
    """Everything the reviewer reads before deciding."""
    # Without its result: what the page reads of it is `shown_result`; the presentation is kept.
    assessment = selectors.assessment_for_review(case)
    shown: dict[str, Any] = assessment.shown_result if assessment else {}  # type: ignore[attr-defined]
    # Once, for the latest of each and the four-eyes check; only the columns the page reads.
    every_signoff = selectors.review_signoffs(case)
    signoffs = current_signoffs(case, every_signoff)
    history = selectors.review_history(case)  # the returns, and the return a resubmission answers
    record = selectors.current_record(case)
    explanations = case.explanations or {}
    checks = shown.get("policy_checks") or []
    return {
        "case": case,
        "tag": STATUS_TAGS[case.status],
        "answer_groups": answer_groups(case.answers),
        **(
            {
                # presenter.assessment_heading's, from the parts of the result read.
                "assessment": assessment,
                "recommended": OPTION_LABELS.get(shown["recommended"] or "", ""),
                "headline": headline(shown, none=""),
                "assessment_html": assessment_result_html(assessment, show_replay=False),
            }
            if assessment
            else {"assessment": None}
        ),
        "recommended_key": shown.get("recommended") or "",
        "current": assessment is not None and assessment.answers_version == case.answers_version,
        "explanations": [
            {"label": check_label(c["check"]), "text": explanations.get(c["check"], "")}
            for c in checks
            if c["result"] == "explain"
        ],
        "signoffs": [
            {
                "label": label,
                "signoff": signoffs.get(value),
                "stale": value in signoffs
                and signoffs[value].content_version != case.content_version,
            }
            for value, label in Discipline.choices
        ],
        "returns": [c for c in history if c.to_status == CaseStatus.RETURNED],
        "since_return": _since_return(case, history),
        "blockers": services.review_blockers(case, reviewer, signoffs=every_signoff)
        if case.status == CaseStatus.SUBMITTED
        else [],
        "record": record,
        "consistency": _consistency(
            case,
            KnownDecision(record, assessment.recommended if assessment is not None else None),
        ),
    }


@require_http_methods(["GET", "POST"])
def review_case(request: HttpRequest, reference: str) -> HttpResponse:
    """A submitted case with its assessment, and the reviewer's decision form."""
    case = _case(request, reference)
    reviewer = signed_in_user(request)
    context = _review_context(case, reviewer)
    assessment = context["assessment"]
    recommended = context["recommended_key"]
    due = services.default_review_by(assessment.answers, timezone.now()) if assessment else None
    initial = (
        {"review_by_day": due.day, "review_by_month": due.month, "review_by_year": due.year}
        if due
        else {}
    )
    data = request.POST if request.method == "POST" else None
    form = DecisionForm(data, recommended=recommended, initial=initial)
    refused = ""
    if form.is_valid():
        try:
            record = services.review_decide(case=case, by=reviewer, **form.decision())
        except ValidationFailed as failed:
            add_service_errors(form, failed.errors)
        except TransitionRefused as refusal:
            refused = str(refusal)
            # The same decision sent twice (a double click): answered with the first's result.
            repeat = services.review_repeat(
                case=case, by=reviewer, decision=services.ReviewDecision(**form.decision())
            )
            if repeat is not None:
                if repeat.record is None:
                    return redirect("review_queue")
                return redirect("record_detail", pk=repeat.record.pk)
        else:
            if record is None:
                messages.success(request, f"{case.reference} is returned to the department")
                return redirect("review_queue")
            verb = "approved" if record.action == DecisionAction.APPROVE else "rejected"
            messages.success(request, f"{case.reference} is {verb} and its decision record issued")
            return redirect("record_detail", pk=record.pk)
    errors = error_links(form, ANCHORS) + ([(refused, "#decision")] if refused else [])
    context.update(
        {
            "form": form,
            "errors": errors,
            "can_decide": case.status == CaseStatus.SUBMITTED
            and not context["blockers"]
            and assessment is not None,
            "recommended_option": recommended,
            "option_labels": OPTION_LABELS,
            "review_by": form.date_input("review_by"),
        }
    )
    return render(request, "decisions/review_case.html", context, status=409 if refused else 200)


@require_POST
def review_reopen_view(request: HttpRequest, reference: str) -> HttpResponse:
    """Open an approved decision for review again (its next record will supersede it)."""
    case = _case(request, reference)
    form = ReopenForm(request.POST)
    refused: list[str] = []
    by = signed_in_user(request)
    if (
        form_service(
            form,
            lambda: services.review_reopen(case=case, by=by, **form.cleaned_data),
            refused=refused.append,
        )
        is not None
    ):
        reopened = f"{case.reference} is open for review again"
        return saved(request, reopened, "review_case", reference=case.reference)
    anchor = f"#reason-{case.reference}"
    errors = [(str(m), anchor) for m in [*form.errors.get("reason", []), *refused]]
    return _render_due(
        request, failed=case.reference, form=form, errors=errors, status=409 if refused else 200
    )


@require_safe
def review_due(request: HttpRequest) -> HttpResponse:
    """Current approved decisions whose review-by date is within 90 days or past."""
    return _render_due(request)


def _render_due(
    request: HttpRequest,
    *,
    failed: str = "",
    form: ReopenForm | None = None,
    errors: list[tuple[str, str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    today = timezone.now().date()
    rows = [
        {
            **item,
            "option": OPTION_LABELS.get(
                item["record"].decided_option, item["record"].decided_option
            ),
            "overdue": item["due"] < today,
            "days": abs((item["due"] - today).days),
            "form": form if item["record"].reference == failed else None,
        }
        for item in selectors.due_for_review(today=today)
    ]
    errors = errors or []
    at = next((i for i, row in enumerate(rows) if row["record"].reference == failed), None)
    if failed and at is None:
        # The case is not in the list (not approved, say): the summary is all there is.
        errors = [(text, "") for text, _ in errors]
        failed = ""
    paged = paginate(
        request,
        rows,
        {},
        PAGE_SIZE,
        path=reverse("review_due"),
        number=at // PAGE_SIZE + 1 if at is not None else None,  # the page of the failed one
    )
    context = {
        **paged,
        "rows": paged["page"].object_list,
        "errors": errors,
        "failed": failed,
        "within": selectors.DUE_WITHIN_DAYS,
    }
    return render(request, "decisions/review_due.html", context, status=status)


# The consistency report's CSV columns (one row per flagged pair).
CONSISTENCY_COLUMNS = (
    "later_reference",
    "later_department",
    "later_decided_option",
    "later_decided_on",
    "later_recommended",
    "earlier_reference",
    "earlier_department",
    "earlier_decided_option",
    "earlier_decided_on",
    "earlier_recommended",
    "distance",
    "answers_that_differ",
)


def _consistency_pairs(
    request: HttpRequest,
) -> tuple[ReportFilterForm, list[Any], dict[str, str]]:
    """The report's filter form (bound to the query string), its flagged pairs (none when
    the filters are wrong) and the filters as query parameters."""
    form = ReportFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return form, [], {}
    return form, flagged_pairs(**form.filters()), form.query()


@require_safe
def consistency_report(request: HttpRequest) -> HttpResponse:
    """The Centre of Excellence's consistency report: pairs of current decisions across
    departments with near-identical answers and different options, latest first."""
    form, pairs, params = _consistency_pairs(request)
    paged = paginate(request, pairs, params, PAGE_SIZE)
    rows = [
        {
            "pair": pair,
            "later_option": OPTION_LABELS.get(pair.later.decided_option, pair.later.decided_option),
            "earlier_option": OPTION_LABELS.get(
                pair.earlier.decided_option, pair.earlier.decided_option
            ),
            "differs": [question_label(k) for k in pair.comparison.differs],
        }
        for pair in paged["page"].object_list
    ]
    context = {
        **paged,
        "form": form,
        "rows": rows,
        "filtered": bool(params),
        "query": urlencode(params),
        "errors": error_links(form, ReportFilterForm.ANCHORS) if form.is_bound else [],
    }
    return render(request, "decisions/consistency_report.html", context)


@require_safe
def consistency_report_csv(request: HttpRequest) -> HttpResponse:
    """The consistency report as CSV (the page's filters; every cell safe from formulas)."""
    form, pairs, _ = _consistency_pairs(request)
    if form.is_bound and not form.is_valid():
        return consistency_report(request)
    return csv_download(
        "consistency-report.csv",
        CONSISTENCY_COLUMNS,
        (
            (
                pair.later.reference,
                pair.later.department.name,
                pair.later.decided_option,
                pair.later.decided_at.date().isoformat(),
                pair.later.recommended,
                pair.earlier.reference,
                pair.earlier.department.name,
                pair.earlier.decided_option,
                pair.earlier.decided_at.date().isoformat(),
                pair.earlier.recommended,
                f"{pair.comparison.distance:.4f}",
                "; ".join(pair.comparison.differs),
            )
            for pair in pairs
        ),
    )


# The Centre of Excellence dashboard ---------------------------------------------------------------


def _dashboard_filters(
    request: HttpRequest,
) -> tuple[DashboardFilterForm, Period | None, dict[str, str]]:
    """The dashboard's filter form (bound to the query string), its period (None when a
    filter is wrong) and the filters as query parameters."""
    form = DashboardFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return form, None, {}
    return form, form.period(), form.query()


def _quarter_choices(form: DashboardFilterForm) -> list[tuple[str, str]]:
    """The quarter select's options: any quarter, the last DASHBOARD_QUARTERS, and the one
    asked for when it is older."""
    today = timezone.localdate()
    choices = [(q.code, quarter_label(q)) for q in recent_quarters(today, DASHBOARD_QUARTERS)]
    try:
        asked = quarter_parse(str(form["quarter"].value() or ""))
    except ValueError:
        return [("", "Any quarter"), *choices]
    if asked.code not in dict(choices):
        choices.append((asked.code, quarter_label(asked)))
    return [("", "Any quarter"), *choices]


@require_safe
def coe_dashboard(request: HttpRequest) -> HttpResponse:
    """The Centre of Excellence dashboard: decisions by quarter, option and department, the
    override rate, returns per case, days from submission to decision, reviews due and
    overdue; each chart with its data table and CSV (decisions.review.dashboard)."""
    form, period, params = _dashboard_filters(request)
    board = dashboard(period) if period is not None else None
    query = urlencode(params)
    context = {
        "form": form,
        "board": board,
        "panels_html": panels_html(panels(board), query) if board is not None else "",
        "quarters": _quarter_choices(form),
        "filtered": bool(params),
        "query": query,
        "errors": error_links(form, form.ANCHORS) if form.is_bound else [],
    }
    return render(request, "decisions/coe_dashboard.html", context)


@require_safe
def coe_dashboard_csv(request: HttpRequest, chart: str) -> HttpResponse:
    """One chart's data table as CSV (the page's filters; every cell safe from formulas); a
    chart that does not exist is a 404, wrong filters the page with its errors."""
    if chart not in PANELS:
        raise Http404
    _, period, _ = _dashboard_filters(request)
    if period is None:
        return coe_dashboard(request)
    panel = PANELS[chart](dashboard(period))
    return csv_download(f"dashboard-{chart}.csv", [c.name for c in panel.columns], panel.csv_rows())
