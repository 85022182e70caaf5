"""The concentration radar: contract value and decisions by supplier and by segment across
departments, top-supplier shares and the Herfindahl-Hirschman index (HHI) per segment with
warnings, and demand several departments could buy together. Charts are sourcing.charts'
geometry, drawn as SVG by templates/includes/bar_chart.html."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from fractions import Fraction
from typing import Any

from django.db.models import Value
from django.db.models.functions import Now
from django.utils import timezone

from sourcing.charts import bar_chart, percent
from sourcing.compiled_sql import Compiled, compiled
from sourcing.json_sql import JSONKeys
from sourcing.models import Case, CaseStatus
from sourcing.questionnaire import CHOICE_LABELS
from suppliers.models import Contract, Segment, Supplier
from suppliers.selectors import radar_contracts

TOP_SHARE_WARNING = Fraction(25, 100)  # one supplier over a quarter of a segment's value
HHI_HIGH = 2500  # above: highly concentrated (the thresholds competition authorities use)
HHI_MODERATE = 1500
TOP_N = 3
DEMAND_WINDOW_DAYS = 365
DEMAND_STATUSES = (
    CaseStatus.SUBMITTED,
    CaseStatus.RETURNED,
    CaseStatus.APPROVED,
    CaseStatus.REJECTED,
)
CHART_SUPPLIERS = 10


def hhi(values: Iterable[int]) -> int | None:
    """Sum of squared percentage shares (0 to 10,000), rounded; None when there is no value."""
    values = [v for v in values if v > 0]
    total = sum(values)
    if total == 0:
        return None
    return round(sum(Fraction(100 * v, total) ** 2 for v in values))


def hhi_level(index: int | None) -> str:
    """Words for an HHI figure."""
    if index is None:
        return "No contracts"
    if index > HHI_HIGH:
        return "Highly concentrated"
    if index >= HHI_MODERATE:
        return "Moderately concentrated"
    return "Not concentrated"


@dataclass
class SupplierTotal:
    """Contract value, contracts, decisions and departments for one supplier."""

    supplier: Supplier
    value: int = 0
    contracts: int = 0
    cases: set[int] = field(default_factory=set)
    departments: set[str] = field(default_factory=set)

    @property
    def decisions(self) -> int:
        return len(self.cases)

    @property
    def value_text(self) -> str:
        return f"£{self.value:,}"

    @property
    def department_names(self) -> list[str]:
        return sorted(self.departments)


@dataclass
class SegmentTotal:
    """Contract value and concentration for one segment."""

    segment: Segment
    value: int = 0
    contracts: int = 0
    cases: set[int] = field(default_factory=set)
    by_supplier: dict[int, int] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)

    @property
    def decisions(self) -> int:
        return len(self.cases)

    @property
    def suppliers(self) -> int:
        return len(self.by_supplier)

    @property
    def value_text(self) -> str:
        return f"£{self.value:,}"

    @property
    def hhi_text(self) -> str:
        index = self.hhi
        return "none" if index is None else f"{index:,}"

    @property
    def ranked(self) -> list[tuple[str, int]]:
        """(supplier name, value), largest first."""
        return sorted(
            ((self.names[k], v) for k, v in self.by_supplier.items()), key=lambda p: (-p[1], p[0])
        )

    @property
    def hhi(self) -> int | None:
        return hhi(self.by_supplier.values())

    @property
    def level(self) -> str:
        return hhi_level(self.hhi)

    @property
    def top_name(self) -> str:
        return self.ranked[0][0] if self.by_supplier else ""

    @property
    def top_share(self) -> int:
        return percent(self.ranked[0][1], self.value) if self.by_supplier else 0

    @property
    def top_n_share(self) -> int:
        return percent(sum(v for _, v in self.ranked[:TOP_N]), self.value)

    @property
    def warnings(self) -> list[str]:
        found = []
        if self.by_supplier and self.value > 0:
            name, top = self.ranked[0]
            if Fraction(top, self.value) > TOP_SHARE_WARNING:
                found.append(
                    f"{name} holds {self.top_share}% of the contract value in this segment "
                    "(over 25%)"
                )
        index = self.hhi
        if index is not None and index > HHI_HIGH:
            found.append(f"Highly concentrated: HHI {index:,} is over {HHI_HIGH:,}")
        return found


@dataclass(frozen=True)
class DemandGroup:
    """The same need (service type and differentiation) in several departments."""

    service_type: str
    differentiation: str
    departments: tuple[str, ...]
    cases: tuple[Case, ...]

    @property
    def label(self) -> str:
        """The need in words, like "An internal system: specific to government"."""
        service = CHOICE_LABELS.get(self.service_type, self.service_type)
        kind = CHOICE_LABELS.get(self.differentiation, self.differentiation)
        return f"{service}: {kind[0].lower()}{kind[1:]}"


def radar_segments() -> list[Segment]:
    """Every segment (key and name only), in their order: the radar's rows."""
    return list(Segment.objects.only("key", "name"))


