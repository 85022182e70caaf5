"""Pages for a department's sourcing cases: list, start, task list, questions, live preview,
check answers, recommendation, explanations, sign-offs, submit and withdraw.

Each view looks the case up through the department scope (another department's case is a 404,
partials included), validates a form, calls one service, and renders or redirects.
"""

from __future__ import annotations

import sys
from typing import Any, Final

from django.conf import settings
from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from decisions import presenter
from decisions.assessments.models import Assessment
from decisions.assessments.selectors import (
    AssessmentSummary,
    latest_assessment,
    latest_assessment_summary,
)
from decisions.assessments.services import assessment_preview, assessment_run
from decisions.cases import services
from decisions.cases.forms import (
    CaseListFilterForm,
    CaseStartForm,
    ExplanationsForm,
    SectionForm,
    SignOffDecideForm,
    SignOffForm,
    SignOffRequestForm,
    SroChooseForm,
    WithdrawForm,
    answer_prompt,
    field_id,
    missing_message,
)
from decisions.cases.history import answer_history
from decisions.cases.selectors import (
    PERSON_NAMES,
    RETURN_TASKS,
    cases_visible,
    cases_with_approved,
    changed_since_return,
    current_signoffs,
    department_people,
    latest_requests,
    open_return,
    person_name,
    signatories_among,
    signoff_request_asked_of,
    signoff_requests_decided_by,
    signoff_requests_for,
    signoff_versions,
    signoffs_shown,
    status_history,
)
from decisions.engine.schema import QUESTIONS, REQUIRED_KEYS
from decisions.presenter import (
    STATUS_TAGS,
    answer_shown,
    check_label,
    close_runner_up,
    descriptions,
    headline,
    option_rows,
    question_label,
    recommendation_text,
    top_reasons,
)
from decisions.rulesets.selectors import ruleset_published
from sourcing import models as sourcing_models
from sourcing.access import or_404, signed_in_user
from sourcing.compiled_sql import compiled
from sourcing.errors import Blocker, TransitionRefused, ValidationFailed
from sourcing.forms import add_service_errors, error_links, form_service, saved, service_ran
from sourcing.kept_html import kept_render
from sourcing.limits import rate_limited
from sourcing.models import (
    Case,
    CaseQuerySet,
    CaseStatus,
    CaseStatusChange,
    Discipline,
    SignOff,
    SignOffRequest,
    SignOffRequestStatus,
    User,
)
from sourcing.pagination import paginate
from sourcing.people import names
from sourcing.questionnaire import SECTIONS, Section

PAGE_SIZE = 20
SECTION_BY_SLUG: dict[str, Section] = {s.slug: s for s in SECTIONS}

# Task list statuses (GOV.UK task list component).
NOT_STARTED = ("Not yet started", "govuk-tag--blue")
IN_PROGRESS = ("In progress", "govuk-tag--light-blue")
COMPLETED = ("Completed", "")
CANNOT_START = ("Cannot start yet", "cannot")
NEEDS_CHANGES = ("Needs changes", "govuk-tag--red")


# Look-ups -------------------------------------------------------------------------------------


def _visible(request: HttpRequest) -> CaseQuerySet:
    """The cases this user may see."""
    return cases_visible(signed_in_user(request))


def _case(request: HttpRequest, reference: str) -> Case:
    """The case by reference if the user may see it, else 404."""
    return get_object_or_404(cases_visible(signed_in_user(request)), reference=reference)


def _section(slug: str) -> Section:
    return or_404(SECTION_BY_SLUG.get(slug))


# Presentation helpers -------------------------------------------------------------------------


def _latest_text(latest: Assessment | AssessmentSummary, none: str) -> str:
    """The latest assessment's recommendation in a few words, a near-tie said as one."""
    return recommendation_text(latest.recommended, close_runner_up(latest.result), none=none)


