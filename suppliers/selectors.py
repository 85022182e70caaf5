"""Reads of suppliers: segments, frameworks, the catalogue search, imports, cases and contracts
the supplier pages show."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from django.db.models import (
    CharField,
    Count,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    StringAgg,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Concat

from sourcing.compiled_sql import Compiled, compiled
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


def segment_with_counts(key: str) -> tuple[Segment, int, int] | None:
    """One segment by its key with how many catalogue suppliers are in it and how many of
    those are SMEs, from one query; or None."""
    found = (
        Segment.objects.filter(key=key)
        .annotate(
            supplier_count=Count("suppliers"),
            sme_count=Count("suppliers", filter=Q(suppliers__sme=True)),
        )
        .first()
    )
    if found is None:
        return None
    counts = vars(found)
    return found, counts.pop("supplier_count"), counts.pop("sme_count")


def frameworks() -> list[Framework]:
    """Every framework (route to market), in their order."""
    return list(Framework.objects.all())


def supplier_search(
    *, q: str = "", segment: str = "", framework: str = "", sme: str = ""
) -> QuerySet[Supplier]:
    """Catalogue suppliers filtered by text (name, capability or company number), segment key,
    framework key and size ("yes": SMEs, "no": large firms), in list order (name, company
    number). Nothing is joined or prefetched: a list reads the columns it shows with
    `supplier_listing` and its page's segments and frameworks with `with_memberships`."""
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


@dataclass(frozen=True, slots=True)
class Listed:
    """A segment or framework as lists and filters name it."""

    id: int
    key: str
    name: str


@dataclass(frozen=True, slots=True)
class CatalogueLists:
    """Every segment and every framework, each in their order (position, key)."""

    segments: tuple[Listed, ...]
    frameworks: tuple[Listed, ...]


def catalogue_lists() -> CatalogueLists:
    """Every segment and framework as Listed (id, key, name), in their order: one query (a
    UNION of the two small tables), not their texts; its SQL built and compiled once per
    process (sourcing.compiled_sql: it depends on nothing but the code)."""
    found: tuple[list[Listed], list[Listed]] = ([], [])
    for kind, _position, key, pk, name in compiled(("catalogue-lists",), _lists_query).rows():
        found[kind].append(Listed(id=pk, key=key, name=name))
    return CatalogueLists(segments=tuple(found[0]), frameworks=tuple(found[1]))


def _lists_query() -> QuerySet[Any]:
    columns = ("kind", "position", "key", "id", "name")
    both: QuerySet[Any] = (
        Segment.objects.annotate(kind=Value(0))
        .order_by()  # not the model's ordering in the UNION's parts (SQLite refuses it)
        .values_list(*columns)
        .union(Framework.objects.annotate(kind=Value(1)).order_by().values_list(*columns), all=True)
        .order_by("kind", "position", "key")
    )
    return both


def _member_ids(through: Any, target: str) -> Subquery:
    """The ids of a supplier's segments or frameworks (`target`), comma-separated, in no order."""
    return Subquery(
        through.objects.filter(supplier_id=OuterRef("pk"))
        .order_by()
        .values("supplier_id")
        .annotate(ids=StringAgg(Cast(f"{target}_id", CharField()), Value(",")))
        .values("ids")
    )


def supplier_listing(suppliers: QuerySet[Supplier], columns: tuple[str, ...]) -> QuerySet[Any]:
    """`suppliers` as dicts of `columns` and their segments' and frameworks' ids
    (`segment_ids`, `framework_ids`: comma-separated, or None), read with each row (two
    subqueries a row, only for the rows a slice reads). with_memberships names them."""
    listing: QuerySet[Any] = suppliers.annotate(
        segment_ids=_member_ids(Supplier.segments.through, "segment"),
        framework_ids=_member_ids(Supplier.frameworks.through, "framework"),
    ).values(*columns, "segment_ids", "framework_ids")
    return listing


