"""Every write of decision records: issue one in the decision's transaction, appended to the
chain of records (its PDF's outbox row is decisions.records.pdf.pdf_outbox_add)."""

from __future__ import annotations

from decisions.audit.services import serialise_appends
from decisions.records.content import Decision, build_content, record_hash
from decisions.records.models import DecisionRecord

_LOCK_KEY = 0x5245_434F_5244  # pg_advisory_xact_lock key for issuing records


def record_issue(decision: Decision) -> DecisionRecord:
    """Append a record of the decision to the chain of records (call inside the decision's
    transaction)."""
    serialise_appends(_LOCK_KEY)
    last = DecisionRecord.objects.order_by("-seq").only("seq", "record_sha256").first()
    seq = (last.seq + 1) if last else 1
    previous = last.record_sha256 if last else None
    content = build_content(decision)
    case = decision.case
    recommended = decision.assessment.result.get("recommended") or ""
    return DecisionRecord.objects.create(
        seq=seq,
        case=case,
        reference=case.reference,
        department=case.department,
        action=decision.action,
        recommended=recommended,
        decided_option=decision.decided_option,
        overridden=content["accountability"]["overridden"],
        decided_by=decision.reviewer,
        decided_at=decision.decided_at,
        review_by=decision.review_by,
        supersedes=decision.supersedes,
        content=content,
        record_sha256=record_hash(seq=seq, content=content, previous_sha256=previous),
        previous_sha256=previous,
    )
