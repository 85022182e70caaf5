"""One record, verifiable alone: what a record's PDF carries and how it is checked offline.

The PDF embeds `record-proof.json` (a PDF file attachment):

    {"type": "sourcing-decisions/record-proof/v1",
     "record": {"seq", "reference", "previous_sha256", "content", "record_sha256"},
     "inclusion": {"leaf_index", "tree_size", "path": [64-hex, ...]},
     "head": {seq, head_sha256, records, records_root, signed_at, key_id, signature},
     "key": {"key_id", "algorithm": "Ed25519", "public_key": base64}}

Checking it needs no database: the record's hash is recomputed from its content, the
inclusion proof (RFC 9162) leads from that hash to the head's Merkle root, the head's Ed25519
signature must verify with a key the auditor trusts (the key the PDF names is only a hint), and
the head must be one of the published heads the auditor kept, when they give them.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from decisions.audit.models import AuditEvent
from decisions.engine.hashable import canonical_json
from decisions.integrity import merkle
from decisions.integrity.heads import head_covering, head_data, record_leaves
from decisions.integrity.keys import trusted_keys
from decisions.integrity.signing import (
    ALGORITHM,
    Head,
    HeadProblem,
    head_from_dict,
    public_key_b64,
    signature_valid,
)
from decisions.records.content import record_hash
from decisions.records.models import DecisionRecord, RecordPdf
from decisions.records.outcome_pdf import EVENTS_ATTACHMENT, ISSUED_ATTACHMENT
from decisions.records.outcomes import OUTCOME_ACTION
from decisions.records.pdf import pdf_render
from sourcing.questionnaire import OPTION_LABELS

PROOF_TYPE = "sourcing-decisions/record-proof/v1"
ATTACHMENT_NAME = "record-proof.json"
ATTACHMENT_DESCRIPTION = (
    "The decision record, its hash, the signed head that covers it and the Merkle inclusion "
    "proof: check with manage.py verify_record"
)


def record_proof(record: DecisionRecord) -> dict[str, Any]:
    """The proof a record's PDF carries (signs a head covering the record if none does yet).

    Raises LookupError when no head can cover the record, and ValueError when the stored
    records no longer lead to the signed root (the database was changed).
    """
    row = head_covering(record)
    head = head_data(row)
    leaves = record_leaves(limit=head.records)
    index = next((i for i, (seq, _leaf) in enumerate(leaves) if seq == record.seq), None)
    hashes = [leaf for _seq, leaf in leaves]
    if index is None or merkle.root_of_hashes(hashes).hex() != head.records_root:
        raise ValueError(
            f"The records no longer match the signed head at event {head.seq}: "
            f"record {record.reference} cannot be proven."
        )
    key = trusted_keys().get(head.key_id)
    return {
        "type": PROOF_TYPE,
        "record": {
            "seq": record.seq,
            "reference": record.reference,
            "previous_sha256": record.previous_sha256,
            "content": record.content,
            "record_sha256": record.record_sha256,
        },
        "inclusion": {
            "leaf_index": index,
            "tree_size": len(hashes),
            "path": [node.hex() for node in merkle.inclusion_path(index, hashes)],
        },
        "head": head.to_dict(),
        "key": {
            "key_id": head.key_id,
            "algorithm": ALGORITHM,
            "public_key": public_key_b64(key) if key is not None else None,
        },
    }


def proof_json(proof: Mapping[str, Any]) -> str:
    """The attachment's text: JSON, UTF-8, keys sorted, for people and machines alike."""
    return json.dumps(proof, ensure_ascii=False, sort_keys=True, indent=1)


def proof_attachment(proof: Mapping[str, Any]) -> Any:
    """A WeasyPrint Attachment carrying the proof, for `write_pdf(attachments=[...])`."""
    from weasyprint import Attachment  # noqa: PLC0415 (on first use: ADR 0024)

    return Attachment(
        string=proof_json(proof),
        name=ATTACHMENT_NAME,
        description=ATTACHMENT_DESCRIPTION,
        relationship="Supplement",
    )


