"""The audit chain's tables: events and the published checkpoints of its head."""

from __future__ import annotations

from django.db import models


class AuditEvent(models.Model):
    """One event of the append-only, hash-chained audit log."""

    seq = models.PositiveBigIntegerField(unique=True)
    occurred_at = models.DateTimeField()
    actor = models.CharField(max_length=150, blank=True)
    department = models.CharField(max_length=20, blank=True)
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    payload = models.JSONField(default=dict)
    prev_sha256 = models.CharField(max_length=64)
    sha256 = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        # The events of one object (a record's record.issued, a case's case.reopened), as the
        # public register and verification look them up.
        indexes = [
            models.Index(fields=["object_type", "object_id", "action"], name="audit_object_idx")
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"


class AuditCheckpoint(models.Model):
    """A published head of the audit chain: later rewriting of history is caught against it.

    Append-only (a PostgreSQL trigger refuses UPDATE and DELETE), written at intervals and
    shown to auditors, who may copy it elsewhere.
    """

    seq = models.PositiveBigIntegerField(unique=True)
    head_sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-seq"]

    def __str__(self) -> str:
        return f"checkpoint at #{self.seq}"
