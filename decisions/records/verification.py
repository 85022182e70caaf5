"""The chain of decision records: every record's hash and its link to the one before.

decisions.integrity.verification puts this together with the audit chain, the records' columns,
their PDFs and the signed heads (what `manage.py verify_audit`, GET /api/v1/audit/verify and
the audit chain page report).
"""

from __future__ import annotations

from decisions.records.content import record_hash
from decisions.records.models import DecisionRecord


def records_verify(*, after: int = 0, previous: str | None = None) -> list[str]:
    """Every record whose content no longer matches its hash, or whose link is broken.

    `after` and `previous`: check only the records after record number `after`, the first of
    them linked to `previous` (that record's hash); by default every record from the first.
    """
    problems = []
    expected = after + 1
    for record in (
        DecisionRecord.objects.filter(seq__gt=after).order_by("seq").iterator(chunk_size=500)
    ):
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
        # Every column against the hashed content: decisions.integrity.checks.
        previous = record.record_sha256
        expected = record.seq + 1
    return problems
