"""Decisions: the append-only audit chain (reviews, records and rulesets come later)."""

from __future__ import annotations

from django.db import models

from decisions.assessments.models import Assessment
from decisions.audit.models import AuditCheckpoint, AuditEvent
from decisions.rulesets.models import GoldenCase, Ruleset, RulesetQuerySet, RulesetRun
from sourcing.jobs import JobStatus

__all__ = [
    "Assessment",
    "AuditCheckpoint",
    "AuditEvent",
    "GoldenCase",
    "JobStatus",
    "Ruleset",
    "RulesetQuerySet",
    "RulesetRun",
]


class DecisionAction(models.TextChoices):
    APPROVE = "approve", "Approved"
    REJECT = "reject", "Rejected"


class DecisionRecordQuerySet(models.QuerySet["DecisionRecord"]):
    def for_list(self) -> DecisionRecordQuerySet:
        return self.select_related("case", "department").order_by("-decided_at", "-pk")


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
    review_by = models.DateField()
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    content = models.JSONField()
    record_sha256 = models.CharField(max_length=64, unique=True)
    # null for the first record (the API contract says so), never an empty string.
    previous_sha256 = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001

    objects = DecisionRecordQuerySet.as_manager()

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
    dispatched_at = models.DateTimeField(null=True, blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    path = models.CharField(max_length=300, blank=True, help_text="Relative to MEDIA_ROOT.")
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["status", "dispatched_at"])]

    def __str__(self) -> str:
        return f"PDF of {self.record_id}: {self.status}"


class ExportJob(models.Model):
    """A bulk export of decision records (zip of PDFs, CSV, JSON and a manifest)."""

    requested_by = models.ForeignKey("sourcing.User", on_delete=models.PROTECT, related_name="+")
    filters = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    path = models.CharField(max_length=300, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"export {self.pk}: {self.status}"