def _preview_context(case: Case, answers: dict[str, Any]) -> dict[str, Any]:
    """What the live preview panel shows for these (possibly partial, unsaved) answers."""
    result = assessment_preview(answers)
    answered = [k for k in REQUIRED_KEYS if k in answers]
    context: dict[str, Any] = {
        "case": case,
        "preview": result,
        "unanswered": len(REQUIRED_KEYS) - len(answered),
        "nothing_answered": not answered,
    }
    if result is not None and answered:
        leader = result["recommended"] or result["ranking"][0]
        context["preview_rows"] = option_rows(result, descriptions(result))
        context["preview_leader"] = headline(result) if result["recommended"] else None
        context["preview_reasons"] = top_reasons(result, leader)
    return context


def _section_status(section: Section, answers: dict[str, Any]) -> tuple[str, str]:
    required = [k for k in section.keys if QUESTIONS[k].required]
    if all(k in answers for k in required):
        return COMPLETED
    if any(k in answers for k in section.keys):
        return IN_PROGRESS
    return NOT_STARTED


def _task(title: str, href: str | None, status: tuple[str, str], hint: str = "") -> dict[str, Any]:
    return {"title": title, "href": href, "status": status[0], "kind": status[1], "hint": hint}


def _returned(task: dict[str, Any], key: str, named: set[str], changed: set[str]) -> None:
    """Mark a task the reviewer named "Needs changes" until its answers change; a task changed
    since the return says so in its hint."""
    if key in named and key not in changed:
        task.update(status=NEEDS_CHANGES[0], kind=NEEDS_CHANGES[1])
    elif key in changed:
        task["hint"] = " ".join(filter(None, [task["hint"], "Changed since the return"]))


def _tasks(
    case: Case,
    latest: Assessment | AssessmentSummary | None,
    returned: CaseStatusChange | None = None,
) -> list[dict[str, Any]]:
    """The task list: one task per section, then check, recommend, explain, sign off, submit;
    while a return is open, the tasks the reviewer named read "Needs changes"."""
    ref = case.reference
    editable = case.is_editable
    answers = case.answers
    named = set(returned.sections) if returned else set()
    changed = changed_since_return(case, returned) if returned else set()
    sections = []
    for section in SECTIONS:
        status = _section_status(section, answers)
        href = reverse("case_section", args=[ref, section.slug]) if editable else None
        task = _task(section.title, href, status)
        _returned(task, section.slug, named, changed)
        sections.append(task)
    complete = all(k in answers for k in REQUIRED_KEYS)
    current = latest is not None and latest.answers_version == case.answers_version
    check_status = COMPLETED if current else NOT_STARTED if complete else CANNOT_START
    # GOV.UK task list: a task that cannot start yet is not a link.
    check = _task(
        "Check your answers" if editable else "Your answers",
        None if check_status == CANNOT_START else reverse("case_check", args=[ref]),
        check_status,
    )
    if current:
        assert latest is not None
        recommend = _task(
            "Get a recommendation",
            reverse("assessment_detail", args=[latest.pk]),
            COMPLETED,
            f"Recommended: {_latest_text(latest, 'no viable option')}",
        )
    else:
        recommend = _task(
            "Get a recommendation",
            reverse("case_check", args=[ref]) if complete and editable else None,
            NOT_STARTED if complete else CANNOT_START,
            "The answers changed since the last recommendation" if latest else "",
        )
    explain_checks = _explain_checks(latest)
    if latest is None:
        explain_status = CANNOT_START
    elif all(case.explanations.get(c["check"]) for c in explain_checks):
        explain_status = COMPLETED
    elif any(case.explanations.get(c["check"]) for c in explain_checks):
        explain_status = IN_PROGRESS
    else:
        explain_status = NOT_STARTED
    explain = _task(
        "Explain policy checks",
        reverse("case_explanations", args=[ref]) if latest else None,
        explain_status,
        f"{len(explain_checks)} to explain" if latest else "",
    )
    signed = signoff_versions(case)
    fresh = [version for version in signed.values() if version == case.content_version]
    if len(fresh) == len(Discipline.values) and case.sro_name:
        signoff_status = COMPLETED
    elif signed or case.sro_name:
        signoff_status = IN_PROGRESS
    else:
        signoff_status = NOT_STARTED
    signoff = _task(
        "Sign-offs and Senior Responsible Owner",
        reverse("case_signoffs", args=[ref]),
        signoff_status,
        f"{len(fresh)} of {len(Discipline.values)} current",
    )
    _returned(explain, "explanations", named, changed)
    _returned(signoff, "signoffs", named, changed)
    if editable:
        blockers = services.submission_blockers_of(
            case, latest, signed, latest_requests(case, asker=False)
        )
        submit_status = CANNOT_START if blockers else NOT_STARTED
    else:
        submit_status = COMPLETED
    submit = _task(
        "Submit to the Centre of Excellence",
        None if submit_status == CANNOT_START else reverse("case_submit", args=[ref]),
        submit_status,
    )
    return [*sections, check, recommend, explain, signoff, submit]


