"""The composite verification: the audit chain and its checkpoints, the decision records (their
hashes, links and columns), their stored PDFs against the chain, and the signed heads.

What `manage.py verify_audit`, GET /api/v1/audit/verify and the audit chain page report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from decisions.audit.services import (
    audit_chain_check,
    audit_chain_check_since,
    verified_recall,
    verified_remember,
)
from decisions.integrity.checks import integrity_problems
from decisions.integrity.signing import Head
from decisions.records.models import DecisionRecord
from decisions.records.verification import records_verify


@dataclass(frozen=True)
class ChainReport:
    valid: bool
    events: int
    head_sha256: str
    problems: tuple[str, ...]
    records: int = 0
    checkpoint_seq: int | None = None
    checkpoint_sha256: str | None = None
    heads_checked: int = 0
    # Where the chain's walk started (since_verified): the last event of a prefix found intact
    # before, not re-hashed this time, and when the chain was last walked in full. None: every
    # event was walked. Not in to_dict (verify_audit and the API always walk every event).
    walked_from_seq: int | None = None
    walked_in_full_at: datetime | None = None
    # Where the records' and the PDFs' checks started (since_verified): after these record
    # numbers, found intact before. None: every record (every PDF) was checked.
    records_from_seq: int | None = None
    pdfs_from_seq: int | None = None

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
            "heads_checked": self.heads_checked,
            "problems": list(self.problems),
        }


def audit_verify(*, heads: Sequence[Head] = (), since_verified: bool = False) -> ChainReport:
    """The audit chain and its checkpoints, every decision record's hash, link and columns, every
    record's PDF against its chained hash, every stored signed head, and the signed heads an
    auditor supplies (`heads`, kept from the public feed): a tail deleted after the last
    checkpoint, or a history re-hashed together with its checkpoints, is caught against them.
    One report with every problem found.

    `since_verified` (the audit chain page): the chain's events are walked only after the
    last prefix a full walk found intact, as audit_chain_check_since says, and the records
    (hash, link, columns, issuing events) and their PDFs are checked only after the last
    record and the last rendered PDF a check found intact (remembered in the cache next to
    the chain's prefix; that record must still carry its hash, or every record is checked).
    The stored signed heads are checked in full either way. A constant number of queries.
    Anything inside the prefixes is checked again by the next full check (verify_audit, the
    API, the page's `?full=1`).
    """
    last = DecisionRecord.objects.order_by("-seq").values_list("seq", "record_sha256").first()
    prefix, walked_in_full_at, records_from = None, None, None
    if since_verified:
        chain, prefix, walked_in_full_at = audit_chain_check_since()
        records_from = _records_recall()
    else:
        chain = audit_chain_check()
    after = records_from.seq if records_from is not None else 0
    pdfs_after = records_from.pdfs_seq if records_from is not None else 0
    unrendered: list[int] = []
    problems = [
        *chain.problems,
        *records_verify(
            after=after, previous=records_from.sha256 if records_from is not None else None
        ),
        *integrity_problems(
            heads=heads, records_after=after, pdfs_after=pdfs_after, unrendered=unrendered
        ),
    ]
    if problems:
        if not since_verified:
            _records_remember(None)  # the next check looks at every record again and finds them
    elif last is not None:
        seq, sha = last
        rendered_to = min([seq + 1, *unrendered]) - 1  # before the first PDF still to render
        _records_remember(VerifiedRecords(seq, sha, max(rendered_to, pdfs_after)))
    return ChainReport(
        not problems,
        chain.events,
        chain.head_sha256,
        tuple(problems),
        records=DecisionRecord.objects.count(),
        checkpoint_seq=chain.checkpoint_seq,
        checkpoint_sha256=chain.checkpoint_sha256,
        heads_checked=len(heads),
        walked_from_seq=prefix.seq if prefix is not None else None,
        walked_in_full_at=walked_in_full_at,
        records_from_seq=after if records_from is not None else None,
        pdfs_from_seq=pdfs_after if records_from is not None else None,
    )


@dataclass(frozen=True)
class VerifiedRecords:
    """Records found intact by a check: up to record number `seq` (whose hash is `sha256`)
    their hashes, links, columns and issuing events; up to `pdfs_seq` their PDFs."""

    seq: int
    sha256: str
    pdfs_seq: int


def _records_remember(verified: VerifiedRecords | None) -> None:
    value = None if verified is None else (verified.seq, verified.sha256, verified.pdfs_seq)
    verified_remember("audit-records", value)


def _records_recall() -> VerifiedRecords | None:
    """The records remembered as intact, if their last record still carries its hash."""
    try:
        seq, sha, pdfs_seq = verified_recall("audit-records")
        verified = VerifiedRecords(int(seq), str(sha), int(pdfs_seq))
    except (TypeError, ValueError):  # nothing remembered, or not ours
        return None
    held = DecisionRecord.objects.filter(seq=verified.seq).values_list("record_sha256", flat=True)
    return verified if held.first() == verified.sha256 else None
