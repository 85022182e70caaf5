"""Verification that does not take the database's word for it.

- Every decision record must have been issued by a decision: a chained `record.issued` event
  naming the record and its hash, right after the case's chained decision event
  (`case.approved`, `case.overridden` or `case.rejected`). A row inserted into the records table
  by hand, however well its hash is linked, has none ("record with no issuing event").
- Every column of a decision record that pages, the register or access checks read is compared
  with the record's hashed content, by stable identity: the department's and the reviewer's ids
  (never their code or username, which may be renamed).
- Every record's PDF is compared with the hash on its chained `pdf.rendered` event; the hash
  row and the outbox row must agree with that event; a PDF missing long after the decision is
  reported.
- Every stored signed head, and every head an auditor supplies, must verify with a trusted key
  and still match the chain (its event's hash) and the records (their Merkle root): a deleted
  tail, a re-hashed history or deleted records are caught against a head kept elsewhere.

Each function returns problems as sentences naming the record or event.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.db.models import CharField, F, Max, QuerySet
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Cast
from django.utils import timezone

from decisions.audit.models import AuditEvent
from decisions.integrity import merkle
from decisions.integrity.heads import head_data, record_leaves
from decisions.integrity.keys import trusted_keys
from decisions.integrity.models import SignedHead
from decisions.integrity.signing import Head, signature_valid
from decisions.records.models import DecisionAction, DecisionRecord, RecordPdf, RecordPdfHash
from decisions.records.pdf import pdf_failed_for_good, pdf_relative_path
from sourcing.jobs import JobStatus


def _same_time(stored: datetime, hashed: Any) -> bool:
    try:
        return isinstance(hashed, str) and datetime.fromisoformat(hashed) == stored
    except ValueError:
        return False


def _same_day(stored: date | None, hashed: Any) -> bool:
    """A day column against its hashed ISO 8601 day; both null (a rejection since schema
    version 4) is the same too."""
    if stored is None:
        return hashed is None
    return isinstance(hashed, str) and stored.isoformat() == hashed


def record_columns_differing(record: DecisionRecord, supersedes_sha256: str | None) -> list[str]:
    """The names of the record's columns that differ from its hashed content.

    `supersedes_sha256` is the record_sha256 of the record this one's `supersedes` column points
    to (None when it points nowhere).
    """
    content = record.content if isinstance(record.content, Mapping) else {}
    identity = content.get("identity") or {}
    accountability = content.get("accountability") or {}
    department = identity.get("department") or {}
    reviewer = accountability.get("reviewer") or {}
    expected: dict[str, bool] = {
        "reference": record.reference == identity.get("reference"),
        "case": record.case_id == identity.get("case_id"),
        "department": (
            record.department_id == department["id"]
            if "id" in department
            # Records issued before the content held the id (2026-11-30) name the department
            # by its code at the time.
            else record.department.code == department.get("code")
        ),
        "action": record.action == accountability.get("decision"),
        "recommended": record.recommended == (accountability.get("recommended") or ""),
        "decided_option": record.decided_option == (accountability.get("decided_option") or ""),
        "overridden": record.overridden == accountability.get("overridden"),
        "decided_by": (
            record.decided_by_id == reviewer["id"]
            if "id" in reviewer
            else record.decided_by.get_username() == reviewer.get("username")
        ),
        "decided_at": _same_time(record.decided_at, identity.get("decided_at")),
        "review_by": _same_day(record.review_by, content.get("review_by")),
        "supersedes": supersedes_sha256 == identity.get("supersedes_sha256"),
    }
    return [name for name, same in expected.items() if not same]


# The chained event of the decision that issues a record, by the record's action.
DECISION_EVENTS: dict[str, frozenset[str]] = {
    DecisionAction.APPROVE: frozenset({"case.approved", "case.overridden"}),
    DecisionAction.REJECT: frozenset({"case.rejected"}),
}


def _record_ids_after(after: int) -> QuerySet[DecisionRecord, str]:
    """The ids, as event object ids (text), of the records after record number `after`: a
    subquery."""
    return (
        DecisionRecord.objects.filter(seq__gt=after)
        .annotate(id_text=Cast("pk", CharField()))
        .values_list("id_text", flat=True)
    )


def records_issuing_verify(*, after: int = 0) -> list[str]:
    """Every record without its issuing events on the audit chain.

    `review_decide` appends, in the record's transaction, the case's decision event and right
    after it `record.issued` (object: the record's id; payload: its reference and
    `record_sha256`). A record is reported when no `record.issued` event names it with its
    hash ("record with no issuing event"), or when the event before that is not the decision,
    as hashed in its content, on its case (the columns are compared with the content apart).
    `after`: only the records after record number `after`. Three queries either way (the
    issuing events of those records and the events right before them by subqueries).
    """
    # The case and the decision as hashed in the content (the columns are checked against the
    # content by records_columns_verify, so an edited column is reported once, there).
    records = list(
        DecisionRecord.objects.filter(seq__gt=after)
        .order_by("seq")
        .annotate(
            hashed_case=KeyTextTransform("case_id", KeyTransform("identity", "content")),
            hashed_action=KeyTextTransform("decision", KeyTransform("accountability", "content")),
        )
        .values_list("pk", "reference", "record_sha256", "hashed_case", "hashed_action")
    )
    events = AuditEvent.objects.filter(action="record.issued", object_type="decision_record")
    if after:
        events = events.filter(object_id__in=_record_ids_after(after))
    issued: dict[str, list[tuple[int, Mapping[str, Any]]]] = {}
    for seq, object_id, payload in events.values_list("seq", "object_id", "payload").iterator(
        chunk_size=2000
    ):
        issued.setdefault(object_id, []).append(
            (seq, payload if isinstance(payload, Mapping) else {})
        )
    found: list[tuple[str, str | None, str | None, int | None]] = []
    for pk, reference, record_sha256, hashed_case, hashed_action in records:
        matching = [
            seq
            for seq, payload in issued.get(str(pk), [])
            if payload.get("record_sha256") == record_sha256
        ]
        found.append((reference, hashed_case, hashed_action, matching[0] if matching else None))
    # The events right before those record.issued events (a subquery: one query whatever the
    # number of records, none of them held in a list).
    decisions = {
        seq: (action, object_id)
        for seq, action, object_id in AuditEvent.objects.filter(
            seq__in=events.annotate(before=F("seq") - 1).values("before"),
            action__in=set().union(*DECISION_EVENTS.values()),
            object_type="case",
        ).values_list("seq", "action", "object_id")
    }
    problems = []
    for reference, case_in_content, decision_in_content, event in found:
        name = f"record {reference}"
        if event is None:
            problems.append(
                f"{name}: record with no issuing event (no chained record.issued event with "
                "its hash)"
            )
            continue
        expected = DECISION_EVENTS.get(decision_in_content or "", frozenset())
        action, case = decisions.get(event - 1, ("", ""))
        if case != str(case_in_content) or action not in expected:
            problems.append(
                f"{name}: its record.issued event does not follow its case's chained decision "
                f"event ({' or '.join(sorted(expected)) or 'none for this decision'})"
            )
    return problems


def records_columns_verify(*, after: int = 0) -> list[str]:
    """Every record whose columns differ from its hashed content, naming the columns.

    `after`: only the records after record number `after`.
    """
    problems = []
    records = (
        DecisionRecord.objects.filter(seq__gt=after)
        .select_related("department", "decided_by")
        .annotate(supersedes_sha256=F("supersedes__record_sha256"))
        .order_by("seq")
        .iterator(chunk_size=500)
    )
    for record in records:
        supersedes: str | None = record.supersedes_sha256  # type: ignore[attr-defined]  # an annotation of the query above
        differing = record_columns_differing(record, supersedes)
        if differing:
            problems.append(
                f"record {record.reference}: columns differ from the hashed content: "
                + ", ".join(differing)
            )
    return problems


def _file_digest(path: Path) -> tuple[str, int] | None:
    """sha256 and size of a file, or None if it is not there."""
    if not path.is_file():
        return None
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest(), path.stat().st_size


def _rendered_check(
    record: DecisionRecord,
    event: Mapping[str, Any],
    hash_row: RecordPdfHash | None,
    outbox: RecordPdf | None,
) -> list[str]:
    """A record whose PDF the chain says was rendered: the file, hash row and outbox agree."""
    name = f"record {record.reference}"
    problems = []
    if event.get("record_sha256") != record.record_sha256:
        problems.append(f"{name}: the chained pdf.rendered event names another record hash")
    chained = (event.get("pdf_sha256"), event.get("size"))
    path = str(event.get("path") or pdf_relative_path(record))
    found = _file_digest(Path(settings.MEDIA_ROOT) / path)
    if found is None:
        problems.append(f"{name}: the stored PDF is missing")
    elif found != chained:
        problems.append(f"{name}: the stored PDF does not match its sha256 on the audit chain")
    if hash_row is None:
        problems.append(f"{name}: the PDF's hash row is missing")
    elif (hash_row.sha256, hash_row.size, hash_row.path) != (*chained, path):
        problems.append(f"{name}: the PDF's hash row differs from its chained pdf.rendered event")
    if outbox is None or outbox.status != JobStatus.DONE:
        status = outbox.status if outbox is not None else "missing"
        problems.append(f"{name}: the PDF is marked {status}, but the chain says it was rendered")
    elif (outbox.sha256, outbox.path) != (chained[0], path):
        problems.append(f"{name}: the PDF outbox row differs from its chained pdf.rendered event")
    return problems


def pdfs_verify(
    *, now: datetime | None = None, after: int = 0, unrendered: list[int] | None = None
) -> list[str]:
    """Every record's PDF checked against the hash on its chained `pdf.rendered` event.

    A PDF that failed for good (the attempt cap reached) is reported at once ("approved record
    without its PDF"); one not rendered PDF_OVERDUE_MINUTES after the decision is reported
    (pending, running, failed or missing), never skipped. `after`: only the PDFs of the
    records after record number `after` (the same queries).
    `unrendered`, when given, receives the number of each record whose PDF is not rendered
    yet and not overdue (no problem yet).
    """
    now = now or timezone.now()
    overdue = timedelta(minutes=settings.PDF_OVERDUE_MINUTES)
    records = DecisionRecord.objects.filter(seq__gt=after).order_by("seq")
    events = AuditEvent.objects.filter(action="pdf.rendered")
    hashes, pdfs = RecordPdfHash.objects.all(), RecordPdf.objects.all()
    if after:  # by the events' object index (a record's events name it as decision_record)
        events = events.filter(
            object_type="decision_record", object_id__in=_record_ids_after(after)
        )
        hashes, pdfs = hashes.filter(record__seq__gt=after), pdfs.filter(record__seq__gt=after)
    rendered: dict[str, list[Mapping[str, Any]]] = {}
    for object_id, payload in events.values_list("object_id", "payload").iterator(chunk_size=2000):
        rendered.setdefault(object_id, []).append(payload if isinstance(payload, Mapping) else {})
    hash_rows = {row.record_id: row for row in hashes}
    outboxes = {
        row.record_id: row
        for row in pdfs.only("record_id", "status", "sha256", "path", "attempts", "last_error")
    }
    problems: list[str] = []
    rows = records.only("pk", "seq", "reference", "record_sha256", "decided_at", "action")
    for record in rows.iterator(chunk_size=1000):
        name = f"record {record.reference}"
        chained = rendered.get(str(record.pk), [])
        hash_row, outbox = hash_rows.get(record.pk), outboxes.get(record.pk)
        if len(chained) > 1:
            problems.append(f"{name}: its PDF was rendered more than once on the audit chain")
        if chained:
            problems.extend(_rendered_check(record, chained[0], hash_row, outbox))
            continue
        if hash_row is not None:
            problems.append(f"{name}: a PDF hash row exists without a chained pdf.rendered event")
        if outbox is not None and outbox.status == JobStatus.DONE:
            problems.append(
                f"{name}: the PDF is marked rendered, but no pdf.rendered event is chained"
            )
        elif pdf_failed_for_good(outbox):
            assert outbox is not None
            kind = "approved" if record.action == DecisionAction.APPROVE else "rejected"
            problems.append(
                f"{name}: {kind} record without its PDF (rendering failed after "
                f"{outbox.attempts} attempts: {outbox.last_error or 'no error recorded'}; an "
                "administrator can try again)"
            )
        elif record.decided_at < now - overdue:
            status = outbox.status if outbox is not None else "missing"
            minutes = int((now - record.decided_at).total_seconds() // 60)
            problems.append(
                f"{name}: no PDF has been rendered {minutes} minutes after the decision ({status})"
            )
        elif unrendered is not None:
            unrendered.append(record.seq)
    return problems


def heads_verify(
    heads: Sequence[Head], *, keys: Mapping[str, Ed25519PublicKey], supplied: bool
) -> list[str]:
    """Each head must verify with a trusted key and still match the chain and the records.

    `supplied` heads come from the auditor (kept from the public feed); the others are the
    heads stored in the database.
    """
    if not heads:
        return []
    events = dict(
        AuditEvent.objects.filter(seq__in={h.seq for h in heads}).values_list("seq", "sha256")
    )
    last = AuditEvent.objects.aggregate(last=Max("seq"))["last"] or 0
    leaves = [leaf for _seq, leaf in record_leaves()]
    roots = merkle.prefix_roots(leaves, {h.records for h in heads})
    problems = []
    for head in sorted(heads, key=lambda h: (h.seq, h.signature)):
        name = f"{'published' if supplied else 'signed'} head at event {head.seq}"
        if not signature_valid(head, keys):
            problems.append(
                f"{name}: its signature does not verify with a trusted key (key {head.key_id})"
            )
        if head.seq > last:
            problems.append(
                f"{name}: the chain ends at event {last}, before this head (events deleted or "
                "truncated)"
            )
        elif head.seq not in events:
            problems.append(f"{name}: its event is missing (deleted)")
        elif events[head.seq] != head.head_sha256:
            problems.append(f"{name}: the chain no longer matches this head (history rewritten)")
        if head.records not in roots:
            problems.append(
                f"{name}: it covers {head.records} records but {len(leaves)} remain "
                "(records deleted)"
            )
        elif roots[head.records].hex() != head.records_root:
            problems.append(
                f"{name}: the records no longer match its Merkle root (records changed or "
                "reordered)"
            )
    return problems


def integrity_problems(
    *,
    heads: Sequence[Head] = (),
    records_after: int = 0,
    pdfs_after: int = 0,
    unrendered: list[int] | None = None,
) -> list[str]:
    """The checks above together, with the heads an auditor supplies (may be none).

    `records_after`, `pdfs_after`: check the records' issuing events and columns, and their
    PDFs, only after those record numbers (found intact before); the heads in full.
    `unrendered`: as pdfs_verify.
    """
    problems = records_issuing_verify(after=records_after)
    problems.extend(records_columns_verify(after=records_after))
    problems.extend(pdfs_verify(after=pdfs_after, unrendered=unrendered))
    stored = [head_data(row) for row in SignedHead.objects.order_by("seq")]
    if stored or heads:
        keys = trusted_keys()
        problems.extend(heads_verify(stored, keys=keys, supplied=False))
        problems.extend(heads_verify(heads, keys=keys, supplied=True))
    return problems