def record_pdf_proof(record: DecisionRecord) -> tuple[dict[str, Any], list[Any]]:
    """What a record's PDF prints and carries: its proof, and the proof as an attachment.

    Raises ValueError (the render fails, and is recorded as failed) for a record no chained
    `record.issued` event names with its hash: a row inserted by hand is never rendered.
    """
    issued = AuditEvent.objects.filter(
        action="record.issued",
        object_type="decision_record",
        object_id=str(record.pk),
        payload__record_sha256=record.record_sha256,
    ).exists()
    if not issued:
        raise ValueError(
            f"Record {record.reference} has no issuing event on the audit chain: not rendered."
        )
    proof = record_proof(record)
    return proof, [proof_attachment(proof)]


def record_pdf_render(*, pdf_id: int) -> RecordPdf | None:
    """Render and store a record's PDF with its record proof (the render task and exports)."""
    return pdf_render(pdf_id=pdf_id, prove=record_pdf_proof)


class ProofMissing(ValueError):
    """The file is not a PDF, or carries no readable record proof."""


def pdf_attachments(data: bytes) -> dict[str, list[bytes]]:
    """A PDF's embedded files by name; ProofMissing when it is not a readable PDF."""
    from pypdf import PdfReader  # noqa: PLC0415 (on first use: ADR 0024)
    from pypdf.errors import PyPdfError  # noqa: PLC0415

    try:
        return dict(PdfReader(io.BytesIO(data)).attachments)
    except (PyPdfError, ValueError, KeyError, TypeError) as exc:
        raise ProofMissing(f"The file is not a readable PDF ({type(exc).__name__}).") from None


def proof_from_pdf(data: bytes) -> dict[str, Any]:
    """The record proof embedded in a PDF's attachments; ProofMissing says what is wrong."""
    return proof_from_attachments(pdf_attachments(data))


def proof_from_attachments(attachments: Mapping[str, list[bytes]]) -> dict[str, Any]:
    """The record proof among a PDF's embedded files (as pdf_attachments reads them);
    ProofMissing when there is none, more than one, or it is not a record proof in JSON."""
    payloads = attachments.get(ATTACHMENT_NAME) or []
    if len(payloads) != 1:
        raise ProofMissing(
            f"The PDF carries no {ATTACHMENT_NAME} attachment (or more than one): "
            "it was not rendered with a record proof."
        )
    try:
        proof = json.loads(payloads[0].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ProofMissing(f"The PDF's {ATTACHMENT_NAME} is not JSON.") from None
    if not isinstance(proof, dict) or proof.get("type") != PROOF_TYPE:
        raise ProofMissing(f"The PDF's {ATTACHMENT_NAME} is not a {PROOF_TYPE} document.")
    return proof


@dataclass
class ProofReport:
    """What `verify_record` found: valid only when every check passed."""

    reference: str = ""
    record_sha256: str = ""
    head: dict[str, Any] | None = None
    compared_with_published: bool = False
    problems: list[str] = field(default_factory=list)
    # The record with its outcome reviews (ADR 0033): the attached record as issued is what was
    # checked above; these say what was found of the outcome reviews. None for a plain PDF.
    issued_sha256: str | None = None
    outcome_events: list[int] | None = None
    outcome_problems: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.problems and not self.outcome_problems

    @property
    def summary(self) -> str:
        """One line: what was verified, or which part failed."""
        if self.outcome_events is None:
            return "Record: verified" if self.valid else "Record: problems found"
        issued = "verified" if not self.problems else "problems found"
        count = len(self.outcome_events)
        reviews = f"{count} outcome review{'s' * (count != 1)}"
        if self.outcome_problems:
            return f"Record as issued: {issued}; {reviews}: problems found"
        events = ", ".join(f"#{seq}" for seq in self.outcome_events)
        return f"Record as issued: {issued}; {reviews}: verified against the audit chain" + (
            f" (events {events})" if events else ""
        )

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "valid": self.valid,
            "reference": self.reference,
            "record_sha256": self.record_sha256,
            "head": self.head,
            "compared_with_published": self.compared_with_published,
            "problems": list(self.problems),
        }
        if self.outcome_events is not None:
            result["summary"] = self.summary
            result["record_as_issued"] = {
                "attachment": ISSUED_ATTACHMENT,
                "sha256": self.issued_sha256,
                "valid": not self.problems,
            }
            result["outcome_reviews"] = {
                "attachment": EVENTS_ATTACHMENT,
                "events": list(self.outcome_events),
                "valid": not self.outcome_problems,
                "problems": list(self.outcome_problems),
            }
        return result


def _hex32(value: Any) -> bytes | None:
    if not isinstance(value, str) or len(value) != 64:
        return None
    try:
        return bytes.fromhex(value)
    except ValueError:
        return None