def _explain_checks(assessment: Assessment | AssessmentSummary | None) -> list[dict[str, Any]]:
    if assessment is None:
        return []
    return [c for c in assessment.result.get("policy_checks", []) if c["result"] == "explain"]


def _check_rows(case: Case) -> list[dict[str, Any]]:
    """Check your answers: one summary list per section. Each question's link opens its
    section and comes back here once saved (`?return=check`)."""
    groups = []
    for section in SECTIONS:
        section_url = reverse("case_section", args=[case.reference, section.slug])
        rows = [
            {
                "key": key,
                "label": question_label(key),
                "value": answer_shown(key, case.answers[key]) if key in case.answers else "",
                "prompt": answer_prompt(key),
                "href": f"{section_url}?return=check#{field_id(key)}",
            }
            for key in section.keys
        ]
        groups.append({"section": section, "rows": rows, "href": section_url})
    return groups


def _missing_errors(case: Case, keys: list[str]) -> list[tuple[str, str]]:
    """Error summary entries for questions an assessment needs, linking to their section."""
    errors = []
    for section in SECTIONS:
        section_url = reverse("case_section", args=[case.reference, section.slug])
        for key in section.keys:
            if key in keys:
                errors.append((missing_message(key), f"{section_url}#{field_id(key)}"))
    return errors


# Views ----------------------------------------------------------------------------------------


@require_safe
def case_list(request: HttpRequest) -> HttpResponse:
    """Your cases: the department's cases, filterable by status and searchable, paginated."""
    form = CaseListFilterForm(request.GET)
    cases = _visible(request).for_list()
    params: dict[str, str] = {}
    if form.is_valid():
        q = form.cleaned_data["q"].strip()
        status = form.cleaned_data["status"]
        if q:
            cases = cases.filter(Q(title__icontains=q) | Q(reference__icontains=q))
            params["q"] = q
        if status:
            cases = cases.filter(status=status)
            params["status"] = status
    paged = paginate(request, cases, params, PAGE_SIZE)
    rows = [{"case": c, "tag": STATUS_TAGS[c.status]} for c in paged["page"].object_list]
    context = {
        **paged,
        "form": form,
        "rows": rows,
        "statuses": CaseStatus.choices,
        "filtered": bool(params),
    }
    return render(request, "sourcing/case_list.html", context)


@require_http_methods(["GET", "POST"])
@rate_limited("case_create")
def case_start(request: HttpRequest) -> HttpResponse:
    """Start a case: title and summary."""
    form = CaseStartForm(request.POST if request.method == "POST" else None)
    by = signed_in_user(request)
    case = form_service(form, lambda: services.case_create(by=by, **form.cleaned_data))
    if case is not None:
        return redirect("case_detail", reference=case.reference)
    return render(request, "sourcing/case_start.html", {"form": form, "errors": error_links(form)})


@require_http_methods(["GET", "POST"])
def case_details(request: HttpRequest, reference: str) -> HttpResponse:
    """Change the title and summary until the case is submitted (audited as case.changed)."""
    case = _case(request, reference)
    if not case.is_editable:
        return redirect("case_detail", reference=case.reference)
    data = request.POST if request.method == "POST" else None
    form = CaseStartForm(data, initial={"title": case.title, "summary": case.summary})
    by = signed_in_user(request)
    if (
        form_service(form, lambda: services.case_update(case=case, by=by, **form.cleaned_data))
        is not None
    ):
        return saved(
            request, "The title and summary are saved", "case_detail", reference=case.reference
        )
    context = {"case": case, "form": form, "errors": error_links(form)}
    return render(request, "sourcing/case_details.html", context)


