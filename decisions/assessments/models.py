"""Assessments: runs of the engine on a case's answers, pinned to a ruleset version."""

from __future__ import annotations

from typing import Any

from django.db import models

from sourcing.models import Case


class AssessmentQuerySet(models.QuerySet["Assessment"]):
    def visible_to(self, user: Any) -> AssessmentQuerySet:
        """Assessments of the cases the user may see (Case.objects.visible_to), with their
        case and ruleset."""
        return self.filter(case__in=Case.objects.visible_to(user)).select_related("case", "ruleset")

    def newest_first(self) -> AssessmentQuerySet:
        """Newest first (ties broken by id): what "the latest assessment" means everywhere."""
        return self.order_by("-created_at", "-pk")


class Assessment(models.Model):
    """One run of the engine on a case's answers, pinned to a ruleset version and hash."""

    case = models.ForeignKey("sourcing.Case", on_delete=models.CASCADE, related_name="assessments")
    ruleset = models.ForeignKey(
        "decisions.Ruleset", on_delete=models.PROTECT, related_name="assessments"
    )
    ruleset_version = models.CharField(max_length=40)
    ruleset_sha256 = models.CharField(max_length=64)
    answers = models.JSONField()
    answers_version = models.PositiveIntegerField()
    result = models.JSONField()
    recommended = models.CharField(max_length=20, blank=True)
    # The hash of what a person reads as this assessment (its ruleset hash, answers and result:
    # decisions.assessments.selectors.assessment_sha256, the one definition), stored when it is
    # made (services.assessment_run) so the sign-off pages and services read it, not recompute
    # it over about 50 KB of JSON. The three hashed columns never change once stored.
    sha256 = models.CharField(max_length=64)
    created_by = models.ForeignKey("sourcing.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"assessment {self.pk} of case {self.case_id}"
