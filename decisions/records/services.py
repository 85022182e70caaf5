"""Every write of decision records: issue one in the decision's transaction, appended to the
chain of records (its PDF's outbox row is decisions.records.pdf.pdf_outbox_add)."""

from __future__ import annotations

from datetime import date, datetime

from decisions.assessments.models import Assessment
from decisions.audit.services import serialise_appends
from decisions.records.content import build_content, record_hash
from decisions.records.models import DecisionRecord
from sourcing.models import Case, User

_LOCK_KEY = 0x5245_434F_5244  # pg_advisory_xact_lock key for issuing records


def record_issue(
    *,
    case: Case,
    assessment: Assessment,
    reviewer: User,
    action: str,
    decided_option: str,
    rationale: str,
    decided_at: datetime,
    review_by: date,
    supersedes: DecisionRecord | None = None,
) -> DecisionRecord:
    """Append a record to the chain of records (call inside the decision's transaction)."""
    serialise_appends(_LOCK_KEY)
    last = DecisionRecord.objects.order_by("-seq").only("seq", "record_sha256").first()
    seq = (last.seq + 1) if last else 1
    previous = last.record_sha256 if last else None
    content = build_content(
        case=case,
        assessment=assessment,
        reviewer=reviewer,
        action=action,
        decided_option=decided_option,
        rationale=rationale,
        decided_at=decided_at,
        review_by=review_by,
        supersedes=supersedes,
    )
    recommended = assessment.result.get("recommended") or ""
    return DecisionRecord.objects.create(
        seq=seq,
        case=case,
        reference=case.reference,
        department=case.department,
        action=action,
        recommended=recommended,
        decided_option=decided_option,
        overridden=content["accountability"]["overridden"],
        decided_by=reviewer,
        decided_at=decided_at,
        review_by=review_by,
        supersedes=supersedes,
        content=content,
        record_sha256=record_hash(seq=seq, content=content, previous_sha256=previous),
        previous_sha256=previous,
    )