@require_safe
def case_detail(request: HttpRequest, reference: str) -> HttpResponse:
    """The task list: sections, then check, recommend, explain, sign off and submit."""
    case = _case(request, reference)
    latest = latest_assessment_summary(case)
    history = status_history(case)
    returned = open_return(case, history)
    context = {
        "case": case,
        "status_tag": STATUS_TAGS[case.status],
        "returned": returned,
        "returned_tasks": [
            {
                "title": RETURN_TASKS[t],
                "changed": t in changed_since_return(case, returned),
            }
            for t in returned.sections
            if t in RETURN_TASKS
        ]
        if returned
        else [],
        "tasks": _tasks(case, latest, returned),
        "latest": latest,
        "latest_current": latest is not None and latest.answers_version == case.answers_version,
        "latest_label": _latest_text(latest, "") if latest else "",
        "history": history,
        "can_withdraw": services.withdraw_refusal(
            case, approved=any(c.to_status == CaseStatus.APPROVED for c in history)
        )
        is None,
    }
    return render(request, "sourcing/case_detail.html", context)


@require_http_methods(["GET", "POST"])
def case_section(request: HttpRequest, reference: str, section: str) -> HttpResponse:
    """One section's questions; saves valid answers and moves on (save as you go)."""
    case = _case(request, reference)
    current = _section(section)
    if not case.is_editable:
        return redirect("case_check", reference=case.reference)
    form = SectionForm(current, case.answers, request.POST if request.method == "POST" else None)
    refused: list[str] = []
    if form.is_valid():
        changed = form.changed_answers()
        by = signed_in_user(request)
        if (
            not changed
            or service_ran(
                lambda: services.case_update(case=case, by=by, answers=changed),
                invalid=form.report,
                refused=refused.append,
            )
            is not None
        ):
            if request.POST.get("then") == "tasks":
                return redirect("case_detail", reference=case.reference)
            if request.POST.get("then") == "check":  # "Change" on Check your answers
                return redirect("case_check", reference=case.reference)
            index = SECTIONS.index(current)
            if index + 1 < len(SECTIONS):
                return redirect(
                    "case_section", reference=case.reference, section=SECTIONS[index + 1].slug
                )
            return redirect("case_check", reference=case.reference)
    errors = form.error_list() + [(message, "#main-content") for message in refused]
    index = SECTIONS.index(current)
    context = {
        **_preview_context(case, {**case.answers, **form.cleaned}),
        "section": current,
        "section_number": index + 1,
        "section_count": len(SECTIONS),
        "questions": form.questions(),
        "errors": errors,
        # Reached from Check your answers ("Change" or "Enter ..."): saving goes back there.
        "returning_to_check": (request.GET.get("return") or request.POST.get("then")) == "check",
    }
    return render(request, "sourcing/case_section.html", context)


@require_http_methods(["GET", "POST"])
def case_preview(request: HttpRequest, reference: str) -> HttpResponse:
    """The live preview: saved answers (GET), or merged with posted, unsaved ones (POST)."""
    case = _case(request, reference)
    answers = dict(case.answers)
    if request.method == "POST":
        for section in SECTIONS:
            answers.update(SectionForm(section, case.answers, request.POST).cleaned)
    template = "sourcing/case_preview.html"
    if getattr(request, "htmx", False):
        template += "#preview-panel"
    return render(request, template, _preview_context(case, answers))


@require_safe
def case_check(request: HttpRequest, reference: str) -> HttpResponse:
    """Check your answers, with change links while the case can be edited."""
    case = _case(request, reference)
    return _render_check(request, case, [])


