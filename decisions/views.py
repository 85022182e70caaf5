"""Pages for the Centre of Excellence review, decision records, the audit chain and the public
register. Access is declared in sourcing.access.PERMISSIONS; objects are looked up through
cases_visible_to / records_visible_to, so what a user may not see is a 404.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import Max, OuterRef, Q, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from decisions.cases.selectors import current_signoffs
from decisions.forms import DecisionForm, QueueFilterForm, RecordSearchForm, ReopenForm
from decisions.impact.selectors import decisions_flagged_by_replay
from decisions.models import Assessment, DecisionAction, DecisionRecord
from decisions.pdf import public_interest_answers
from decisions.presenter import (
    CHECK_TAGS,
    EXIT_LEVELS,
    STATUS_TAGS,
    assessment_context,
    trace_rows,
)
from decisions.records import default_review_by, records_visible_to, register_entries
from decisions.records import register_entry as publishable
from decisions.review import review_blockers, review_decide, review_reopen
from decisions.verification import audit_verify
from sourcing.errors import TransitionRefused, ValidationFailed
from sourcing.models import Case, CaseStatus, Discipline, Role, User
from sourcing.questionnaire import LABELS, OPTION_LABELS, SECTIONS, display_value
from suppliers.contracts import contract_due_record_ids, next_review_date

PAGE_SIZE = 25
DUE_WITHIN_DAYS = 90
# review_decide's error keys -> the decision form's fields (dates report on their day input).
DECISION_FIELDS = {"action": "action", "option": "option", "rationale": "rationale"}
DECISION_FIELDS["review_by"] = "review_by_day"
# Error summary anchors: radios link to their first input, dates to their day input.
ANCHORS = {
    "action": "#action",
    "option": "#option",
    "review_by_day": "#review_by-day",
    "from_day": "#from-day",
    "to_day": "#to-day",
}


# Look-ups --------------------------------------------------------------------------------------


def _user(request: HttpRequest) -> User:
    """The signed-in user (the access middleware lets only signed-in users this far)."""
    return cast(User, request.user)


def _case(request: HttpRequest, reference: str) -> Case:
    """A case the user may see (reviewers: submitted at least once), else 404."""
    found = (
        Case.objects.visible_to(_user(request))
        .select_related("department", "owner")
        .filter(reference=reference)
        .first()
    )
    if found is None:
        raise Http404
    return found


def _record(request: HttpRequest, pk: int) -> DecisionRecord:
    """A record the user may see (a department user: their own department's), else 404."""
    found = (
        records_visible_to(_user(request))
        .select_related("department", "case", "decided_by", "supersedes", "superseded_by", "pdf")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


# Presentation helpers --------------------------------------------------------------------------


def _errors(form: Any) -> list[tuple[str, str]]:
    """(message, anchor) pairs of a form's errors for the GOV.UK error summary."""
    pairs = [
        (message, ANCHORS.get(name, f"#{name}"))
        for name in form.fields
        for message in form.errors.get(name, [])
    ]
    pairs += [(message, "#main-content") for message in form.non_field_errors()]
    return pairs


def _paginate(request: HttpRequest, items: QuerySet[Any], params: dict[str, str]) -> dict[str, Any]:
    """A page of items and the GOV.UK pagination links that keep the search parameters."""
    page: Page[Any] = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))

    def href(number: int) -> str:
        return "?" + urlencode({**params, "page": number})

    links = [
        {"ellipsis": True}
        if number == Paginator.ELLIPSIS
        else {"number": number, "href": href(number), "current": number == page.number}
        for number in page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)
    ]
    return {
        "page": page,
        "page_links": links if page.paginator.num_pages > 1 else [],
        "previous_href": href(page.previous_page_number()) if page.has_previous() else None,
        "next_href": href(page.next_page_number()) if page.has_next() else None,
    }


def _when(value: str | None) -> datetime | None:
    """An ISO datetime from a record's content, for the date filter."""
    return datetime.fromisoformat(value) if value else None


def _shown(key: str, value: Any) -> str:
    """An answer as people read it (questionnaire labels), or "Not answered"."""
    if value is None or value == "":
        return "Not answered"
    if key in LABELS:
        return display_value(key, value)
    return str(value)


def _answer_rows(answers: dict[str, Any], keys: Any) -> list[dict[str, str]]:
    return [
        {"label": LABELS[key][0] if key in LABELS else key, "value": _shown(key, answers.get(key))}
        for key in keys
    ]


def _answer_groups(answers: dict[str, Any]) -> list[dict[str, Any]]:
    """The answers as one summary list per questionnaire section."""
    return [{"title": s.title, "rows": _answer_rows(answers, s.keys)} for s in SECTIONS]