def proof_verify(
    proof: Mapping[str, Any],
    *,
    keys: Mapping[str, Ed25519PublicKey],
    published: Sequence[Head] = (),
) -> ProofReport:
    """Check a record proof offline: content -> record hash -> Merkle root -> signed head.

    `keys` are the public keys the auditor trusts (by key id); `published` the heads they kept
    from the public feed, if any: the proof's head must then be one of them, field for field.
    """
    report = ProofReport()
    record = proof.get("record")
    inclusion = proof.get("inclusion")
    if not isinstance(record, Mapping) or not isinstance(inclusion, Mapping):
        report.problems.append("The proof has no 'record' or no 'inclusion'.")
        return report
    report.reference = str(record.get("reference", ""))
    report.record_sha256 = str(record.get("record_sha256", ""))
    try:
        head = head_from_dict(proof.get("head"))
    except HeadProblem as exc:
        report.problems.append(f"The proof's head is malformed: {exc}")
        return report
    report.head = head.to_dict()

    seq, content = record.get("seq"), record.get("content")
    if not isinstance(seq, int) or not isinstance(content, Mapping):
        report.problems.append("The record has no whole-number 'seq' or no 'content'.")
    elif (
        record_hash(seq=seq, content=dict(content), previous_sha256=record.get("previous_sha256"))
        != report.record_sha256
    ):
        report.problems.append(
            "The record's content does not match its sha256 (the record was changed)."
        )
    identity = content.get("identity", {}) if isinstance(content, Mapping) else {}
    if isinstance(identity, Mapping) and identity.get("reference") != report.reference:
        report.problems.append("The record's reference differs from the one in its content.")

    leaf = _hex32(report.record_sha256)
    path = inclusion.get("path")
    nodes = [_hex32(node) for node in path] if isinstance(path, list) else [None]
    index, size = inclusion.get("leaf_index"), inclusion.get("tree_size")
    if leaf is None or any(node is None for node in nodes):
        report.problems.append("The record hash or the inclusion path is not 64-hex SHA-256.")
    elif not isinstance(index, int) or not isinstance(size, int) or size != head.records:
        report.problems.append(
            f"The inclusion proof is for a tree of {size} records; the head covers {head.records}."
        )
    elif not merkle.verify_inclusion(
        index,
        size,
        merkle.leaf_hash(leaf),
        [node for node in nodes if node is not None],
        bytes.fromhex(head.records_root),
    ):
        report.problems.append(
            "The inclusion proof does not lead to the head's Merkle root (the record is not "
            "the one the head covers)."
        )

    if head.key_id not in keys:
        report.problems.append(
            f"The head is signed by key {head.key_id}, which is not among the keys you trust: "
            "give the published public key (--public-key) or a copy of the heads feed."
        )
    elif not signature_valid(head, keys):
        report.problems.append("The head's signature does not verify (the head was changed).")

    if published:
        report.compared_with_published = True
        same_seq = [h for h in published if h.seq == head.seq]
        if not same_seq:
            report.problems.append(
                f"The head at event {head.seq} is not among the published heads you gave."
            )
        elif head not in same_seq:
            report.problems.append(
                f"The head at event {head.seq} differs from the published head at that event "
                "(two versions of history were signed)."
            )
    return report


# The visible pages against the proven record: what verify_record checks besides the proof.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u00ad\u2060\ufeff"))


def pages_text(data: bytes) -> list[str]:
    """The text of each page of a PDF (pypdf's extraction), zero-width characters removed.

    Raises ProofMissing when the pages cannot be read."""
    from pypdf import PdfReader  # noqa: PLC0415 (on first use: ADR 0024)
    from pypdf.errors import PyPdfError  # noqa: PLC0415

    try:
        pages = PdfReader(io.BytesIO(data)).pages
        return [(page.extract_text() or "").translate(_INVISIBLE) for page in pages]
    except (PyPdfError, ValueError, KeyError, TypeError) as exc:
        raise ProofMissing(f"The PDF's pages cannot be read ({type(exc).__name__}).") from None


def _squeezed(text: str) -> str:
    return "".join(text.split())