def _render_check(request: HttpRequest, case: Case, errors: list[tuple[str, str]]) -> HttpResponse:
    # The page offers a recommendation while the case can be edited (if a ruleset is
    # published), else links to the latest one: each read only when shown.
    editable = case.is_editable
    context = {
        "case": case,
        "groups": _check_rows(case),
        "errors": errors,
        "has_ruleset": editable and ruleset_published(),
        "latest": None if editable else latest_assessment_summary(case),
    }
    return render(request, "sourcing/case_check.html", context)


@require_POST
@rate_limited("assess")
def case_assess(request: HttpRequest, reference: str) -> HttpResponse:
    """Get a recommendation: run the current ruleset and show the assessment."""
    case = _case(request, reference)
    try:
        assessment = assessment_run(case=case, by=signed_in_user(request))
    except ValidationFailed as failed:
        missing = [k for k in failed.errors if k in QUESTIONS]
        return _render_check(request, case, _missing_errors(case, missing))
    except TransitionRefused as refusal:
        return _render_check(request, case, [(str(refusal), "#get-recommendation")])
    return redirect("assessment_detail", pk=assessment.pk)


@require_http_methods(["GET", "POST"])
def case_explanations(request: HttpRequest, reference: str) -> HttpResponse:
    """A written explanation for each policy check the latest assessment marked "explain"."""
    case = _case(request, reference)
    latest = latest_assessment(case)
    checks = _explain_checks(latest)
    data = request.POST if request.method == "POST" else None
    form = ExplanationsForm(checks, data, initial=case.explanations)
    by = signed_in_user(request)
    if (
        form_service(
            form, lambda: services.case_update(case=case, by=by, explanations=form.cleaned_data)
        )
        is not None
    ):
        return redirect("case_detail", reference=case.reference)
    context = {
        "case": case,
        "latest": latest,
        "latest_current": latest is not None and latest.answers_version == case.answers_version,
        "fields": [
            {
                "check": c,
                "label": check_label(c["check"]),
                "field": form[c["check"]],
            }
            for c in checks
        ],
        "errors": error_links(form),
    }
    return render(request, "sourcing/case_explanations.html", context)


def _signoff_rows(
    case: Case, signoffs: dict[str, SignOff], requests: dict[str, SignOffRequest]
) -> list[dict[str, Any]]:
    """One row per discipline: its status tag, the current sign-off (current_signoffs) and
    the request (latest_requests) that waits or was declined after it."""
    rows = []
    for value, label in Discipline.choices:
        signoff = signoffs.get(value)
        request = requests.get(value)
        pending = request if request and request.status == SignOffRequestStatus.PENDING else None
        declined = (
            request
            if request
            and request.status == SignOffRequestStatus.DECLINED
            and (
                signoff is None
                or (request.decided_at or request.requested_at) > signoff.recorded_at
            )
            else None
        )
        stale = signoff is not None and signoff.content_version != case.content_version
        if signoff is not None and not stale:
            tag = ("Signed off", "govuk-tag--green")
        elif pending is not None:
            tag = ("Waiting", "govuk-tag--light-blue")
        elif declined is not None:
            tag = ("Declined", "govuk-tag--red")
        elif stale:
            tag = ("Needs signing again", "govuk-tag--orange")
        else:
            tag = ("Not asked yet", "govuk-tag--grey")
        rows.append(
            {
                "value": value,
                "label": label,
                "signoff": signoff,
                "stale": stale,
                "pending": pending,
                "declined": declined,
                "tag": tag,
            }
        )
    return rows


# What the sign-offs page reads of the case (on a GET) and of each person it names.
SIGNOFFS_CASE_SHOWN: Final = (
    "reference",
    "title",
    "department_id",
    "owner_id",
    "content_version",
    "sro_name",
    "sro_id",
    "status",
    *(f"sro__{name}" for name in PERSON_NAMES),
)
PERSON_SHOWN: Final = (*PERSON_NAMES, "role")


