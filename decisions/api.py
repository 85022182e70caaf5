"""JSON API for reviews, decision records, audit verification and the public register."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from decisions.models import DecisionRecord
from decisions.records import records_visible_to, register_entries, register_entry
from decisions.review import review_decide
from decisions.verification import audit_verify
from sourcing.models import Case

router = Router(tags=["decisions"])


class ReviewIn(Schema):
    action: str
    option: str | None = None
    rationale: str = ""
    review_by: date | None = None

    model_config = {"extra": "forbid"}


def record_summary(record: DecisionRecord) -> dict[str, Any]:
    """A record as the decisions list shows it."""
    return {
        "id": record.pk,
        "reference": record.reference,
        "case_id": record.case_id,
        "department": record.department.code,
        "action": record.action,
        "recommended": record.recommended or None,
        "decided_option": record.decided_option or None,
        "overridden": record.overridden,
        "decided_at": record.decided_at.isoformat(),
        "review_by": record.review_by.isoformat(),
        "record_sha256": record.record_sha256,
    }


def _pdf_sha256(record: DecisionRecord) -> str | None:
    """The stored PDF's sha256 once rendered, else None."""
    pdf = getattr(record, "pdf", None)
    return pdf.sha256 if pdf is not None and pdf.status == "done" else None


def record_full(record: DecisionRecord) -> dict[str, Any]:
    """The whole record: its frozen content, hashes and links."""
    superseded_by = getattr(record, "superseded_by", None)
    return {
        **record_summary(record),
        **record.content,
        "record_sha256": record.record_sha256,
        "previous_sha256": record.previous_sha256,
        "pdf_sha256": _pdf_sha256(record),
        "supersedes": record.supersedes_id,
        "superseded_by": superseded_by.pk if superseded_by else None,
    }


@router.post("/cases/{case_id}/review", url_name="case_review", response={200: dict, 201: dict})
def review(request: HttpRequest, case_id: int, body: ReviewIn) -> Any:
    """Approve (optionally another option: an override), return or reject a submitted case."""
    case = get_object_or_404(Case.objects.visible_to(request.user), pk=case_id)  # type: ignore[arg-type]
    record = review_decide(
        case=case,
        by=request.user,  # type: ignore[arg-type]
        action=body.action,
        option=body.option,
        rationale=body.rationale,
        review_by=body.review_by,
    )
    case.refresh_from_db()
    if record is None:
        return {"case_id": case.pk, "status": case.status, "record": None}
    return Status(201, {"case_id": case.pk, "status": case.status, "record": record_full(record)})


@router.get("/decisions", url_name="decisions")
def decisions(request: HttpRequest) -> dict[str, Any]:
    """Decision records the caller may see, newest first."""
    records = records_visible_to(request.user).select_related("department")  # type: ignore[arg-type]
    items = [record_summary(r) for r in records.order_by("-decided_at", "-pk")]
    return {"items": items, "count": len(items)}


@router.get("/decisions/{record_id}", url_name="decision")
def decision(request: HttpRequest, record_id: int) -> dict[str, Any]:
    """One whole decision record."""
    records = records_visible_to(request.user).select_related("department", "superseded_by")  # type: ignore[arg-type]
    return record_full(get_object_or_404(records, pk=record_id))


@router.get("/audit/verify", url_name="audit_verify")
def verify(request: HttpRequest) -> dict[str, Any]:
    """Walk the audit chain, the checkpoints and the decision records; report every break."""
    return audit_verify().to_dict()


@router.get("/register", auth=None, url_name="register")
def register(request: HttpRequest) -> dict[str, Any]:
    """The public transparency register: approved decisions, publishable fields only."""
    items = [register_entry(r) for r in register_entries()]
    return {"items": items, "count": len(items)}
