"""Reads of suppliers: segments, frameworks, the catalogue search, imports, cases and contracts
the supplier pages show."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from sourcing.models import Case, CaseQuerySet, CaseStatus, Role
from suppliers.catalogue import search_key
from suppliers.company_numbers import company_number_normalise
from suppliers.models import CatalogueImport, Contract, Framework, Segment, Supplier


def segments() -> list[Segment]:
    """Every market segment, in their order."""
    return list(Segment.objects.all())


def segment_by_key(key: str) -> Segment | None:
    """One segment by its key, or None."""
    return Segment.objects.filter(key=key).first()


def frameworks() -> list[Framework]:
    """Every framework (route to market), in their order."""
    return list(Framework.objects.all())


def supplier_search(
    *, q: str = "", segment: str = "", framework: str = "", sme: str = ""
) -> QuerySet[Supplier]:
    """Catalogue suppliers filtered by text (name, capability or company number), segment key,
    framework key and size ("yes": SMEs, "no": large firms), in list order."""
    suppliers = Supplier.objects.for_list()
    if q:
        # The same normalising as the stored text (NFKC, case-folded) and company numbers, so
        # a plain substring match (LIKE '%...%'), which PostgreSQL answers from the trigram
        # index (migration 0005) for three characters or more; SQLite scans.
        matches = Q(search_text__contains=search_key(q.strip()))
        number = company_number_normalise(q).number
        if number:
            matches |= Q(company_number=number)
        suppliers = suppliers.filter(matches)
    if segment:
        suppliers = suppliers.filter(segments__key=segment)
    if framework:
        suppliers = suppliers.filter(frameworks__key=framework)
    if sme:
        suppliers = suppliers.filter(sme=sme == "yes")
    return suppliers


def supplier_by_number(company_number: str) -> Supplier | None:
    """One supplier by company number, with its segments and frameworks, or None."""
    return (
        Supplier.objects.select_related("primary_segment")
        .prefetch_related("segments", "frameworks")
        .filter(company_number=company_number)
        .first()
    )


def supplier_names(company_numbers: set[str]) -> dict[str, str]:
    """The names of these suppliers, by company number."""
    rows = Supplier.objects.filter(company_number__in=company_numbers)
    return dict(rows.values_list("company_number", "name"))


def recent_imports(limit: int = 5) -> list[CatalogueImport]:
    """The latest catalogue imports, newest first, with who imported them."""
    return list(CatalogueImport.objects.select_related("imported_by")[:limit])


def catalogue_import_by_pk(pk: int) -> CatalogueImport | None:
    """One catalogue import with who imported it, or None."""
    return CatalogueImport.objects.select_related("imported_by").filter(pk=pk).first()


def case_for_suppliers(user: Any, reference: str) -> Case | None:
    """A case the user may see (Case.objects.visible_to), with its department, or None."""
    return (
        Case.objects.visible_to(user)
        .select_related("department")
        .filter(reference=reference)
        .first()
    )


def approved_cases_of(user: Any) -> CaseQuerySet:
    """A department user's approved cases, by reference (contracts are recorded for them)."""
    if getattr(user, "role", None) != Role.COMMERCIAL:
        return Case.objects.none()
    return Case.objects.filter(
        department_id=user.department_id, status=CaseStatus.APPROVED
    ).order_by("reference")


def contracts_of_case(case: Case) -> QuerySet[Contract]:
    """The contracts recorded for a case, for a list."""
    return Contract.objects.filter(case=case).for_list()


def contracts_for_radar() -> QuerySet[Contract]:
    """Every contract with its supplier and department (the concentration radar)."""
    return Contract.objects.select_related("supplier", "department")
