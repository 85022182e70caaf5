"""Decision records (immutable, hash-linked) and the outbox rows of their PDFs."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import F
from django.db.models.fields.json import KeyTextTransform, KeyTransform

from sourcing.jobs import JobStatus
from sourcing.models import Role


class DecisionAction(models.TextChoices):
    APPROVE = "approve", "Approved"
    REJECT = "reject", "Rejected"


class DecisionRecordQuerySet(models.QuerySet["DecisionRecord"]):
    def for_list(self) -> DecisionRecordQuerySet:
        return self.select_related("department").order_by("-decided_at", "-pk")

    def summaries(self) -> DecisionRecordQuerySet:
        """Without the frozen content (about 27 KB a record, decoded for nothing on a list): the
        columns (derived from the hashed content, and checked against it by verification), and
        `title` and `reasons_summary` as the database reads them out of the content when the
        record is written (the stored columns identity_title and publishable_reasons_summary)."""
        # From the stored generated columns, not from the content: each key read out of the
        # content made PostgreSQL decompress the whole content again (two a row, about 8 ms for
        # the register's 20 rows at ten times the demo data).
        return self.defer("content").annotate(
            title=F("identity_title"), reasons_summary=F("publishable_reasons_summary")
        )

    def visible_to(self, user: Any) -> DecisionRecordQuerySet:
        """Records a user may see: a department user their own department's; others all."""
        if getattr(user, "role", None) == Role.COMMERCIAL:
            return self.filter(department_id=user.department_id)
        return self.all()

    def current_approvals(self) -> DecisionRecordQuerySet:
        """Approving records not superseded by a later decision on the same case."""
        return self.filter(action=DecisionAction.APPROVE, superseded_by__isnull=True)


# Stored columns read only by name: the quarterly Public Interest Test return's (with `only()`)
# and the summaries' (annotated under their own names); every other read of records leaves
# them out, so no list pays for them.
RETURN_ONLY_COLUMNS = (
    "policy_checks",
    "identity_title",
    "identity_assessed_at",
    "publishable_reasons_summary",
)


class DecisionRecordManager(models.Manager["DecisionRecord"]):
    def get_queryset(self) -> models.QuerySet[DecisionRecord]:
        return super().get_queryset().defer(*RETURN_ONLY_COLUMNS)


class DecisionRecord(models.Model):
    """The immutable, hash-linked record of a Centre of Excellence decision on a case."""

    seq = models.PositiveBigIntegerField(unique=True)
    case = models.ForeignKey("sourcing.Case", on_delete=models.PROTECT, related_name="records")
    reference = models.CharField(max_length=20)
    department = models.ForeignKey(
        "sourcing.Department", on_delete=models.PROTECT, related_name="records"
    )
    action = models.CharField(max_length=10, choices=DecisionAction.choices)
    recommended = models.CharField(max_length=20, blank=True)
    decided_option = models.CharField(max_length=20, blank=True)
    overridden = models.BooleanField(default=False)
    decided_by = models.ForeignKey("sourcing.User", on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()
    # When the decision must be reviewed; null for a rejection (nothing to review).
    review_by = models.DateField(null=True, blank=True)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    content = models.JSONField()
    record_sha256 = models.CharField(max_length=64, unique=True)
    # null for the first record (the API contract says so), never an empty string.
    previous_sha256 = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    # Written by the database from the content (so never other than what its hash covers) and
    # stored: the replay reads each record's answers and pinned version without reading its
    # whole content (about 27 KB, whose decompression cost more than the engine's run).
    answers = models.GeneratedField(
        expression=KeyTransform("answers", "content"),
        output_field=models.JSONField(),
        db_persist=True,
    )
    ruleset_version = models.GeneratedField(
        expression=KeyTextTransform(
            "version", KeyTransform("ruleset", KeyTransform("identity", "content"))
        ),
        output_field=models.TextField(),
        db_persist=True,
    )
    # What the quarterly Public Interest Test return reads of a record (decisions.records.
    # public_interest), stored the same way: each key read out of the content made PostgreSQL
    # decompress the whole content again (about 0.4 ms a key a record).
    policy_checks = models.GeneratedField(
        expression=KeyTransform("policy_checks", "content"),
        output_field=models.JSONField(),
        db_persist=True,
    )
    identity_title = models.GeneratedField(
        expression=KeyTextTransform("title", KeyTransform("identity", "content")),
        output_field=models.TextField(),
        db_persist=True,
    )
    # The register's and the record list's reasons (DecisionRecordQuerySet.summaries).
    publishable_reasons_summary = models.GeneratedField(
        expression=KeyTransform("reasons_summary", KeyTransform("publishable", "content")),
        output_field=models.JSONField(),
        db_persist=True,
    )
    identity_assessed_at = models.GeneratedField(
        expression=KeyTextTransform("assessed_at", KeyTransform("identity", "content")),
        output_field=models.TextField(),
        db_persist=True,
    )

    objects = DecisionRecordManager.from_queryset(DecisionRecordQuerySet)()

    class Meta:
        ordering = ["-decided_at", "-pk"]
        indexes = [models.Index(fields=["department", "decided_option"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.get_action_display().lower()}"


class RecordPdf(models.Model):
    """The outbox row and result of rendering a record's PDF (written with the record)."""

    record = models.OneToOneField(DecisionRecord, on_delete=models.PROTECT, related_name="pdf")
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # When a task was last queued for the row (or the queueing tried: the sweep retries it).
    dispatched_at = models.DateTimeField(null=True, blank=True)
    # When a worker last claimed the row to render it (status running, one attempt counted);
    # a running row claimed longer ago than PDF_RENDER_TIME_LIMIT was lost with its worker.
    claimed_at = models.DateTimeField(null=True, blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    path = models.CharField(max_length=300, blank=True, help_text="Relative to MEDIA_ROOT.")
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["status", "dispatched_at"])]

    def __str__(self) -> str:
        return f"PDF of {self.record_id}: {self.status}"


class RecordPdfHash(models.Model):
    """The hash of a record's rendered PDF, written once in the render's transaction.

    The outbox row (RecordPdf) changes as the PDF renders; this row never does. Verification
    compares the stored file with the hash on the chained `pdf.rendered` event, and this row
    with that event.
    """

    record = models.OneToOneField(DecisionRecord, on_delete=models.PROTECT, related_name="pdf_hash")
    path = models.CharField(max_length=300, help_text="Relative to MEDIA_ROOT.")
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    rendered_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"PDF hash of record {self.record_id}"
