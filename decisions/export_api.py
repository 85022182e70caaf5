"""JSON API routes of this part (declared in sourcing.access.PERMISSIONS)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from ninja import Router

from decisions.export_views import RETRY_AFTER_SECONDS, pdf_file_response, pdf_state
from decisions.models import JobStatus
from decisions.records import records_visible_to

router = Router(tags=["decisions"])


@router.get(
    "/decisions/{record_id}/pdf",
    url_name="decision_pdf",
    response={200: Any, 202: dict, 503: dict},
    openapi_extra={
        "responses": {
            200: {"description": "The stored PDF", "content": {"application/pdf": {}}},
            202: {"description": "Still rendering: try again after Retry-After seconds"},
            503: {"description": "Rendering failed after every attempt"},
        }
    },
)
def decision_pdf(request: HttpRequest, record_id: int) -> HttpResponse:
    """The record's PDF as rendered at issue time; 202 with Retry-After while it renders."""
    records = records_visible_to(request.user).select_related("department")  # type: ignore[arg-type]
    record = get_object_or_404(records, pk=record_id)
    pdf = pdf_state(record)
    if pdf.status == JobStatus.DONE:
        return pdf_file_response(record, pdf)
    from django.conf import settings

    if pdf.status == JobStatus.FAILED and pdf.attempts >= settings.PDF_MAX_ATTEMPTS:
        return JsonResponse(
            {"status": "failed", "detail": "The PDF could not be rendered; auditors are told."},
            status=503,
        )
    response = JsonResponse(
        {"status": pdf.status, "detail": "The PDF is still being rendered."}, status=202
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
