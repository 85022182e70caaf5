"""The composite verification: the audit chain and its checkpoints, the decision records (their
hashes, links and columns), their stored PDFs against the chain, and the signed heads.

What `manage.py verify_audit`, GET /api/v1/audit/verify and the audit chain page report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from decisions.audit.services import audit_chain_check, audit_chain_check_since
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
    last prefix a full walk found intact, as audit_chain_check_since says (the records, PDFs
    and heads are checked in full either way).
    """
    prefix, walked_in_full_at = None, None
    if since_verified:
        chain, prefix, walked_in_full_at = audit_chain_check_since()
    else:
        chain = audit_chain_check()
    problems = [*chain.problems, *records_verify(), *integrity_problems(heads=heads)]
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
    )
