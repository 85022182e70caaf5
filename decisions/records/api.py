"""JSON API of decision records: the list, one record, its PDF and the public register
(declared in sourcing.access.PERMISSIONS)."""

from __future__ import annotations

from typing import Any, Literal

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from ninja import Query, Router, Schema, Status
from pydantic import Field

from decisions.engine.schema import MONEY_MAX
from decisions.records import selectors
from decisions.records.content import record_full, record_summary, register_entry
from decisions.records.outcomes import (
    COMMENT_MAX,
    MONTHS_LATE_MAX,
    outcome_problems,
    outcome_record,
    outcomes_of,
)
from decisions.records.pdf import pdf_failed_for_good, pdf_retry, pdf_state
from decisions.records.views import RETRY_AFTER_SECONDS, pdf_file_response
from sourcing.access import or_404, signed_in_user
from sourcing.api_body import documented_body, json_body
from sourcing.api_schemas import Message, PageOut, PageQuery, page_of, responses
from sourcing.jobs import JobStatus
from sourcing.limits import api_throttles

router = Router(tags=["decisions"])


class SearchQuery(Schema):
    """`q`: words to look for (any case), in titles and references."""

    q: str = Field("", max_length=200, description="Words to look for in titles and references")


@router.get("/decisions", url_name="decisions", response=responses({200: PageOut}))
def decisions(
    request: HttpRequest, page: Query[PageQuery], search: Query[SearchQuery]
) -> dict[str, Any]:
    """Decision records the caller may see, newest first; `q` keeps those whose title or
    reference holds it; `limit` and `offset` page them. Each item holds the record's columns,
    never its content (GET decisions/{id} has it)."""
    records = selectors.records_matching(selectors.records_for_api(request.user), search.q)
    return page_of(records, page, record_summary, counted=True)


@router.get(
    "/decisions/{int:record_id}", url_name="decision", response=responses({200: dict[str, Any]})
)
def decision(request: HttpRequest, record_id: int) -> dict[str, Any]:
    """One whole decision record."""
    record = or_404(selectors.record_whole(request.user, record_id))
    return record_full(record)


@router.get(
    "/register", auth=None, url_name="register", response=responses({200: PageOut}, public=True)
)
def register(
    request: HttpRequest, page: Query[PageQuery], search: Query[SearchQuery]
) -> dict[str, Any]:
    """The public transparency register: approved decisions, publishable fields only, newest
    first; `q` keeps those whose title, reference or department holds it; `limit` and
    `offset` page them. The whole register as a file: /register/download.csv and .json."""
    return page_of(selectors.register_matching(search.q), page, register_entry)


@router.get(
    "/decisions/{int:record_id}/pdf",
    url_name="decision_pdf",
    response=responses({200: Any, 202: Message, 503: Message}),
    throttle=api_throttles("pdf"),
    openapi_extra={
        "responses": {
            200: {"description": "The stored PDF", "content": {"application/pdf": {}}},
            202: {"description": "Still rendering: try again after Retry-After seconds"},
            503: {"description": "Rendering failed after every attempt"},
        }
    },
)
def decision_pdf(request: HttpRequest, record_id: int) -> HttpResponseBase:
    """The record's PDF as rendered at issue time; 202 with Retry-After while it renders (an
    older record without an outbox row is pending: the sweep writes and queues it). Read only."""
    record = or_404(selectors.record_for_pdf(request.user, record_id))
    pdf = pdf_state(record)  # read only: a GET writes and queues nothing
    if pdf is not None and pdf.status == JobStatus.DONE:
        return pdf_file_response(record, pdf)
    if pdf_failed_for_good(pdf):
        return JsonResponse(
            {
                "status": "failed",
                "detail": "The PDF could not be rendered. Verification reports it to auditors "
                "and an administrator can try again.",
                "attempts": pdf.attempts,
            },
            status=503,
        )
    status = pdf.status if pdf is not None else JobStatus.PENDING
    response = JsonResponse(
        {"status": status, "detail": "The PDF is still being rendered."}, status=202
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@router.post(
    "/decisions/{int:record_id}/pdf/retry",
    url_name="decision_pdf_retry",
    response=responses({202: dict[str, Any], 409: Message}),
    openapi_extra={
        "responses": {
            202: {"description": "Queued again with a fresh set of attempts"},
            409: {"description": "The PDF has not failed: it is rendered or still being tried"},
        }
    },
)
def decision_pdf_retry(request: HttpRequest, record_id: int) -> HttpResponse:
    """An administrator tries a record's failed PDF again (audited as `pdf.retried`)."""
    record = or_404(selectors.record_by_pk(record_id))
    pdf = pdf_retry(record=record, by=signed_in_user(request))
    response = JsonResponse({"status": pdf.status, "attempts": pdf.attempts}, status=202)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class OutcomeIn(Schema):
    """An outcome review of a decision (decisions.records.outcomes.outcome_problems)."""

    delivered: bool
    on_time: bool
    months_late: int | None = Field(None, ge=0, le=MONTHS_LATE_MAX)
    actual_cost_gbp: int = Field(ge=0, le=MONEY_MAX)
    benefits_realised: Literal["none", "partly", "fully"]
    lock_in: Literal["none", "moderate", "severe"]
    same_again: bool
    comment: str = Field("", max_length=COMMENT_MAX)

    model_config = {"extra": "forbid"}


def outcome_out(event: Any) -> dict[str, Any]:
    """An outcome review as the API shows it: the chained event's payload, who, when, hash."""
    return {
        "seq": event.seq,
        "recorded_at": event.occurred_at.isoformat(),
        "recorded_by": event.actor,
        "sha256": event.sha256,
        **event.payload,
    }


@router.get(
    "/decisions/{int:record_id}/outcomes",
    url_name="decision_outcomes",
    response=responses({200: dict[str, Any]}),
)
def decision_outcomes(request: HttpRequest, record_id: int) -> dict[str, Any]:
    """A decision's outcome reviews, oldest first (appended to the audit chain, never edited):
    `{"items": [...], "count": N}`."""
    record = or_404(selectors.record_whole(request.user, record_id))
    items = [outcome_out(e) for e in outcomes_of(record)]
    return {"items": items, "count": len(items)}


@router.post(
    "/decisions/{int:record_id}/outcomes",
    url_name="decision_outcomes",
    response=responses({201: dict[str, Any]}),
    openapi_extra=documented_body(OutcomeIn),
)
def decision_outcome_record(request: HttpRequest, record_id: int) -> Any:
    """Record an outcome review of the department's current approved decision (201 with it);
    422 naming every bad field; 409 for a superseded or rejected decision."""
    user = signed_in_user(request)
    record = or_404(selectors.record_whole(user, record_id))
    body = json_body(request, OutcomeIn, outcome_problems)
    try:
        event = outcome_record(record=record, by=user, data=body.model_dump())
    except PermissionError:
        raise Http404 from None  # not the record's department: as if it did not exist
    return Status(201, outcome_out(event))
