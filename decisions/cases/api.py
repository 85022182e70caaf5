"""JSON API of cases: the questionnaire, cases, sign-offs, submission and withdrawal."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict

from decisions.assessments.api import assessment_out
from decisions.assessments.selectors import latest_assessment
from decisions.cases.history import HistoryRow, answer_history
from decisions.cases.selectors import (
    case_shown,
    case_visible,
    cases_visible,
    current_signoffs,
    latest_requests,
    signoff_request_asked_of,
)
from decisions.cases.services import (
    case_create,
    case_create_problems,
    case_submit,
    case_update,
    case_update_problems,
    case_withdraw,
    signoff_decide_problems,
    signoff_problems,
    signoff_record,
    signoff_request_create,
    signoff_request_decide,
    signoff_request_problems,
    withdraw_problems,
)
from sourcing.access import or_404, signed_in_user
from sourcing.api_body import documented_body, json_body
from sourcing.api_schemas import PageOut, PageQuery, page_of, responses
from sourcing.limits import api_throttles
from sourcing.models import Case, SignOffRequest
from sourcing.people.names import user_text
from sourcing.questionnaire import questionnaire as questionnaire_items

router = Router(tags=["cases"])
_STRICT: ConfigDict = {"extra": "forbid"}


class CaseIn(Schema):
    title: str
    summary: str = ""
    answers: dict[str, Any] = {}

    model_config = _STRICT


class CasePatch(Schema):
    title: str | None = None
    summary: str | None = None
    answers: dict[str, Any] | None = None
    explanations: dict[str, str] | None = None
    sro_name: str | None = None
    sro: str | None = None

    model_config = _STRICT


class SignOffIn(Schema):
    discipline: str
    name: str
    role: str = ""
    comment: str = ""

    model_config = _STRICT


class SignOffRequestIn(Schema):
    discipline: str
    user: str

    model_config = _STRICT


class SignOffDecideIn(Schema):
    decision: str
    comment: str = ""
    assessment_sha256: str | None = None
    content_version: int | None = None

    model_config = _STRICT


class WithdrawIn(Schema):
    comment: str = ""

    model_config = _STRICT


def case_out(case: Case) -> dict[str, Any]:
    """A case as the API shows it; people by username (`owner`, `recorded_by`: stable ids)
    and by name as people read them (`owner_name`, `recorded_by_name`: decisions.presenter)."""
    latest = latest_assessment(case)
    return {
        "id": case.pk,
        "reference": case.reference,
        "title": case.title,
        "summary": case.summary,
        "department": case.department.code,
        "owner": case.owner.get_username(),
        "owner_name": user_text(case.owner),
        "status": case.status,
        "answers": case.answers,
        "answers_version": case.answers_version,
        "content_version": case.content_version,
        "explanations": case.explanations,
        "sro_name": case.sro_name,
        "sro": case.sro.get_username() if case.sro else None,
        "signoffs": [
            {
                "discipline": s.discipline,
                "name": s.name,
                "role": s.role,
                "comment": s.comment,
                "recorded_at": s.recorded_at.isoformat(),
                "recorded_by": s.recorded_by.get_username(),
                "recorded_by_name": user_text(s.recorded_by),
                "signatory": s.signatory.get_username() if s.signatory else None,
                "no_account": s.no_account,
                "assessment_sha256": s.assessment_sha256 or None,
                "stale": s.content_version != case.content_version,
            }
            for s in current_signoffs(case).values()
        ],
        "signoff_requests": [signoff_request_out(r) for r in latest_requests(case).values()],
        "latest_assessment": assessment_out(latest) if latest else None,
        "created_at": case.created_at.isoformat(),
        "updated_at": case.updated_at.isoformat(),
    }


def signoff_request_out(request: SignOffRequest) -> dict[str, Any]:
    """A sign-off request as the API shows it."""
    return {
        "id": request.pk,
        "case_id": request.case_id,
        "discipline": request.discipline,
        "user": request.signatory.get_username(),
        "user_name": user_text(request.signatory),
        "requested_by": request.requested_by.get_username(),
        "requested_by_name": user_text(request.requested_by),
        "requested_at": request.requested_at.isoformat(),
        "status": request.status,
        "decided_at": request.decided_at.isoformat() if request.decided_at else None,
        "comment": request.comment,
        "answers_version": request.answers_version,
        "content_version": request.content_version,
        "assessment_sha256": request.assessment_sha256 or None,
    }


def _case(request: HttpRequest, case_id: int) -> Case:
    """A case the caller may see, else 404."""
    return or_404(case_visible(request.user, case_id))


@router.get("/questionnaire", url_name="questionnaire", response=responses({200: PageOut}))
def questionnaire(request: HttpRequest, page: Query[PageQuery]) -> dict[str, Any]:
    """Every question in form order: key, label, hint, type, choices, range, section;
    `limit` and `offset` page them (the whole questionnaire fits in one page of the default)."""
    return page_of(questionnaire_items(), page, dict)


def case_summary(case: Case) -> dict[str, Any]:
    """A case as the list shows it."""
    return {
        "id": case.pk,
        "reference": case.reference,
        "title": case.title,
        "department": case.department.code,
        "status": case.status,
        "created_at": case.created_at.isoformat(),
        "updated_at": case.updated_at.isoformat(),
    }


@router.get("/cases", url_name="cases", response=responses({200: PageOut}))
def cases_list(request: HttpRequest, page: Query[PageQuery]) -> dict[str, Any]:
    """Cases the caller may see, newest first; `limit` and `offset` page them."""
    cases = cases_visible(request.user).select_related("department", "owner")
    return page_of(cases.order_by("-created_at", "-pk"), page, case_summary)


@router.post(
    "/cases",
    url_name="cases",
    response=responses({201: dict[str, Any]}),
    openapi_extra=documented_body(CaseIn),
    throttle=api_throttles("case_create"),
)
def cases_create(request: HttpRequest) -> Status[dict[str, Any]]:
    """Start a draft case in the caller's department (answers may be partial)."""
    body = json_body(
        request,
        CaseIn,
        lambda d: case_create_problems(
            title=d.get("title"), summary=d.get("summary", ""), answers=d.get("answers")
        ),
    )
    case = case_create(
        by=signed_in_user(request), title=body.title, summary=body.summary, answers=body.answers
    )
    return Status(201, case_out(case))