def pages_problems(pages: Sequence[str], proof: Mapping[str, Any]) -> list[str]:
    """What the visible pages print that differs from the record the proof carries.

    Compared, wherever the pages print them: the reference (heading, summary, running header,
    colophon), the record hash and the previous record's hash, the record's sequence number,
    the department's code, the decision and the title. A PDF whose pages belong to another
    record than its embedded proof is reported, naming each field.
    """
    record = _mapping(proof.get("record"))
    content = _mapping(record.get("content"))
    identity = _mapping(content.get("identity"))
    department = _mapping(identity.get("department"))
    text = "\n".join(pages)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    # The summary's rows are read on the first page only (user text further on could look
    # like them); the running header and the colophon on every page.
    first = [" ".join(line.split()) for line in (pages[0] if pages else "").splitlines()]
    squeezed = _squeezed(text)
    reference = str(record.get("reference", ""))
    problems: list[str] = []

    def differs(field: str, printed: Sequence[str], proven: str) -> None:
        if not printed:
            problems.append(f"The pages do not print the record's {field}.")
        elif any(value != proven for value in printed):
            shown = ", ".join(sorted({value for value in printed if value != proven}))
            problems.append(
                f"The pages print {field} {shown}, but the proven record's is {proven or 'none'} "
                "(the pages are not this record's)."
            )

    references = [
        found
        for line in first
        for pattern in (r"^Decision record (\S+)$", r"^Reference (\S+)$")
        if (found := _first(pattern, line)) is not None
    ]
    references += [
        found for line in lines if (found := _first(r"^(\S+) · Decision record · ", line))
    ]
    references += re.findall(r"from record (\S+) \(sequence \d+\)", " ".join(lines))
    differs("reference", references, reference)
    differs(
        "record hash",
        re.findall(r"Recordhash\(sha256\)([0-9a-f]{64})", squeezed),
        str(record.get("record_sha256", "")),
    )
    previous = record.get("previous_sha256")
    differs(
        "previous record hash",
        [
            "none" if found.startswith("None") else found
            for found in re.findall(r"Previousrecordhash([0-9a-f]{64}|None:)", squeezed)
        ],
        str(previous) if previous else "none",
    )
    differs(
        "sequence number",
        re.findall(r"from record \S+ \(sequence (\d+)\)", " ".join(lines)),
        str(record.get("seq", "")),
    )
    differs(
        "department code",
        [found for line in first if (found := _first(r"^Department .*\((\S+)\)$", line))],
        str(department.get("code", "")),
    )
    decision = _decision_text(content)
    if decision is not None:
        differs(
            "decision",
            [
                found
                for line in first
                if (found := _first(r"^Decision (Approved: .+|Rejected)$", line))
            ],
            decision,
        )
    title = _squeezed(str(identity.get("title", "")))
    if title and title not in _squeezed(pages[0] if pages else ""):
        problems.append("The first page does not print the proven record's title.")
    return problems


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _first(pattern: str, line: str) -> str | None:
    found = re.search(pattern, line)
    return found.group(1) if found else None


def _decision_text(content: Mapping[str, Any]) -> str | None:
    """The decision as the summary prints it ("Approved: Buy", "Rejected"), or None."""
    accountability = content.get("accountability")
    if not isinstance(accountability, Mapping):
        return None
    if accountability.get("decision") == "reject":
        return "Rejected"
    option = str(accountability.get("decided_option") or "")
    return f"Approved: {OPTION_LABELS.get(option, option)}"


def pdf_verify(
    data: bytes,
    *,
    keys: Mapping[str, Ed25519PublicKey],
    published: Sequence[Head] = (),
) -> tuple[dict[str, Any] | None, ProofReport]:
    """One record PDF offline, as `manage.py verify_record` and the auditor's page check it:
    its embedded proof (proof_verify), and its visible pages against the proven record
    (pages_problems). Returns the proof (None when the PDF carries none) and the report.

    The record with its outcome reviews (ADR 0033) carries no proof itself: its attached
    `record-as-issued.pdf` is checked as above (report.issued_sha256 is that file's hash), then
    each outcome review in its `outcome-reviews.json` (outcome_reviews_problems; this looks the
    events up on the service's audit chain)."""
    try:
        attachments = pdf_attachments(data)
    except ProofMissing as exc:
        return None, ProofReport(problems=[str(exc)])
    if ATTACHMENT_NAME not in attachments and ISSUED_ATTACHMENT in attachments:
        return _outer_verify(attachments, keys=keys, published=published)
    return _plain_verify(data, keys=keys, published=published, attachments=attachments)