@require_http_methods(["GET", "POST"])
def case_signoffs(request: HttpRequest, reference: str) -> HttpResponse:
    """Sign-offs by discipline: ask a named colleague for each, ask again for the stale ones
    in one action, name the Senior Responsible Owner from the department's people, and (for
    a signatory with no account) type a sign-off."""
    posted = request.POST if request.method == "POST" else None
    cases = _visible(request).select_related("sro")
    if posted is None:  # a view reads the columns the page shows; a change, the whole case
        cases = cases.only(*SIGNOFFS_CASE_SHOWN)
    case = get_object_or_404(cases, reference=reference)
    user = signed_in_user(request)
    which = request.POST.get("form", "request") if posted is not None else ""
    colleagues = list(department_people(case.department_id).only(*PERSON_SHOWN))
    people = signatories_among(case, colleagues)
    request_form = SignOffRequestForm(people, posted if which == "request" else None)
    signoff_form = SignOffForm(posted if which == "signoff" else None)
    sro_form = SroChooseForm(
        colleagues,
        posted if which == "sro" else None,
        initial={"sro": case.sro.get_username() if case.sro else ""},
    )
    forms_by_name = {"request": request_form, "signoff": signoff_form, "sro": sro_form}
    errors: list[tuple[str, str]] = []
    try:
        if which == "request" and request_form.is_valid():
            asked = services.signoff_request_create(case=case, by=user, **request_form.cleaned_data)
            label = Discipline(asked.discipline).label.lower()
            messages.success(
                request, f"{person_name(asked.signatory)} is asked for the {label} sign-off"
            )
            return redirect("case_signoffs", reference=case.reference)
        if which == "renew":
            renewed = services.signoff_requests_renew(case=case, by=user)
            names = ", ".join(person_name(r.signatory) for r in renewed)
            messages.success(request, f"Asked again: {names}")
            return redirect("case_signoffs", reference=case.reference)
        if which == "signoff" and signoff_form.is_valid():
            services.signoff_record(case=case, by=user, **signoff_form.cleaned_data)
            label = Discipline(signoff_form.cleaned_data["discipline"]).label.lower()
            messages.success(request, f"The {label} sign-off is recorded")
            return redirect("case_signoffs", reference=case.reference)
        if which == "sro" and sro_form.is_valid():
            services.case_update(case=case, by=user, sro=sro_form.cleaned_data["sro"])
            messages.success(request, "The Senior Responsible Owner is recorded")
            return redirect("case_signoffs", reference=case.reference)
    except ValidationFailed as failed:
        add_service_errors(forms_by_name.get(which, request_form), failed.errors)
    except TransitionRefused as refusal:
        errors = [(str(refusal), "#main-content")]
    signoffs = current_signoffs(case, signoffs_shown(case))
    requests = latest_requests(case, asker=False, names_only=True)
    renewable = (
        services.renewable_disciplines(case, signoffs=signoffs, requests=requests)
        if case.is_editable
        else {}
    )
    context = {
        "case": case,
        "rows": _signoff_rows(case, signoffs, requests),
        "people": people,
        "request_form": request_form,
        "signoff_form": signoff_form,
        "sro_form": sro_form,
        "renewable": [
            {"label": Discipline(d).label.lower(), "name": person_name(p)}
            for d, p in renewable.items()
        ],
        "disciplines": Discipline.choices,
        "typed_open": which == "signoff",
        "errors": error_links(
            request_form, {"discipline": "#request-discipline", "user": "#id_user"}
        )
        + error_links(signoff_form)
        + error_links(sro_form, {"sro": "#id_sro"})
        + errors,
    }
    return render(request, "sourcing/case_signoffs.html", context)


def _signoff_request(request: HttpRequest, pk: int) -> SignOffRequest:
    """A sign-off request asked of the signed-in person, in their department, else 404."""
    return or_404(signoff_request_asked_of(signed_in_user(request), pk))


def _person(*, user_id: int, department_id: int | None) -> User:
    """A person of these ids alone, unsaved: what the sign-off requests' queries are built
    from (compiled with stand-in ids)."""
    return User(pk=user_id, department_id=department_id)