@router.get("/cases/{int:case_id}", url_name="case", response=responses({200: dict[str, Any]}))
def case_detail(request: HttpRequest, case_id: int) -> dict[str, Any]:
    """One case with its answers, explanations, sign-offs and latest assessment."""
    return case_out(_case(request, case_id))


def history_out(row: HistoryRow) -> dict[str, Any]:
    """One value set or changed, as the API shows it."""
    return {
        "seq": row.seq,
        "at": row.at.isoformat(),
        "by": row.by,
        "by_name": row.by_name,
        "key": row.key,
        "question": row.label,
        "old": row.old,
        "new": row.new,
        "old_text": row.old_text,
        "new_text": row.new_text,
        "recorded": row.recorded,
    }


@router.get(
    "/cases/{int:case_id}/history", url_name="case_history", response=responses({200: PageOut})
)
def case_history(request: HttpRequest, case_id: int, page: Query[PageQuery]) -> dict[str, Any]:
    """The case's answer history from the audit chain, newest first: each answer (and title,
    summary, Senior Responsible Owner, explanation) set or changed, with `old` and `new` values
    (raw and as `old_text`/`new_text`), who (`by`, `by_name`) and when (`at`, ISO 8601) and the
    audit event's `seq`. `recorded` is false for changes made before values were recorded
    (their values are null). A department's own cases; reviewers and auditors once submitted
    (otherwise 404)."""
    return page_of(answer_history(_case(request, case_id)), page, history_out)


@router.patch(
    "/cases/{int:case_id}",
    url_name="case",
    response=responses({200: dict[str, Any]}),
    openapi_extra=documented_body(CasePatch),
)
def case_patch(request: HttpRequest, case_id: int) -> dict[str, Any]:
    """Merge changes into a draft; 409 once submitted."""
    case = _case(request, case_id)
    body = json_body(
        request,
        CasePatch,
        lambda d: case_update_problems(**{k: d.get(k) for k in CasePatch.model_fields}),
    )
    case = case_update(case=case, by=signed_in_user(request), **body.model_dump(exclude_unset=True))
    return case_out(case_shown(case.pk))