def _segments_read() -> Compiled:
    """radar_segments()' query as (id, key, name), its SQL compiled once per process
    (sourcing.compiled_sql), no query."""
    return compiled(("radar-segments",), lambda: Segment.objects.values_list("pk", "key", "name"))


def radar_segment_rows() -> list[tuple[Any, ...]]:
    """radar_segments() as (id, key, name) tuples, no model built: one query."""
    return _segments_read().rows()


def segments_from_rows(rows: Iterable[tuple[Any, ...]]) -> list[Segment]:
    """The segments radar_segment_rows() read, as radar_segments() gives them (key and name)."""
    return _segments_read().instances(Segment, rows=rows)


def contracts_from_rows(rows: Iterable[tuple[Any, ...]]) -> list[Contract]:
    """The contracts suppliers.selectors.contract_rows_for_radar() read, as models of what the
    radar uses: value, case, segment, supplier (name and number, one instance a supplier) and
    department (name)."""
    return radar_contracts().instances(Contract, related=("supplier", "department"), rows=rows)


def totals(
    contracts: Iterable[Contract], segments: Iterable[Segment] | None = None
) -> tuple[list[SupplierTotal], list[SegmentTotal]]:
    """Per-supplier totals (largest value first) and per-segment totals (in the order of
    `segments`, radar_segments() unless given)."""
    suppliers: dict[int, SupplierTotal] = {}
    rows = {s.pk: SegmentTotal(s) for s in (radar_segments() if segments is None else segments)}
    for contract in contracts:
        row = suppliers.setdefault(contract.supplier_id, SupplierTotal(contract.supplier))
        row.value += contract.value_gbp
        row.contracts += 1
        row.cases.add(contract.case_id)
        row.departments.add(contract.department.name)
        seg = rows[contract.segment_id]
        seg.value += contract.value_gbp
        seg.contracts += 1
        seg.cases.add(contract.case_id)
        seg.by_supplier[contract.supplier_id] = (
            seg.by_supplier.get(contract.supplier_id, 0) + contract.value_gbp
        )
        seg.names[contract.supplier_id] = contract.supplier.name
    ranked = sorted(suppliers.values(), key=lambda r: (-r.value, r.supplier.name))
    return ranked, list(rows.values())


def demand_cases(*, now: Any = None) -> list[Case]:
    """The cases joint demand is found among: seen by the Centre of Excellence and created
    within the last year, by reference, with their answers and department's name."""
    now = now or timezone.now()
    return list(
        Case.objects.filter(
            status__in=DEMAND_STATUSES, created_at__gte=now - timedelta(days=DEMAND_WINDOW_DAYS)
        )
        .select_related("department")
        .only("reference", "title", "answers", "department__name")
        .order_by("reference")
    )


# The two answers joint demand groups on, read out of the answers by the database.
DEMAND_ANSWERS = ("service_type", "differentiation")


def _demand_read() -> Compiled:
    """demand_cases()' query as (id, reference, title, department id and name, the
    DEMAND_ANSWERS as a JSON object), its SQL compiled once per process
    (sourcing.compiled_sql), the year counted back from the database's time (Now()) so the
    SQL is the same on every call; no query."""
    return compiled(
        ("radar-demand",),
        lambda: (
            Case.objects.filter(
                status__in=DEMAND_STATUSES,
                created_at__gte=Now() - Value(timedelta(days=DEMAND_WINDOW_DAYS)),
            )
            .annotate(answers_read=JSONKeys("answers", DEMAND_ANSWERS))
            .order_by("reference")
            .values_list(
                "id", "reference", "title", "department_id", "department__name", "answers_read"
            )
        ),
    )


