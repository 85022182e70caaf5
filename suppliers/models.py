"""Market segments, frameworks, catalogue suppliers, catalogue imports and contracts."""

from __future__ import annotations

from datetime import date

from django.db import models
from django.db.models import Q

from suppliers.reference import CLASSIFICATIONS, CLEARANCES


class Segment(models.Model):
    """A market segment: business model, incentives, the options it fits, how to approach it."""

    key = models.SlugField(max_length=40, unique=True)
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(max_length=100)
    business_model = models.TextField()
    incentives = models.TextField()
    fits = models.JSONField(default=list, help_text="Sourcing options this segment fits.")
    service_types = models.JSONField(default=list)
    approach = models.TextField(help_text="How to engage the segment.")
    contract_shape = models.TextField()
    exit_points = models.TextField()

    class Meta:
        ordering = ["position", "key"]

    def __str__(self) -> str:
        return self.name


class Framework(models.Model):
    """A commercial agreement suppliers are on: a route to market for some options."""

    key = models.SlugField(max_length=40, unique=True)
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(max_length=100)
    options = models.JSONField(default=list)

    class Meta:
        ordering = ["position", "key"]

    def __str__(self) -> str:
        return self.name


class SupplierQuerySet(models.QuerySet["Supplier"]):
    def for_list(self) -> SupplierQuerySet:
        return (
            self.select_related("primary_segment")
            .prefetch_related("segments", "frameworks")
            .order_by("name", "company_number")
        )


class Supplier(models.Model):
    """A catalogue supplier, identified by its Companies House number."""

    company_number = models.CharField(max_length=8, unique=True)
    name = models.CharField(max_length=160)
    primary_segment = models.ForeignKey(Segment, on_delete=models.PROTECT, related_name="+")
    segments = models.ManyToManyField(Segment, related_name="suppliers")
    sme = models.BooleanField("small or medium-sized enterprise", default=False)
    frameworks = models.ManyToManyField(Framework, related_name="suppliers", blank=True)
    capabilities = models.JSONField(default=list, blank=True)
    classification = models.CharField(
        max_length=20, choices=list(CLASSIFICATIONS.items()), default="official"
    )
    clearance = models.CharField(max_length=10, choices=list(CLEARANCES.items()), default="none")
    accreditations = models.JSONField(default=list, blank=True)
    regions = models.JSONField(default=list, blank=True)
    website = models.URLField(max_length=200, blank=True)
    description = models.TextField(max_length=1000, blank=True)
    # Lower-case name, company number and capabilities, for portable searching.
    search_text = models.TextField(blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SupplierQuerySet.as_manager()

    class Meta:
        ordering = ["name", "company_number"]
        indexes = [models.Index(fields=["name", "company_number"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.company_number})"


class CatalogueImport(models.Model):
    """One successful catalogue import: who, the file, and what it created and updated."""

    imported_by = models.ForeignKey("sourcing.User", on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)
    filename = models.CharField(max_length=200, blank=True)
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField()
    created = models.JSONField(default=list)
    updated = models.JSONField(default=list)
    unchanged = models.JSONField(default=list)

    class Meta:
        ordering = ["-imported_at", "-pk"]

    def __str__(self) -> str:
        return f"import {self.pk} ({self.rows} rows)"


class ContractQuerySet(models.QuerySet["Contract"]):
    def for_table(self) -> ContractQuerySet:
        """Contracts, latest start first, with their case, department and supplier, reading
        only the columns templates/includes/supplier_contracts.html shows (not the case's
        answers, the segment's texts or the supplier's catalogue entry)."""
        return (
            self.select_related("case", "department", "supplier")
            .only(
                "value_gbp",
                "start_date",
                "end_date",
                "break_points",
                "extends_incumbent",
                "case__reference",
                "department__name",
                "supplier__name",
                "supplier__company_number",
            )
            .order_by("-start_date", "-pk")
        )


class Contract(models.Model):
    """A contract a department let after an approved decision."""

    case = models.ForeignKey("sourcing.Case", on_delete=models.PROTECT, related_name="contracts")
    record = models.ForeignKey(
        "decisions.DecisionRecord", on_delete=models.PROTECT, related_name="contracts"
    )
    department = models.ForeignKey(
        "sourcing.Department", on_delete=models.PROTECT, related_name="contracts"
    )
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="contracts")
    # The segment the value counts towards in the concentration radar (the supplier's main one).
    segment = models.ForeignKey(Segment, on_delete=models.PROTECT, related_name="contracts")
    value_gbp = models.PositiveBigIntegerField("value in pounds")
    start_date = models.DateField()
    end_date = models.DateField()
    break_points = models.JSONField(default=list, blank=True, help_text="ISO dates.")
    extends_incumbent = models.BooleanField(default=False)
    recorded_by = models.ForeignKey("sourcing.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ContractQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gt=models.F("start_date")),
                name="contract_ends_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.supplier_id} £{self.value_gbp}"

    @property
    def value_text(self) -> str:
        """The value in pounds with thousands separators."""
        return f"£{self.value_gbp:,}"

    @property
    def break_dates(self) -> list[date]:
        """The break points as dates."""
        return [date.fromisoformat(p) for p in self.break_points]
