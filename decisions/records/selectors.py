"""Reads of decision records: a record for its page, the public register's entries."""

from __future__ import annotations

from typing import Any

from decisions.records.models import DecisionRecord, DecisionRecordQuerySet


def record_for_page(user: Any, pk: int) -> DecisionRecord | None:
    """A record the user may see, with everything its page shows, or None."""
    return (
        DecisionRecord.objects.visible_to(user)
        .select_related("department", "case", "decided_by", "supersedes", "superseded_by", "pdf")
        .filter(pk=pk)
        .first()
    )


def register_entries() -> DecisionRecordQuerySet:
    """Approved decisions for the public register (current ones, newest first), without their
    content: `title` and `reasons_summary` are annotated (DecisionRecordQuerySet.summaries); with
    their case: a decision a reviewer reopened stays listed, marked as under review."""
    return (
        DecisionRecord.objects.current_approvals()
        .summaries()
        .select_related("department", "case")
        .order_by("-decided_at", "-pk")
    )