@require_safe
def signoff_request_list(request: HttpRequest) -> HttpResponse:
    """Sign-off requests waiting for you, oldest first, and those you decided."""
    user = signed_in_user(request)
    # Both queries built from the person's id and their department's alone: compiled once per
    # process, the ids their parameters (sourcing.compiled_sql), run every request.
    ids = {"user_id": user.pk, "department_id": user.department_id}
    waiting = compiled(
        "signoff-requests-waiting",
        lambda **ids: (
            signoff_requests_for(_person(**ids)).select_related(None).values_list(*WAITING_SHOWN)
        ),
        params=ids,
    ).rows()
    decided = compiled(
        ("signoff-requests-decided", PAGE_SIZE),
        lambda **ids: signoff_requests_decided_by(_person(**ids)).values_list(*DECIDED_SHOWN)[
            :PAGE_SIZE
        ],
        params=ids,
    ).rows()
    context = {"lists_html": _signoff_lists_html(waiting, decided)}
    return render(request, "sourcing/signoff_requests.html", context)


# What the lists show of each request waiting and each decided, in this order.
WAITING_SHOWN: Final = (
    "pk",
    "discipline",
    "case__reference",
    "case__title",
    "requested_by__first_name",
    "requested_by__last_name",
    "requested_by__username",
    "requested_at",
)
DECIDED_SHOWN: Final = (
    "pk",
    "discipline",
    "case__reference",
    "case__title",
    "status",
    "decided_at",
)
SIGNOFF_LISTS_TEMPLATE: Final = "sourcing/signoff_requests_lists.html"
DISCIPLINE_LABELS: Final = dict(Discipline.choices)
SIGNOFF_STATUS_LABELS: Final = dict(SignOffRequestStatus.choices)


def _signoff_lists_html(
    waiting: list[tuple[Any, ...]], decided: list[tuple[Any, ...]]
) -> SafeString:
    """The lists of the sign-off requests page (sourcing/signoff_requests_lists.html) of these
    rows (WAITING_SHOWN and DECIDED_SHOWN), kept (sourcing.kept_html.kept_render) under a hash
    of every value they show: the rows as read; the time zone the moments are shown in and
    the address the links are made on; and the code that shows them (the template, this
    module's _signoff_items, the labels of sourcing.models' choices, the presenter's moments
    and names)."""
    link = reverse("signoff_request_detail", args=[0])
    return kept_render(
        "signoff-request-lists",
        SIGNOFF_LISTS_TEMPLATE,
        (waiting, decided, settings.TIME_ZONE, link),
        lambda: _signoff_items(waiting, decided),
        modules=(sys.modules[__name__], sourcing_models, presenter, names),
    )


def _signoff_items(
    waiting: list[tuple[Any, ...]], decided: list[tuple[Any, ...]]
) -> dict[str, list[dict[str, Any]]]:
    """The lists' items, their texts made here (labels as the models' choices give them, names
    and moments as presenter and sourcing.people.names say them)."""
    return {
        "waiting": [
            {
                "pk": pk,
                "discipline": DISCIPLINE_LABELS.get(discipline, discipline),
                "case": {"reference": reference, "title": title},
                "asked_by": names.person_text(f"{first_name} {last_name}".strip(), username),
                "asked_at": presenter.moment_text(requested_at),
            }
            for pk, discipline, reference, title, first_name, last_name, username, requested_at in (
                waiting
            )
        ],
        "decided": [
            {
                "pk": pk,
                "discipline": DISCIPLINE_LABELS.get(discipline, discipline),
                "case": {"reference": reference, "title": title},
                "status": SIGNOFF_STATUS_LABELS.get(status, status),
                "decided_at": presenter.moment_text(decided_at),
            }
            for pk, discipline, reference, title, status, decided_at in decided
        ],
    }


