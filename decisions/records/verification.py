"""The composite verification: the audit chain, the decision records and their stored PDFs.

What `manage.py verify_audit`, GET /api/v1/audit/verify and the audit chain page report.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from decisions.audit.services import audit_chain_check
from decisions.records.content import record_hash
from decisions.records.models import DecisionRecord
from decisions.records.pdf import pdf_verify


def records_verify() -> list[str]:
    """Every record whose content no longer matches its hash, or whose link is broken."""
    problems = []
    previous: str | None = None
    expected = 1
    for record in DecisionRecord.objects.order_by("seq").iterator(chunk_size=500):
        if record.seq != expected:
            problems.append(f"record {record.reference}: expected record number {expected}")
        if record.previous_sha256 != previous:
            problems.append(f"record {record.reference}: previous hash does not match")
        if (
            record_hash(
                seq=record.seq, content=record.content, previous_sha256=record.previous_sha256
            )
            != record.record_sha256
        ):
            problems.append(f"record {record.reference}: content does not match its hash")
        accountability = record.content.get("accountability", {})
        if (accountability.get("decided_option") or "") != record.decided_option or (
            accountability.get("overridden") != record.overridden
        ):
            problems.append(f"record {record.reference}: columns differ from the hashed content")
        previous = record.record_sha256
        expected = record.seq + 1
    return problems


@dataclass(frozen=True)
class ChainReport:
    valid: bool
    events: int
    head_sha256: str
    problems: tuple[str, ...]
    records: int = 0
    checkpoint_seq: int | None = None
    checkpoint_sha256: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "events": self.events,
            "head_sha256": self.head_sha256,
            "records": self.records,
            "checkpoint": (
                {"seq": self.checkpoint_seq, "head_sha256": self.checkpoint_sha256}
                if self.checkpoint_seq is not None
                else None
            ),
            "problems": list(self.problems),
        }


def audit_verify() -> ChainReport:
    """The audit chain and its checkpoints, every decision record's hash and link, and every
    stored PDF against its sha256: one report with every problem found."""
    chain = audit_chain_check()
    problems = [*chain.problems, *records_verify(), *pdf_verify()]
    return ChainReport(
        not problems,
        chain.events,
        chain.head_sha256,
        tuple(problems),
        records=DecisionRecord.objects.count(),
        checkpoint_seq=chain.checkpoint_seq,
        checkpoint_sha256=chain.checkpoint_sha256,
    )