def _check_label(check: str) -> str:
    return check.replace("_", " ").capitalize()


def _decision_text(action: str, option: str) -> str:
    if action == DecisionAction.APPROVE:
        return f"Approved: {OPTION_LABELS.get(option, option)}"
    return "Rejected"


# Review queue and case review ------------------------------------------------------------------


@require_safe
def review_queue(request: HttpRequest) -> HttpResponse:
    """Submitted cases of every department, oldest submission first, with days waiting."""
    form = QueueFilterForm(request.GET or None)
    latest_assessment = Assessment.objects.filter(case=OuterRef("pk")).order_by(
        "-created_at", "-pk"
    )
    cases = (
        Case.objects.visible_to(_user(request))
        .select_related("department", "owner")
        .annotate(
            submitted_at=Max(
                "status_changes__at",
                filter=Q(status_changes__to_status=CaseStatus.SUBMITTED),
            ),
            recommended_option=Subquery(latest_assessment.values("recommended")[:1]),
        )
        .order_by("submitted_at", "pk")
    )
    params: dict[str, str] = {}
    status = "submitted"
    if form.is_valid():
        data = form.cleaned_data
        status = data["status"] or status
        if data["department"]:
            cases = cases.filter(department__code=data["department"])
            params["department"] = data["department"]
        if data["option"]:
            cases = cases.filter(recommended_option=data["option"])
            params["option"] = data["option"]
        if data["status"]:
            params["status"] = data["status"]
    if status != "all":
        cases = cases.filter(status=status)
    paged = _paginate(request, cases, params)
    today = timezone.now()
    rows = [
        {
            "case": case,
            "tag": STATUS_TAGS[case.status],
            "recommended": OPTION_LABELS.get(case.recommended_option or "", "None viable"),
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
        "errors": _errors(form) if form.is_bound else [],
    }
    return render(request, "decisions/review_queue.html", context)


def _review_context(case: Case, reviewer: User) -> dict[str, Any]:
    """Everything the reviewer reads before deciding."""
    assessment = case.assessments.select_related("ruleset").order_by("-created_at", "-pk").first()
    signoffs = current_signoffs(case)
    explanations = case.explanations or {}
    checks = assessment.result.get("policy_checks", []) if assessment else []
    return {
        "case": case,
        "tag": STATUS_TAGS[case.status],
        "answer_groups": _answer_groups(case.answers),
        **(assessment_context(assessment) if assessment else {"assessment": None}),
        "current": assessment is not None and assessment.answers_version == case.answers_version,
        "explanations": [
            {"label": _check_label(c["check"]), "text": explanations.get(c["check"], "")}
            for c in checks
            if c["result"] == "explain"
        ],
        "signoffs": [
            {
                "label": label,
                "signoff": signoffs.get(value),
                "stale": value in signoffs
                and signoffs[value].answers_version != case.answers_version,
            }
            for value, label in Discipline.choices
        ],
        "returns": list(
            case.status_changes.filter(to_status=CaseStatus.RETURNED)
            .select_related("by")
            .order_by("at", "pk")
        ),
        "blockers": review_blockers(case, reviewer) if case.status == CaseStatus.SUBMITTED else [],
        "record": case.records.filter(superseded_by__isnull=True).order_by("-seq").first(),
    }


@require_http_methods(["GET", "POST"])
def review_case(request: HttpRequest, reference: str) -> HttpResponse:
    """A submitted case with its assessment, and the reviewer's decision form."""
    case = _case(request, reference)
    reviewer = _user(request)
    context = _review_context(case, reviewer)
    assessment = context["assessment"]
    recommended = assessment.result.get("recommended") or "" if assessment else ""
    due = default_review_by(assessment.answers, timezone.now()) if assessment else None
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
            record = review_decide(case=case, by=reviewer, **form.decision())
        except ValidationFailed as failed:
            for key, problems in failed.errors.items():
                for problem in problems:
                    form.add_error(DECISION_FIELDS.get(key), problem)
        except TransitionRefused as refusal:
            refused = str(refusal)
        else:
            if record is None:
                messages.success(request, f"{case.reference} is returned to the department")
                return redirect("review_queue")
            verb = "approved" if record.action == DecisionAction.APPROVE else "rejected"
            messages.success(request, f"{case.reference} is {verb} and its decision record issued")
            return redirect("record_detail", pk=record.pk)
    errors = _errors(form) + ([(refused, "#decision")] if refused else [])
    context.update(
        {
            "form": form,
            "errors": errors,
            "can_decide": case.status == CaseStatus.SUBMITTED
            and not context["blockers"]
            and assessment is not None,
            "recommended_option": recommended,
            "option_labels": OPTION_LABELS,
            "review_by": form.date_parts("review_by"),
        }
    )
    return render(request, "decisions/review_case.html", context, status=409 if refused else 200)


@require_POST
def review_reopen_view(request: HttpRequest, reference: str) -> HttpResponse:
    """Open an approved decision for review again (its next record will supersede it)."""
    case = _case(request, reference)
    form = ReopenForm(request.POST)
    refused = ""
    if form.is_valid():
        try:
            review_reopen(case=case, by=_user(request), reason=form.cleaned_data["reason"])
        except ValidationFailed as failed:
            for problems in failed.errors.values():
                for problem in problems:
                    form.add_error("reason", problem)
        except TransitionRefused as refusal:
            refused = str(refusal)
        else:
            messages.success(request, f"{case.reference} is open for review again")
            return redirect("review_case", reference=case.reference)
    anchor = f"#reason-{case.reference}"
    errors = [(m, anchor) for m in form.errors.get("reason", [])]
    errors += [(refused, anchor)] if refused else []
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
    # Decisions the latest replay says would now come out differently are due too.
    flagged = decisions_flagged_by_replay()
    until = today + timedelta(days=DUE_WITHIN_DAYS)
    # Contract break points and ends bring a review forward too.
    by_contract = contract_due_record_ids(today=today, until=until)
    records = (
        DecisionRecord.objects.filter(
            Q(review_by__lte=until) | Q(pk__in=flagged) | Q(pk__in=by_contract),
            action=DecisionAction.APPROVE,
            superseded_by__isnull=True,
            case__status=CaseStatus.APPROVED,
        )
        .select_related("department", "case")
        .order_by("review_by", "pk")
    )
    rows = []
    for record in records:
        due = next_review_date(record, today=today)
        rows.append(
            {
                "record": record,
                "option": OPTION_LABELS.get(record.decided_option, record.decided_option),
                "overdue": due < today,
                "flagged": record.pk in flagged,
                "due": due,
                "days": abs((due - today).days),
                "form": form if record.reference == failed else None,
            }
        )
    rows.sort(key=lambda row: (row["due"], row["record"].pk))
    errors = errors or []
    if failed and not any(row["record"].reference == failed for row in rows):
        # The case is not in the list (not approved, say): the summary is all there is.
        errors = [(text, "") for text, _ in errors]
        failed = ""
    context = {"rows": rows, "errors": errors, "failed": failed, "within": DUE_WITHIN_DAYS}
    return render(request, "decisions/review_due.html", context, status=status)


# Decision records ------------------------------------------------------------------------------


@require_safe
def record_list(request: HttpRequest) -> HttpResponse:
    """Decision records (a department user: their own department's), searchable and paginated."""
    user = _user(request)
    form = RecordSearchForm(request.GET or None, departments=user.role != Role.COMMERCIAL)
    records = records_visible_to(user).for_list().select_related("decided_by")
    params: dict[str, str] = {}
    errors: list[tuple[str, str]] = []
    if form.is_bound and not form.is_valid():
        errors = _errors(form)
        records = records.none()
    elif form.is_bound:
        data = form.cleaned_data
        zone = timezone.get_current_timezone()
        if data["reference"].strip():
            records = records.filter(reference__icontains=data["reference"].strip())
        if data.get("department"):
            records = records.filter(department__code=data["department"])
        if data["option"]:
            records = records.filter(decided_option=data["option"])
        if data["overridden"]:
            records = records.filter(overridden=data["overridden"] == "yes")
        start, end = form.dates.get("from"), form.dates.get("to")
        if start:
            records = records.filter(decided_at__gte=datetime.combine(start, time.min, zone))
        if end:
            after = datetime.combine(end + timedelta(days=1), time.min, zone)
            records = records.filter(decided_at__lt=after)
        params = {k: str(v) for k, v in request.GET.items() if k != "page" and k in form.fields}
        params = {k: v for k, v in params.items() if v.strip()}
    paged = _paginate(request, records, params)
    rows = [
        {
            "record": record,
            "title": record.content.get("identity", {}).get("title", ""),
            "decision": _decision_text(record.action, record.decided_option),
        }
        for record in paged["page"].object_list
    ]
    context = {
        **paged,
        "form": form,
        "rows": rows,
        "errors": errors,
        "filtered": bool(params) or bool(errors),
        "from_date": form.date_parts("from"),
        "to_date": form.date_parts("to"),
    }
    return render(request, "decisions/record_list.html", context)


def _record_context(record: DecisionRecord) -> dict[str, Any]:
    """Every section of a record's frozen content, ready to read."""
    content = record.content
    identity = content["identity"]
    need = content["need"]
    scoring = content["scoring"]
    accountability = content["accountability"]
    risk = content["risk_and_exit"]
    statuses = dict(CaseStatus.choices)
    disciplines = dict(Discipline.choices)
    exit_readiness = risk.get("exit_readiness")
    try:
        superseded_by: DecisionRecord | None = record.superseded_by
    except DecisionRecord.DoesNotExist:
        superseded_by = None
    return {
        "record": record,
        "pit": public_interest_answers(content),
        "identity": identity,
        "decision": _decision_text(record.action, record.decided_option),
        "recommended": OPTION_LABELS.get(scoring.get("recommended") or "", "None viable"),
        "created_at": _when(identity.get("created_at")),
        "decided_at": _when(identity.get("decided_at")),
        "assessed_at": _when(identity.get("assessed_at")),
        "history": [
            {
                **h,
                "at": _when(h["at"]),
                "from": statuses.get(h["from"], h["from"] or "—"),
                "to": statuses.get(h["to"], h["to"]),
            }
            for h in identity.get("status_history", [])
        ],
        "summary": need.get("summary", ""),
        "need": _answer_rows(need.get("answers", {}), need.get("answers", {}).keys()),
        "thresholds": need.get("thresholds_hit", []),
        "options": [
            {**o, "label": OPTION_LABELS.get(o["option"], o["option"])}
            for o in content.get("options", [])
        ],
        "evidence": _answer_rows(content.get("evidence", {}), content.get("evidence", {}).keys()),
        "scoring": scoring,
        "scores": [
            {
                "label": OPTION_LABELS.get(option, option),
                "score": scoring["scores"].get(option),
                "viable": scoring["viable"].get(option),
            }
            for option in scoring.get("ranking", [])
        ],
        "trace": trace_rows(scoring),
        "fired_count": sum(1 for e in scoring.get("trace", []) if e["fired"]),
        "flips": [
            {
                "question": LABELS[f["key"]][0] if f["key"] in LABELS else f["key"],
                "was": _shown(f["key"], f["from"]),
                "now": _shown(f["key"], f["to"]),
                "winner": OPTION_LABELS.get(f["winner"] or "", ""),
            }
            for f in scoring.get("flip") or []
        ],
        "weight_flips": [
            {
                **w,
                "option_label": OPTION_LABELS.get(w["option"], w["option"]),
                "winner_label": OPTION_LABELS.get(w["winner"], w["winner"]),
            }
            for w in scoring.get("weight_flips") or []
        ],
        "checks": [
            {
                **c,
                "label": _check_label(c["check"]),
                "tag": CHECK_TAGS.get(c["result"], (c["result"], "govuk-tag--grey")),
            }
            for c in content.get("policy_checks", [])
        ],
        "conditions": content.get("conditions", []),
        "lock_in": _shown("incumbent_lock_in", risk.get("incumbent_lock_in")),
        "exit": {
            **exit_readiness,
            "level": EXIT_LEVELS.get(
                exit_readiness["level"], (exit_readiness["level"], "govuk-tag--grey")
            ),
        }
        if exit_readiness
        else None,
        "exit_plan_required": risk.get("exit_plan_required"),
        "pilot": {
            **risk["pilot"],
            "tag": CHECK_TAGS.get(risk["pilot"]["result"], (risk["pilot"]["result"], "")),
        }
        if risk.get("pilot")
        else None,
        "accountability": accountability,
        "signoffs": [
            {
                **s,
                "discipline": disciplines.get(s["discipline"], s["discipline"]),
                "recorded_at": _when(s.get("recorded_at")),
            }
            for s in accountability.get("signoffs", [])
        ],
        "returns": [{**r, "at": _when(r["at"])} for r in accountability.get("returns", [])],
        "review_by": date.fromisoformat(content["review_by"]),
        "publishable": content.get("publishable", {}),
        "superseded_by": superseded_by,
    }


@require_safe
def record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A decision record: every section of its content, its hashes and its links."""
    record = _record(request, pk)
    return render(request, "decisions/record_detail.html", _record_context(record))


# Audit chain and public register ---------------------------------------------------------------


@require_safe
def audit_chain(request: HttpRequest) -> HttpResponse:
    """The audit chain's verification result (it reads; it changes nothing)."""
    report = audit_verify().to_dict()
    return render(request, "decisions/audit_chain.html", {"report": report})


@require_safe
def register(request: HttpRequest) -> HttpResponse:
    """The public transparency register: approved current decisions, publishable fields only."""
    paged = _paginate(request, register_entries(), {})
    entries = []
    for record in paged["page"].object_list:
        entry = publishable(record)
        entry["decided_on"] = datetime.fromisoformat(entry["decided_at"])
        entry["option_label"] = OPTION_LABELS.get(entry["decided_option"], entry["decided_option"])
        entries.append(entry)
    return render(request, "decisions/register.html", {**paged, "entries": entries})