def with_memberships(rows: list[dict[str, Any]], lists: CatalogueLists) -> list[dict[str, Any]]:
    """Replaces each supplier_listing row's ids with its `segments` and `frameworks`, each a
    list of `{"key", "name"}` in their order (position, key), from `lists`
    (catalogue_lists). Returns the rows."""
    for name, listed in (("segments", lists.segments), ("frameworks", lists.frameworks)):
        order = {item.id: (position, item) for position, item in enumerate(listed)}
        for row in rows:
            ids = [int(pk) for pk in (row.pop(f"{name[:-1]}_ids") or "").split(",") if pk]
            # An id not in `lists` was added after they were read: shown from the next view.
            found = sorted(order[pk] for pk in ids if pk in order)
            row[name] = [{"key": item.key, "name": item.name} for _, item in found]
    return rows


def _member_keys(through: Any, target: str) -> Subquery:
    """A supplier's segments' or frameworks' (`target`) places and keys, each
    `position:key`, comma-separated, in no order (keys are slugs: no ',' or ':')."""
    return Subquery(
        through.objects.filter(supplier_id=OuterRef("pk"))
        .order_by()
        .values("supplier_id")
        .annotate(
            keys=StringAgg(
                Concat(
                    Cast(f"{target}__position", CharField()),
                    Value(":"),
                    f"{target}__key",
                    output_field=CharField(),
                ),
                Value(","),
            )
        )
        .values("keys")
    )


def supplier_keys_listing(suppliers: QuerySet[Supplier], columns: tuple[str, ...]) -> QuerySet[Any]:
    """`suppliers` as dicts of `columns` and their segments' and frameworks' places and keys
    (`segment_keys`, `framework_keys`: see _member_keys; None for none), read with each row
    (two subqueries a row, only for the rows a slice reads): for a list that shows keys
    only, without reading every segment and framework apart (catalogue_lists).
    with_member_keys orders them."""
    listing: QuerySet[Any] = suppliers.annotate(
        segment_keys=_member_keys(Supplier.segments.through, "segment"),
        framework_keys=_member_keys(Supplier.frameworks.through, "framework"),
    ).values(*columns, "segment_keys", "framework_keys")
    return listing


