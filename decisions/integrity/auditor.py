"""What the auditor's forms check: the service against heads they kept, one downloaded record
PDF (offline proof and the hash the chain recorded for it), one record by its reference."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from decisions.audit.models import AuditEvent
from decisions.integrity.checks import record_columns_differing
from decisions.integrity.keys import trusted_keys
from decisions.integrity.proofs import (
    ProofReport,
    pdf_verify,
    proof_verify,
    record_proof,
)
from decisions.integrity.signing import Head
from decisions.records.content import record_hash
from decisions.records.models import DecisionRecord


@dataclass
class PdfCheck:
    """One uploaded PDF: its proof checked offline, and whether it is the file the service
    rendered for that record (the sha256 on the chained `pdf.rendered` event)."""

    pdf_sha256: str
    proof: ProofReport
    rendered_sha256: str | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return self.proof.valid and not self.problems

    @property
    def same_as_rendered(self) -> bool:
        return self.rendered_sha256 is not None and self.rendered_sha256 == self.pdf_sha256


def _rendered_sha256(record_pk: int) -> str | None:
    payload = (
        AuditEvent.objects.filter(
            action="pdf.rendered", object_type="decision_record", object_id=str(record_pk)
        )
        .order_by("seq")
        .values_list("payload", flat=True)
        .first()
    )
    return payload.get("pdf_sha256") if isinstance(payload, Mapping) else None


def pdf_check(
    data: bytes, *, heads: Sequence[Head] = (), keys: Mapping[str, Ed25519PublicKey] | None = None
) -> PdfCheck:
    """Check a record PDF as `manage.py verify_record` does (its proof with the service's keys
    and any the auditor's heads list, and its visible pages against the proven record), then
    compare the file with the hash the chain recorded for it. For the record with its outcome
    reviews (ADR 0033), the file compared is its attached record as issued, and pdf_verify
    has checked its outcome reviews against the audit chain."""
    proof, report = pdf_verify(data, keys={**trusted_keys(), **(keys or {})}, published=heads)
    digest = report.issued_sha256 or hashlib.sha256(data).hexdigest()
    if proof is None:
        return PdfCheck(pdf_sha256=digest, proof=report)
    check = PdfCheck(pdf_sha256=digest, proof=report)
    record_part = proof.get("record")
    seq = record_part.get("seq") if isinstance(record_part, Mapping) else None
    record = DecisionRecord.objects.filter(seq=seq).first() if isinstance(seq, int) else None
    if record is None or record.record_sha256 != report.record_sha256:
        check.problems.append(
            "The service holds no decision record with this PDF's record hash "
            "(the record was removed or changed since)."
        )
        return check
    check.rendered_sha256 = _rendered_sha256(record.pk)
    if check.rendered_sha256 is None:
        check.problems.append("The audit chain records no rendered PDF of this record.")
    elif not check.same_as_rendered:
        # The embedded record can still be genuine; the pages are not the ones rendered.
        check.problems.append(
            "This file is not the PDF the service rendered for this record: its sha256 differs "
            "from the one on the audit chain (its pages may have been changed)."
        )
    return check


@dataclass
class RecordCheck:
    """One stored record: its hash, its columns, and its proof to the signed heads."""

    record: DecisionRecord
    proof: ProofReport | None
    problems: list[str]

    @property
    def valid(self) -> bool:
        return not self.problems and self.proof is not None and self.proof.valid


def records_check(reference: str, *, heads: Sequence[Head] = ()) -> list[RecordCheck]:
    """Every record of a case reference (a case decided again has several), oldest first."""
    records = list(
        DecisionRecord.objects.filter(reference=reference)
        .select_related("department", "decided_by", "supersedes")
        .order_by("seq")
    )
    checks = []
    for record in records:
        problems: list[str] = []
        content_hash = record_hash(
            seq=record.seq, content=record.content, previous_sha256=record.previous_sha256
        )
        if content_hash != record.record_sha256:
            problems.append("The record's content does not match its sha256 (it was changed).")
        supersedes = record.supersedes.record_sha256 if record.supersedes else None
        differing = record_columns_differing(record, supersedes)
        if differing:
            problems.append("Columns differ from the hashed content: " + ", ".join(differing))
        proof: ProofReport | None = None
        try:
            proof = proof_verify(record_proof(record), keys=trusted_keys(), published=heads)
        except (LookupError, ValueError) as exc:
            problems.append(str(exc))
        checks.append(RecordCheck(record=record, proof=proof, problems=problems))
    return checks


def report_dict(check: Any) -> dict[str, Any]:
    """A small helper for templates: a check's valid flag and every problem in one list."""
    proof_problems = (
        [*check.proof.problems, *check.proof.outcome_problems] if check.proof is not None else []
    )
    return {"valid": check.valid, "problems": [*check.problems, *proof_problems]}
