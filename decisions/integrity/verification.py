"""The composite verification: the audit chain and its checkpoints, the decision records (their
hashes, links and columns), their stored PDFs against the chain, and the signed heads.

What `manage.py verify_audit`, GET /api/v1/audit/verify and the audit chain page report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import astuple, dataclass, replace
from datetime import datetime
from typing import Any

from django.db.models import Count, Model, Subquery, Value
from django.utils import timezone

from decisions.audit.models import AuditCheckpoint, AuditEvent
from decisions.audit.services import (
    audit_chain_check,
    audit_chain_check_since,
    verified_recall,
    verified_remember,
)
from decisions.integrity.checks import integrity_problems
from decisions.integrity.keys import trusted_keys
from decisions.integrity.models import SignedHead
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
    # since_verified: when the check shown was made, if it was kept from an earlier load
    # because nothing has been appended since (None: made for this request).
    kept_from: datetime | None = None

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
    API, the page's `?full=1`). An intact result with every PDF rendered is kept with the
    tables' tails it was made at (Tails: the last event, record, signed head and checkpoint,
    the record count, the trusted keys); while the tails are the same (nothing appended, all
    four tables append-only), the page is given that result again, marked with when it was
    made (`kept_from`), in one query. Any problem found, by either kind of check, drops it.
    """
    tails = _tails()
    if since_verified and not heads:
        kept = _kept_report(tails)
        if kept is not None:
            return kept
    last = None
    if tails.record_seq is not None and tails.record_sha256 is not None:
        last = (tails.record_seq, tails.record_sha256)
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
        verified_remember(KEPT, None)  # a problem found: no earlier result is shown again
        if not since_verified:
            _records_remember(None)  # the next check looks at every record again and finds them
    elif last is not None:
        seq, sha = last
        rendered_to = min([seq + 1, *unrendered]) - 1  # before the first PDF still to render
        _records_remember(VerifiedRecords(seq, sha, max(rendered_to, pdfs_after)))
    report = ChainReport(
        not problems,
        chain.events,
        chain.head_sha256,
        tuple(problems),
        records=tails.records,
        checkpoint_seq=chain.checkpoint_seq,
        checkpoint_sha256=chain.checkpoint_sha256,
        heads_checked=len(heads),
        walked_from_seq=prefix.seq if prefix is not None else None,
        walked_in_full_at=walked_in_full_at,
        records_from_seq=after if records_from is not None else None,
        pdfs_from_seq=pdfs_after if records_from is not None else None,
    )
    if since_verified and not heads and not problems and not unrendered:
        _keep_report(tails, report)
    return report


# The cache entry of the last intact result of the audit chain page's check (verified_remember).
KEPT = "audit-report"


@dataclass(frozen=True)
class Tails:
    """The ends of what the check reads, in one query: the last audit event, decision record,
    signed head and checkpoint (each table append-only), the record count and the trusted
    keys' ids. Anything appended (an event, a record, a head, a checkpoint), a record removed
    or a key trusted or no longer trusted gives other tails."""

    event_seq: int | None
    event_sha256: str | None
    record_seq: int | None
    record_sha256: str | None
    records: int
    head_seq: int | None
    head_signature: str | None
    checkpoint_seq: int | None
    checkpoint_sha256: str | None
    keys: tuple[str, ...]


def _tails() -> Tails:
    """The tails, by one query: a scalar subquery for each table's last entry (by its `seq`
    index) beside the count of the records, over the records table with no grouping (one row,
    whatever the tables hold; None for an empty table's)."""

    def last(model: type[Model], field: str) -> Subquery:
        return Subquery(model._default_manager.order_by("-seq").values(field)[:1])

    tails = {
        "event_seq": last(AuditEvent, "seq"),
        "event_sha256": last(AuditEvent, "sha256"),
        "record_seq": last(DecisionRecord, "seq"),
        "record_sha256": last(DecisionRecord, "record_sha256"),
        "records": Count("pk"),
        "head_seq": last(SignedHead, "seq"),
        "head_signature": last(SignedHead, "signature"),
        "checkpoint_seq": last(AuditCheckpoint, "seq"),
        "checkpoint_sha256": last(AuditCheckpoint, "head_sha256"),
    }
    row = (
        DecisionRecord.objects.order_by()
        .values(one=Value(1))  # nothing to group by: the whole table is one group, one row
        .annotate(**tails)
        .values(*tails)
        .get()
    )
    return Tails(**row, keys=tuple(sorted(trusted_keys())))


def _keep_report(tails: Tails, report: ChainReport) -> None:
    """Keep an intact result of the page's check with the tails it was made at, and when."""
    verified_remember(KEPT, (astuple(tails), astuple(report), timezone.now().isoformat()))


def _kept_report(tails: Tails) -> ChainReport | None:
    """The intact result kept by _keep_report if the tails are still the same, marked with
    when that check was made; otherwise None (the check is made again)."""
    try:
        kept_tails, fields, made_at = verified_recall(KEPT)
        kept = Tails(*[*kept_tails[:-1], tuple(kept_tails[-1])])
        report = ChainReport(*fields)
        made = datetime.fromisoformat(made_at)
    except (TypeError, ValueError):  # nothing kept, or not ours
        return None
    if kept != tails or not report.valid or report.problems:
        return None
    return replace(report, kept_from=made)


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
