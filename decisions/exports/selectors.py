"""Reads of exports: the records a filter selects, recent exports, failed PDFs."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from decisions.exports.models import ExportJob
from decisions.records.models import DecisionRecord, RecordPdf
from sourcing.jobs import JobStatus
from sourcing.models import Department


def export_records(filters: dict[str, Any]) -> QuerySet[DecisionRecord]:
    """The records an export filter selects, in chain order."""
    records = DecisionRecord.objects.select_related(
        "department", "decided_by", "pdf", "supersedes", "superseded_by"
    ).order_by("seq")
    if filters.get("department"):
        records = records.filter(department__code=filters["department"])
    if filters.get("option"):
        records = records.filter(decided_option=filters["option"])
    zone = timezone.get_current_timezone()
    if filters.get("date_from"):
        start = datetime.combine(date.fromisoformat(filters["date_from"]), time.min, zone)
        records = records.filter(decided_at__gte=start)
    if filters.get("date_to"):
        end = datetime.combine(date.fromisoformat(filters["date_to"]), time.min, zone)
        records = records.filter(decided_at__lt=end + timedelta(days=1))
    return records


def recent_exports(limit: int = 10) -> list[ExportJob]:
    """The latest exports, newest first, with who asked for them."""
    return list(ExportJob.objects.select_related("requested_by")[:limit])


def export_by_pk(pk: int) -> ExportJob | None:
    """One export with who asked for it, or None."""
    return ExportJob.objects.select_related("requested_by").filter(pk=pk).first()


def failed_pdfs(limit: int = 50) -> list[RecordPdf]:
    """PDFs that failed to render, in record order."""
    return list(
        RecordPdf.objects.filter(status=JobStatus.FAILED)
        .select_related("record")
        .order_by("record__seq")[:limit]
    )


def departments() -> list[Department]:
    """Every department, by name (the export filter's choices)."""
    return list(Department.objects.order_by("name"))