@router.post(
    "/cases/{int:case_id}/signoffs",
    url_name="case_signoffs",
    response=responses({201: dict[str, Any]}),
    openapi_extra=documented_body(SignOffIn),
)
def signoffs_create(request: HttpRequest, case_id: int) -> Status[dict[str, Any]]:
    """Record a discipline's sign-off of the current answers."""
    case = _case(request, case_id)
    body = json_body(
        request,
        SignOffIn,
        lambda d: signoff_problems(
            discipline=d.get("discipline"),
            name=d.get("name"),
            role=d.get("role", ""),
            comment=d.get("comment", ""),
        ),
    )
    signoff = signoff_record(case=case, by=signed_in_user(request), **body.model_dump())
    return Status(
        201,
        {
            "discipline": signoff.discipline,
            "name": signoff.name,
            "role": signoff.role,
            "comment": signoff.comment,
            "recorded_at": signoff.recorded_at.isoformat(),
            "recorded_by": signoff.recorded_by.get_username(),
            "recorded_by_name": user_text(signoff.recorded_by),
            "answers_version": signoff.answers_version,
            "content_version": signoff.content_version,
        },
    )


@router.post(
    "/cases/{int:case_id}/signoff-requests",
    url_name="case_signoff_requests",
    response=responses({201: dict[str, Any]}),
    openapi_extra=documented_body(SignOffRequestIn),
)
def signoff_requests_create(request: HttpRequest, case_id: int) -> Status[dict[str, Any]]:
    """Ask a named colleague of the case's department (`user`: their username) to sign off
    a discipline (commercial, digital, finance or legal); a request still waiting for that
    discipline is replaced. 422 naming the field; 409 once the case is submitted."""
    case = _case(request, case_id)
    body = json_body(
        request,
        SignOffRequestIn,
        lambda d: signoff_request_problems(discipline=d.get("discipline"), user=d.get("user")),
    )
    asked = signoff_request_create(case=case, by=signed_in_user(request), **body.model_dump())
    return Status(201, signoff_request_out(asked))


@router.post(
    "/signoff-requests/{int:request_id}/decide",
    url_name="signoff_request_decide",
    response=responses({200: dict[str, Any]}),
    openapi_extra=documented_body(SignOffDecideIn),
)
def signoff_request_decide_api(request: HttpRequest, request_id: int) -> dict[str, Any]:
    """The person asked signs off (`decision`: "signed") or declines ("declined", with a
    `comment`), as themselves; the answer records who, when, the answers version and the
    sha256 of the current assessment. `assessment_sha256`, if sent, must be the hash of the
    assessment they read, and `content_version`, if sent, the case's `content_version` they
    read (its answers, explanations, title and summary): 409 when the case changed since. A
    request asked of anyone else: 404."""
    user = signed_in_user(request)
    asked = or_404(signoff_request_asked_of(user, request_id))
    body = json_body(
        request,
        SignOffDecideIn,
        lambda d: signoff_decide_problems(
            decision=d.get("decision"),
            comment=d.get("comment", ""),
            assessment_sha256=d.get("assessment_sha256"),
            content_version=d.get("content_version"),
        ),
    )
    decided = signoff_request_decide(request=asked, by=user, **body.model_dump())
    return signoff_request_out(decided)


@router.post(
    "/cases/{int:case_id}/submit", url_name="case_submit", response=responses({200: dict[str, Any]})
)
def submit(request: HttpRequest, case_id: int) -> dict[str, Any]:
    """Submit to the Centre of Excellence; 409 saying what is missing otherwise."""
    case = case_submit(case=_case(request, case_id), by=signed_in_user(request))
    return case_out(case_shown(case.pk))


@router.post(
    "/cases/{int:case_id}/withdraw",
    url_name="case_withdraw",
    response=responses({200: dict[str, Any]}),
    openapi_extra=documented_body(WithdrawIn),
)
def withdraw(request: HttpRequest, case_id: int) -> dict[str, Any]:
    """Withdraw a case before a decision."""
    case = _case(request, case_id)
    body = json_body(request, WithdrawIn, lambda d: withdraw_problems(comment=d.get("comment", "")))
    case = case_withdraw(case=case, by=signed_in_user(request), comment=body.comment)
    return case_out(case_shown(case.pk))
