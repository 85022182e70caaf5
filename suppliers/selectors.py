"""Reads of suppliers: segments, frameworks, the catalogue search, imports, cases and contracts
the supplier pages show."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet

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
    framework key and size ("yes": SMEs, "no": large firms), in list order (name, company
    number). Nothing is joined or prefetched: a list reads the columns it shows with
    `.values(...)` and its page's segments and frameworks with `memberships`."""
    suppliers = Supplier.objects.order_by("name", "company_number")
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


def memberships(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Adds to each supplier row (a dict with its `id`, from `.values()`) its `segments` and
    `frameworks`, each a list of `{"key", "name"}` in their order (position, key); two queries
    of plain tuples whatever the page size, no model instances. Returns the rows."""
    ids = [row["id"] for row in rows]
    found: dict[str, dict[int, list[dict[str, str]]]] = {}
    for name, through, target in (
        ("segments", Supplier.segments.through, "segment"),
        ("frameworks", Supplier.frameworks.through, "framework"),
    ):
        by_supplier: dict[int, list[dict[str, str]]] = {}
        if ids:
            pairs = (
                through.objects.filter(supplier_id__in=ids)
                .order_by(f"{target}__position", f"{target}__key")
                .values_list("supplier_id", f"{target}__key", f"{target}__name")
            )
            for supplier_id, key, label in pairs:
                by_supplier.setdefault(supplier_id, []).append({"key": key, "name": label})
        found[name] = by_supplier
    for row in rows:
        row["segments"] = found["segments"].get(row["id"], [])
        row["frameworks"] = found["frameworks"].get(row["id"], [])
    return rows


def supplier_by_number(company_number: str) -> Supplier | None:
    """One supplier by company number, with its segments and frameworks (their keys and names
    only, in their order), or None."""
    return (
        Supplier.objects.select_related("primary_segment")
        .prefetch_related(
            Prefetch("segments", queryset=Segment.objects.only("key", "name")),
            Prefetch("frameworks", queryset=Framework.objects.only("key", "name")),
        )
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


def case_for_shortlist(user: Any, reference: str) -> Case | None:
    """A case the user may see (Case.objects.visible_to) with what the shortlist page reads of
    it (reference, title, department name, answers version), or None."""
    return (
        Case.objects.visible_to(user)
        .select_related("department")
        .only("reference", "title", "answers_version", "created_at", "department__name")
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
    """The contracts recorded for a case, for templates/includes/supplier_contracts.html and
    their review dates (ContractQuerySet.for_table: the columns shown, the supplier's name)."""
    return Contract.objects.filter(case=case).for_table()


def contracts_for_radar() -> QuerySet[Contract]:
    """Every contract with its supplier and department (the concentration radar): only the
    columns the radar reads (value, case, segment, the supplier's name and number, the
    department's name), in no particular order (the radar ranks them)."""
    return (
        Contract.objects.select_related("supplier", "department")
        .only(
            "value_gbp",
            "case_id",
            "segment_id",
            "supplier__name",
            "supplier__company_number",
            "department__name",
        )
        .order_by()
    )