@require_http_methods(["GET", "POST"])
def signoff_request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A sign-off request asked of you: the case's answers, explanations and recommendation,
    and your decision (sign off, or decline with a comment), as yourself."""
    asked = _signoff_request(request, pk)
    case = asked.case
    # Its summary (not its answers and result, about 50 KB of JSON) and its stored hash.
    latest = latest_assessment_summary(case)
    current = latest is not None and latest.answers_version == case.answers_version
    form = SignOffDecideForm(request.POST if request.method == "POST" else None)
    errors: list[tuple[str, str]] = []
    by = signed_in_user(request)
    if (
        form_service(
            form,
            lambda: services.signoff_request_decide(request=asked, by=by, **form.cleaned_data),
            refused=lambda message: errors.append((message, "#decision")),
        )
        is not None
    ):
        signed = form.cleaned_data["decision"] == "signed"
        label = asked.get_discipline_display().lower()
        return saved(
            request,
            f"Your {label} sign-off of {case.reference} is recorded"
            if signed
            else f"You declined the {label} sign-off of {case.reference}",
            "signoff_request_list",
        )
    context = {
        "asked": asked,
        "case": case,
        "pending": asked.status == SignOffRequestStatus.PENDING and case.is_editable,
        "latest": latest if current else None,
        "latest_label": _latest_text(latest, "no viable option") if latest and current else "",
        "assessment_sha256": latest.sha256 if latest and current else "",
        "groups": _check_rows(case),
        "explanations": [
            {"label": check_label(c["check"]), "text": case.explanations.get(c["check"], "")}
            for c in _explain_checks(latest if current else None)
        ],
        "form": form,
        "errors": error_links(form, {"decision": "#id_decision"}) + errors,
    }
    return render(request, "sourcing/signoff_request.html", context)


def _blocker_href(case: Case, blocker: Blocker) -> str:
    """Where to go to clear a submission blocker, by its code (the field it concerns)."""
    ref = [case.reference]
    if blocker.code == services.NO_CURRENT_ASSESSMENT:
        return reverse("case_check", args=ref)
    if blocker.code == services.EXPLANATION_MISSING:
        return reverse("case_explanations", args=ref) + f"#id_{blocker.concerns}"
    if blocker.code == services.SRO_MISSING:
        return reverse("case_signoffs", args=ref) + "#id_sro"
    return reverse("case_signoffs", args=ref)


@require_http_methods(["GET", "POST"])
def case_submit(request: HttpRequest, reference: str) -> HttpResponse:
    """Submit to the Centre of Excellence, or see what is still missing."""
    case = _case(request, reference)
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        try:
            services.case_submit(case=case, by=signed_in_user(request))
        except TransitionRefused as refusal:
            errors = [(str(refusal), "#blockers")]
        else:
            messages.success(request, f"{case.reference} is submitted to the Centre of Excellence")
            return redirect("case_detail", reference=case.reference)
    blockers = services.submission_blockers(case) if case.is_editable else []
    context = {
        "case": case,
        "blockers": [{"text": b.message, "href": _blocker_href(case, b)} for b in blockers],
        "errors": errors,
    }
    return render(request, "sourcing/case_submit.html", context)


@require_http_methods(["GET", "POST"])
def case_withdraw(request: HttpRequest, reference: str) -> HttpResponse:
    """Withdraw the case before a decision, with an optional reason."""
    case = get_object_or_404(cases_with_approved(_visible(request)), reference=reference)
    approved: bool = case.ever_approved  # type: ignore[attr-defined]  # cases_with_approved
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    errors: list[tuple[str, str]] = []
    by = signed_in_user(request)
    withdrawn = form_service(
        form,
        lambda: services.case_withdraw(
            case=case, by=by, comment=form.cleaned_data["reason"].strip()
        ),
        refused=lambda message: errors.append((message, "#withdraw-refusal")),
    )
    if withdrawn is not None:
        return saved(
            request, f"{case.reference} is withdrawn", "case_detail", reference=case.reference
        )
    context = {
        "case": case,
        "form": form,
        "refusal": services.withdraw_refusal(case, approved=approved),
        "errors": error_links(form, {"reason": "#reason"}) + errors,
    }
    return render(request, "sourcing/case_withdraw.html", context)


@require_safe
def case_history(request: HttpRequest, reference: str) -> HttpResponse:
    """The case's answer history from the audit chain: question, old and new value, who, when
    (newest first). The department's own cases; reviewers and auditors once submitted."""
    case = _case(request, reference)
    user = signed_in_user(request)
    context = {
        "case": case,
        "rows": answer_history(case),
        "own": user.department_id == case.department_id,
    }
    return render(request, "sourcing/case_history.html", context)