def demand_case_rows() -> list[tuple[Any, ...]]:
    """demand_cases() as tuples (_demand_read's columns), no model built: one query."""
    return _demand_read().rows()


def cases_from_rows(rows: Iterable[tuple[Any, ...]]) -> list[Case]:
    """The cases demand_case_rows() read, as demand_cases() gives them for joint_demand and
    the radar (reference, title, department name and, as their answers, the two answers
    grouped on)."""
    return _demand_read().instances(
        Case, related=("department",), renamed={"answers_read": "answers"}, rows=rows
    )


def joint_demand(*, now: Any = None, cases: Iterable[Case] | None = None) -> list[DemandGroup]:
    """Needs with the same service type and differentiation raised by two or more departments
    within the last year (cases the Centre of Excellence has seen): among `cases`
    (demand_cases(now=now) unless given)."""
    if cases is None:
        cases = demand_cases(now=now)
    groups: dict[tuple[str, str], list[Case]] = defaultdict(list)
    for case in cases:
        service, kind = case.answers.get("service_type"), case.answers.get("differentiation")
        if isinstance(service, str) and isinstance(kind, str):
            groups[(service, kind)].append(case)
    found = []
    for (service, kind), members in sorted(groups.items()):
        departments = tuple(sorted({c.department.name for c in members}))
        if len(departments) >= 2:
            found.append(DemandGroup(service, kind, departments, tuple(members)))
    return found


def radar(
    contracts: Iterable[Contract],
    *,
    segments_read: Iterable[Segment] | None = None,
    cases: Iterable[Case] | None = None,
) -> dict[str, Any]:
    """Everything the radar page shows: totals, tables, warnings, charts and joint demand
    (of the segments and demand cases as read by radar_segments() and demand_cases(), read
    here unless given)."""
    suppliers, segments = totals(contracts, segments_read)
    total = sum(s.value for s in segments)
    with_value = [s for s in segments if s.value > 0]
    top_suppliers = suppliers[:CHART_SUPPLIERS]
    charts = {
        "suppliers": bar_chart(
            key="suppliers",
            title=f"Contract value by supplier (top {len(top_suppliers)})",
            summary=(
                f"{top_suppliers[0].supplier.name} has the most contract value, "
                f"£{top_suppliers[0].value:,}, of £{total:,} in all."
                if top_suppliers
                else "No contracts are recorded yet."
            ),
            rows=[(r.supplier.name, r.value, f"£{r.value:,}", False) for r in top_suppliers],
        ),
        "segments": bar_chart(
            key="segments",
            title="Contract value by segment",
            summary=(
                "Segments with contracts: "
                + "; ".join(f"{s.segment.name} £{s.value:,}" for s in with_value)
                + "."
                if with_value
                else "No contracts are recorded yet."
            ),
            rows=[(s.segment.name, s.value, f"£{s.value:,}", bool(s.warnings)) for s in segments],
        ),
        "hhi": bar_chart(
            key="hhi",
            title="Concentration index (HHI) by segment",
            summary=(
                f"{sum(1 for s in segments if s.warnings)} of {len(segments)} segments have "
                "a concentration warning; the line marks 2,500, above which a segment is "
                "highly concentrated."
            ),
            rows=[
                (
                    s.segment.name,
                    s.hhi or 0,
                    f"{s.hhi:,}" if s.hhi is not None else "none",
                    bool(s.hhi and s.hhi > HHI_HIGH),
                )
                for s in segments
            ],
            scale_max=10_000,
            threshold=(HHI_HIGH, "2,500"),
        ),
    }
    return {
        "total_value": total,
        "total_value_text": f"£{total:,}",
        "contract_count": sum(s.contracts for s in segments),
        "suppliers": suppliers,
        "segments": segments,
        "warnings": [(s, w) for s in segments for w in s.warnings],
        "charts": charts,
        "demand": joint_demand(cases=cases),
    }