def _outer_verify(
    attachments: Mapping[str, list[bytes]],
    *,
    keys: Mapping[str, Ed25519PublicKey],
    published: Sequence[Head],
) -> tuple[dict[str, Any] | None, ProofReport]:
    issued = attachments[ISSUED_ATTACHMENT]
    events = attachments.get(EVENTS_ATTACHMENT) or []
    if len(issued) != 1:
        return None, ProofReport(problems=[f"The PDF carries more than one {ISSUED_ATTACHMENT}."])
    proof, report = _plain_verify(issued[0], keys=keys, published=published)
    report.problems = [f"{ISSUED_ATTACHMENT}: {problem}" for problem in report.problems]
    report.issued_sha256 = hashlib.sha256(issued[0]).hexdigest()
    report.outcome_events = []
    if len(events) != 1:
        report.outcome_problems.append(
            f"The PDF carries no {EVENTS_ATTACHMENT} (or more than one): its outcome reviews "
            "cannot be checked."
        )
        return proof, report
    seqs, problems = outcome_reviews_problems(events[0], record_sha256=report.record_sha256)
    report.outcome_events = seqs
    report.outcome_problems = [f"{EVENTS_ATTACHMENT}: {problem}" for problem in problems]
    return proof, report


def outcome_reviews_problems(data: bytes, *, record_sha256: str) -> tuple[list[int], list[str]]:
    """The event numbers of the outcome reviews in an `outcome-reviews.json`
    (`{"events": [{"content": {...}, "sha256"}]}`) and every problem found: an event whose
    content no longer hashes to its sha256 (RFC 8785, as the chain hashes it), that is not a
    `record.outcome` of the record whose hash is `record_sha256`, that is out of order, or that
    the service's audit chain does not hold with that number and hash."""
    try:
        parsed = json.loads(data.decode("utf-8"))
        items = parsed["events"]
        if not isinstance(items, list):
            raise TypeError
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError):
        return [], ["not a list of outcome review events in JSON"]
    seqs: list[int] = []
    problems: list[str] = []
    wanted: dict[int, str] = {}
    for number, item in enumerate(items, start=1):
        content = _mapping(item.get("content")) if isinstance(item, Mapping) else {}
        sha256 = item.get("sha256") if isinstance(item, Mapping) else None
        seq = content.get("seq")
        name = f"outcome review {number}" + (f" (event #{seq})" if isinstance(seq, int) else "")
        try:
            recomputed = hashlib.sha256(canonical_json(dict(content))).hexdigest()
        except (TypeError, ValueError):
            recomputed = ""
        if not isinstance(seq, int) or not isinstance(sha256, str) or recomputed != sha256:
            problems.append(f"{name} does not match its sha256 (it was changed)")
            continue
        payload = _mapping(content.get("payload"))
        if content.get("action") != OUTCOME_ACTION or content.get("object_type") != (
            "decision_record"
        ):
            problems.append(f"{name} is not an outcome review of a decision record")
        elif payload.get("record_sha256") != record_sha256:
            problems.append(f"{name} belongs to another decision record")
        if seqs and seq <= seqs[-1]:
            problems.append(f"{name} is out of order")
        seqs.append(seq)
        wanted[seq] = sha256
    chained = dict(
        AuditEvent.objects.filter(seq__in=list(wanted), action=OUTCOME_ACTION).values_list(
            "seq", "sha256"
        )
    )
    for seq, sha256 in wanted.items():
        if chained.get(seq) != sha256:
            problems.append(f"event #{seq} is not on the audit chain with this sha256")
    return seqs, problems


def _plain_verify(
    data: bytes,
    *,
    keys: Mapping[str, Ed25519PublicKey],
    published: Sequence[Head],
    attachments: Mapping[str, list[bytes]] | None = None,
) -> tuple[dict[str, Any] | None, ProofReport]:
    """`data`'s proof and its pages checked; `attachments`: its embedded files, when the caller
    has read them already (else read here)."""
    try:
        proof = proof_from_attachments(
            pdf_attachments(data) if attachments is None else attachments
        )
    except ProofMissing as exc:
        return None, ProofReport(problems=[str(exc)])
    report = proof_verify(proof, keys=keys, published=published)
    try:
        report.problems.extend(pages_problems(pages_text(data), proof))
    except ProofMissing as exc:
        report.problems.append(str(exc))
    return proof, report
