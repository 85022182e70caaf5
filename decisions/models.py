"""Decisions: the append-only audit chain (reviews, records and rulesets come later)."""

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

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"


class RulesetQuerySet(models.QuerySet["Ruleset"]):
    def published(self) -> RulesetQuerySet:
        return self.filter(published_at__isnull=False)

    def current(self) -> Ruleset | None:
        """The ruleset new assessments use: the latest published."""
        return self.published().order_by("-published_at", "-pk").first()


class Ruleset(models.Model):
    """A version of the rules as data, with the sha256 of its canonical JSON."""

    version = models.CharField(max_length=40, unique=True)
    sha256 = models.CharField(max_length=64)
    content = models.JSONField()
    change_summary = models.TextField(max_length=5000, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        "sourcing.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    golden_result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RulesetQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]

    def __str__(self) -> str:
        return self.version


class Assessment(models.Model):
    """One run of the engine on a case's answers, pinned to a ruleset version and hash."""

    case = models.ForeignKey("sourcing.Case", on_delete=models.CASCADE, related_name="assessments")
    ruleset = models.ForeignKey(Ruleset, on_delete=models.PROTECT, related_name="assessments")
    ruleset_version = models.CharField(max_length=40)
    ruleset_sha256 = models.CharField(max_length=64)
    answers = models.JSONField()
    answers_version = models.PositiveIntegerField()
    result = models.JSONField()
    recommended = models.CharField(max_length=20, blank=True)
    created_by = models.ForeignKey("sourcing.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"assessment {self.pk} of case {self.case_id}"
