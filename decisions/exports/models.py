"""Bulk exports of decision records."""

from __future__ import annotations

from django.db import models

from sourcing.jobs import JobStatus


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