def with_member_keys(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Replaces each supplier_keys_listing row's `segment_keys` and `framework_keys` with
    `segments` and `frameworks`, each a list of keys in their order (position, key), as
    catalogue_lists orders them. Returns the rows."""
    for name in ("segments", "frameworks"):
        for row in rows:
            row[name] = _ordered_keys(row.pop(f"{name[:-1]}_keys"))
    return rows


def _ordered_keys(keys: str | None) -> list[str]:
    """The keys of _member_keys' text in their order (position, key)."""
    found = []
    for item in (keys or "").split(","):
        if item:
            position, _, key = item.partition(":")
            found.append((int(position), key))
    return [key for _, key in sorted(found)]


def supplier_for_form(company_number: str) -> tuple[Supplier, list[str], list[str]] | None:
    """One supplier by company number with its segments' and frameworks' keys, each in their
    order (position, key), from one query; or None."""
    supplier = (
        Supplier.objects.annotate(
            segment_keys=_member_keys(Supplier.segments.through, "segment"),
            framework_keys=_member_keys(Supplier.frameworks.through, "framework"),
        )
        .filter(company_number=company_number)
        .first()
    )
    if supplier is None:
        return None
    found = vars(supplier)
    return (
        supplier,
        _ordered_keys(found.pop("segment_keys")),
        _ordered_keys(found.pop("framework_keys")),
    )


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


# What a supplier's page reads of it (not its search text) and of its segments and frameworks.
SUPPLIER_SHOWN: Final = tuple(
    f.attname for f in Supplier._meta.concrete_fields if f.name != "search_text"
)
LISTED_SHOWN: Final = ("id", "key", "name")


@dataclass(frozen=True)
class SupplierShown:
    """A supplier as its page shows it: the supplier (without its search text), its segments
    and its frameworks (their ids, keys and names, in their order)."""

    supplier: Supplier
    segments: list[Segment]
    frameworks: list[Framework]


def supplier_shown(company_number: str) -> SupplierShown | None:
    """One supplier by company number with its segments and frameworks, as supplier_by_number
    reads them, or None: three queries, each compiled once per process, the company number
    and the supplier's id their parameters (sourcing.compiled_sql)."""
    found = compiled(
        "supplier-shown",
        lambda number: Supplier.objects.filter(company_number=number).values_list(*SUPPLIER_SHOWN)[
            :1
        ],
        params={"number": company_number},
    ).instances(Supplier)
    if not found:
        return None
    supplier = found[0]
    segments = compiled(
        "supplier-shown-segments",
        lambda supplier_id: Segment.objects.filter(suppliers__id=supplier_id).values_list(
            *LISTED_SHOWN
        ),
        params={"supplier_id": supplier.pk},
    ).instances(Segment)
    frameworks = compiled(
        "supplier-shown-frameworks",
        lambda supplier_id: Framework.objects.filter(suppliers__id=supplier_id).values_list(
            *LISTED_SHOWN
        ),
        params={"supplier_id": supplier.pk},
    ).instances(Framework)
    return SupplierShown(supplier, segments, frameworks)


# What the contracts table (includes/supplier_contracts.html) shows, as Contract.for_table reads.
CONTRACT_TABLE_READ: Final = (
    "id",
    "value_gbp",
    "start_date",
    "end_date",
    "break_points",
    "extends_incumbent",
    "case_id",
    "case__reference",
    "department_id",
    "department__name",
    "supplier_id",
    "supplier__name",
    "supplier__company_number",
)


def supplier_contracts_shown(user: Any, supplier: Supplier) -> list[Contract]:
    """The contracts with the supplier the user may see (contracts_visible_to: their own
    department's, or every department's for the Centre of Excellence and auditors, none for
    anyone else), latest start first, read as Contract.for_table reads them: one query,
    compiled once per process for each scope, the department's and supplier's ids its
    parameters (sourcing.compiled_sql); no query for a user who may see none."""
    if user.role == Role.COMMERCIAL and user.department_id is not None:
        scope = "department"
    elif user.role in (Role.REVIEWER, Role.AUDITOR):
        scope = "every"
    else:
        return []

    def build(department_id: int, supplier_id: int) -> Any:
        contracts = Contract.objects.filter(supplier_id=supplier_id)
        if scope == "department":
            contracts = contracts.filter(department_id=department_id)
        return contracts.order_by("-start_date", "-pk").values_list(*CONTRACT_TABLE_READ)

    return compiled(
        ("supplier-contracts", scope),
        build,
        params={"department_id": user.department_id or 0, "supplier_id": supplier.pk},
    ).instances(Contract, related=("case", "department", "supplier"))


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
    """A department user's approved cases, by reference (contracts are recorded for them), with
    only their reference and title read (not their answers and explanations)."""
    if getattr(user, "role", None) != Role.COMMERCIAL:
        return Case.objects.none()
    return (
        Case.objects.filter(department_id=user.department_id, status=CaseStatus.APPROVED)
        .only("reference", "title")
        .order_by("reference")
    )


def contracts_of_case(case: Case) -> QuerySet[Contract]:
    """The contracts recorded for a case, for templates/includes/supplier_contracts.html and
    their review dates (ContractQuerySet.for_table: the columns shown, the supplier's name)."""
    return Contract.objects.filter(case=case).for_table()


RADAR_CONTRACT_COLUMNS: Final = (
    "id",
    "value_gbp",
    "case_id",
    "segment_id",
    "supplier_id",
    "supplier__name",
    "supplier__company_number",
    "department_id",
    "department__name",
)


def radar_contracts() -> Compiled:
    """Every contract as the concentration radar reads it, RADAR_CONTRACT_COLUMNS (id, value,
    case, segment, supplier id, the supplier's name and number, the department's id and
    name), in no particular order (the radar ranks them): its SQL compiled once per process
    (sourcing.compiled_sql), no query."""
    return compiled(
        ("radar-contracts",),
        lambda: Contract.objects.order_by().values_list(*RADAR_CONTRACT_COLUMNS),
    )


def contract_rows_for_radar() -> list[tuple[Any, ...]]:
    """radar_contracts()' rows, a tuple of RADAR_CONTRACT_COLUMNS a contract, no model built
    (one query)."""
    return radar_contracts().rows()
