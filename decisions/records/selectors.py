"""Reads of decision records: the list a user may see, a record for its page or its PDF, the
public register's entries."""

from __future__ import annotations

import unicodedata
from typing import Any, Final

from django.db.models import CharField, Exists, F, OuterRef, Q, Subquery
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from decisions.audit.models import AuditEvent
from decisions.records.models import (
    RETURN_ONLY_COLUMNS,
    DecisionRecord,
    DecisionRecordQuerySet,
    RecordPdf,
    RecordPdfHash,
)


def search_text(value: str) -> str:
    """What someone typed in a search box, in one form: NFKC, surrounding spaces removed."""
    return unicodedata.normalize("NFKC", value or "").strip()


def records_matching(records: DecisionRecordQuerySet, text: str) -> DecisionRecordQuerySet:
    """Records whose title or reference holds `text` (any case), the title as the database
    read it out of the content when the record was written (the stored column identity_title;
    the content itself is not read)."""
    text = search_text(text)
    if not text:
        return records
    return records.filter(Q(identity_title__icontains=text) | Q(reference__icontains=text))


def record_for_outcome(user: Any, pk: int) -> DecisionRecord | None:
    """A record the user may see with only what its outcome page (decisions.records.views.
    record_outcome) reads of it, or None: its reference (shown), and its department, hash and
    decided option (an outcome review records them). Not its content: a review's estimate reads
    it (decisions.records.outcomes.outcome_estimate) when one is recorded, never on a GET."""
    return (
        DecisionRecord.objects.visible_to(user)
        .only("reference", "department_id", "record_sha256", "decided_option")
        .filter(pk=pk)
        .first()
    )


def record_for_detail(user: Any, pk: int) -> DecisionRecord | None:
    """A record the user may see with only what its page (decisions.records.views.
    record_detail) reads of it, or None: its columns but its content and answers (the content
    is read when the page's kept parts are not: decisions.records.fragments), its case's
    reference, creation time and answers version (its answers are read when the consistency
    check computes), its PDF's state, and the records it supersedes and is superseded by as
    a number and a reference. Not its department or the person who decided (the page shows
    them from the content)."""
    return (
        DecisionRecord.objects.visible_to(user)
        .select_related("case", "supersedes", "superseded_by", "pdf")
        .only(
            *(f.name for f in DecisionRecord._meta.concrete_fields if f.name not in UNSHOWN),
            "case__reference",
            "case__created_at",
            "case__answers_version",
            "supersedes__seq",
            "supersedes__reference",
            "superseded_by__seq",
            "superseded_by__reference",
            *(f"pdf__{f.name}" for f in RecordPdf._meta.concrete_fields),
        )
        .filter(pk=pk)
        .first()
    )


# A record's columns its page does not read from the row (record_for_detail).
UNSHOWN: Final = frozenset({"content", "answers", *RETURN_ONLY_COLUMNS})


def record_by_pk(pk: int) -> DecisionRecord | None:
    """Any record by its id (an administrator's action on it), or None."""
    return DecisionRecord.objects.filter(pk=pk).first()


def latest_records() -> DecisionRecordQuerySet:
    """Every record, newest decision first, with what the auditor's home page shows of it:
    reference, decision time, department and `title` (the stored `identity_title`, read out of
    the content when the record was written; reading it out of the content here made the
    database decompress every record's content, about 27 KB each, to list ten)."""
    return (
        DecisionRecord.objects.select_related("department")
        .only("reference", "decided_at", "department__name")
        .annotate(title=F("identity_title"))
        .order_by("-decided_at", "-pk")
    )


def records_for_list(user: Any) -> DecisionRecordQuerySet:
    """The records the user may see, as the record list shows them: without their content,
    `title` and `reasons_summary` annotated (DecisionRecordQuerySet.summaries), with the PDF."""
    return DecisionRecord.objects.visible_to(user).for_list().summaries().select_related("pdf")


def records_for_api(user: Any) -> DecisionRecordQuerySet:
    """The records the user may see, as the API lists them: their columns, not their content."""
    return DecisionRecord.objects.visible_to(user).for_list().defer("content")


def record_whole(user: Any, pk: int) -> DecisionRecord | None:
    """A record the user may see, whole (GET decisions/{id}: content, department, what
    superseded it), or None."""
    return (
        DecisionRecord.objects.visible_to(user)
        .select_related("department", "superseded_by")
        .filter(pk=pk)
        .first()
    )


def record_for_pdf(user: Any, pk: int) -> DecisionRecord | None:
    """A record the user may see, with its department (the PDF's file name), or None."""
    return (
        DecisionRecord.objects.visible_to(user).select_related("department").filter(pk=pk).first()
    )


def register_entries() -> DecisionRecordQuerySet:
    """Approved decisions for the public register (current ones, newest first), without their
    content: `title` and `reasons_summary` are annotated (DecisionRecordQuerySet.summaries).

    Only records the audit chain says were issued (a chained `record.issued` event naming the
    record and its hash; a row inserted by hand is never published), annotated `under_review`
    from the chain too: a `case.reopened` event of its case after the record was issued (a
    later decision supersedes the record, which then leaves the register). The case's status
    column is not read: the application's database role can change it unnoticed.
    """
    issued = (
        AuditEvent.objects.annotate(issued_sha256=KeyTextTransform("record_sha256", "payload"))
        .filter(
            action="record.issued",
            object_type="decision_record",
            object_id=Cast(OuterRef("pk"), CharField()),
            issued_sha256=OuterRef("record_sha256"),
        )
        .order_by("seq")
        .values("seq")[:1]
    )
    reopened = AuditEvent.objects.filter(
        action="case.reopened",
        object_type="case",
        object_id=Cast(OuterRef("case_id"), CharField()),
        seq__gt=OuterRef("issued_seq"),
    )
    return (
        DecisionRecord.objects.current_approvals()
        .summaries()
        .annotate(issued_seq=Subquery(issued))
        .filter(issued_seq__isnull=False)
        .annotate(under_review=Exists(reopened))
        .select_related("department")
        .order_by("-decided_at", "-pk")
    )


def register_matching(text: str) -> DecisionRecordQuerySet:
    """The register's entries (register_entries) whose title, reference or department name
    holds `text` (any case); all of them for no text."""
    entries = register_entries()
    text = search_text(text)
    if not text:
        return entries
    return entries.filter(
        Q(title__icontains=text)
        | Q(reference__icontains=text)
        | Q(department__name__icontains=text)
    )


def issued_pdf_sha256(record: DecisionRecord) -> str:
    """The sha256 of the record's PDF as issued: its append-only hash row, written with the
    chained `pdf.rendered` event (verification checks the two agree); "" before it is rendered."""
    return (
        RecordPdfHash.objects.filter(record=record).values_list("sha256", flat=True).first() or ""
    )
