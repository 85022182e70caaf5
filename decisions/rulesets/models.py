"""Rulesets as data: versions (drafts and published), golden cases, and runs over past cases."""

from __future__ import annotations

from django.db import models
from django.db.models.fields.json import KeyTextTransform, KeyTransform

from sourcing.jobs import JobStatus


class RulesetQuerySet(models.QuerySet["Ruleset"]):
    def published(self) -> RulesetQuerySet:
        return self.filter(published_at__isnull=False)

    def drafts(self) -> RulesetQuerySet:
        """Versions not yet published (stewards edit them)."""
        return self.filter(published_at__isnull=True)

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
    # Drafts (published_at is null) are edited by stewards; a published version never changes.
    based_on = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="drafts"
    )
    created_by = models.ForeignKey(
        "sourcing.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The Public Interest Test threshold in its parameters, as text (null when absent), written
    # by the database from the content: the quarterly return reads it for each decision without
    # decompressing the whole ruleset (about 40 KB) once per decision.
    public_interest_test_gbp = models.GeneratedField(
        expression=KeyTextTransform(
            "public_interest_test_gbp", KeyTransform("parameters", "content")
        ),
        output_field=models.TextField(),
        db_persist=True,
    )

    objects = RulesetQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]

    def __str__(self) -> str:
        return self.version


class RulesetApproval(models.Model):
    """A second steward's approval of one exact draft (its sha256) for publication: four eyes.
    An edit changes the draft's hash, so an approval of the earlier draft no longer counts."""

    ruleset = models.ForeignKey(Ruleset, on_delete=models.PROTECT, related_name="approvals")
    sha256 = models.CharField(max_length=64)
    approved_by = models.ForeignKey("sourcing.User", on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(auto_now_add=True)
    comment = models.TextField(max_length=5000, blank=True)

    class Meta:
        ordering = ["-approved_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.ruleset_id} {self.sha256[:12]} by {self.approved_by_id}"


class GoldenCase(models.Model):
    """Answers with an agreed expected outcome; every published ruleset must pass them all.

    sources, basis and revision document the case (the public sources of a real decision, why
    the expected answer is right, why and how it was changed: {"in", "reason", "previously"}).
    shipped_sha256 is the sha256 of the shipped case it was last stored from (blank for a case
    a steward made): a row that still matches it was not edited, so a new release may update it.
    """

    code = models.SlugField(max_length=40, unique=True)
    title = models.CharField(max_length=300)
    answers = models.JSONField()
    expected = models.JSONField()
    sources = models.JSONField(default=list, blank=True)
    basis = models.TextField(blank=True, default="")
    revision = models.JSONField(null=True, blank=True)
    shipped_sha256 = models.CharField(max_length=64, blank=True, default="")
    source_case = models.ForeignKey(
        "sourcing.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        "sourcing.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class RulesetRun(models.Model):
    """A background run over many cases: a draft's impact preview, or a replay of decisions."""

    class Kind(models.TextChoices):
        IMPACT = "impact", "Impact preview"
        REPLAY = "replay", "Replay of approved decisions"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    ruleset = models.ForeignKey(Ruleset, on_delete=models.CASCADE, related_name="runs")
    baseline = models.ForeignKey(
        Ruleset, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey("sourcing.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} run {self.pk}: {self.status}"
