"""The shortlist for a case: suppliers that fit the recommended option and the runner-up,
each with a score and the reasons it is on the list, beside the segment's approach."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from functools import cache as once
from typing import Any, Final

from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.fields.json import KeyTransform
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from decisions.assessments.models import Assessment
from decisions.assessments.selectors import current_assessments
from decisions.records.models import DecisionAction, DecisionRecord
from sourcing import questionnaire
from sourcing.kept_html import source_hash
from sourcing.models import Case
from sourcing.questionnaire import OPTION_LABELS
from suppliers import reference
from suppliers.catalogue import catalogue_cache, catalogue_version
from suppliers.models import Framework, Segment, Supplier
from suppliers.reference import (
    ACCREDITATIONS,
    CLASSIFICATION_RANK,
    CLASSIFICATIONS,
    CLEARANCES,
    SERVICE_CAPABILITIES,
)

log = logging.getLogger(__name__)

PER_OPTION = 5
SEGMENT_FIT = 30
SERVICE_FIT = 15
FRAMEWORK_ROUTE = 15
CAPABILITY_MATCH = 8
CAPABILITIES_COUNTED = 3
ASSURANCE = 5
CLEARED_STAFF = 3
# SME preference by option: small lots and staged work suit small firms best.
SME_POINTS = {"innovate": 12, "procure": 8, "build": 6, "buy": 3, "partner": 3}
SME_REASON = "An SME: small firms are preferred where the work can be split into lots or stages"
STRICTEST = "secret"
# A computed shortlist is kept this long (seconds) unless the catalogue changes first.
CACHE_SECONDS = 24 * 3600
SERVICE_LABELS = {
    "citizen_facing": "citizen-facing services",
    "internal_system": "internal systems",
    "infrastructure": "infrastructure",
    "end_user_computing": "end-user computing",
    "data_analytics": "data and analytics",
}


# A shortlist row as computed and kept in the cache: (option, supplier id, score, reasons,
# segment id).
Row = tuple[str, int, int, list[str], int]


@dataclass(frozen=True)
class ShortlistEntry:
    """One supplier on the shortlist for one option."""

    option: str
    supplier: Supplier
    score: int
    reasons: tuple[str, ...]
    segment: Segment


@dataclass(frozen=True)
class Basis:
    """What the shortlist is drawn for: the assessment, its options and the classification."""

    case: Case
    assessment: Assessment
    options: tuple[tuple[str, str], ...]  # (option, "Recommended" / "Decided" / "Runner-up")
    classification: str


def _decided(case_pk: Any) -> QuerySet[DecisionRecord, str]:
    """The decided option of the case's current approval, as a one-column query (not the
    record's content, about 27 KB decoded for one column). `case_pk` may be an OuterRef."""
    return (
        DecisionRecord.objects.filter(
            case_id=case_pk, action=DecisionAction.APPROVE, superseded_by__isnull=True
        )
        .order_by("-seq")
        .values_list("decided_option", flat=True)
    )


def _current_for_shortlist(case: Case) -> Assessment | None:
    """The case's current assessment (decisions.assessments.selectors.current_assessment) as
    the shortlist reads it, in one query: its id and creation time, the parts of its result
    and answers the basis needs (`shown_*`, read out of the JSON by the database: the whole
    result is about 50 KB of text), and the decided option of the case's current approval
    (`decided`). Its answers are read from the database only if a shortlist is computed."""
    return (
        current_assessments(case)
        .only("pk", "case_id", "created_at")
        .annotate(
            shown_recommended=KeyTransform("recommended", "result"),
            shown_viable=KeyTransform("viable", "result"),
            shown_ranking=KeyTransform("ranking", "result"),
            shown_classification=KeyTransform("data_classification", "answers"),
            decided=Subquery(_decided(OuterRef("case_id"))[:1]),
        )
        .first()
    )


def shortlist_basis(subject: Case | Assessment) -> Basis | None:
    """The options to shortlist for: the decided (else recommended) option and the runner-up.
    Given a case, one query (its current assessment, only the parts read here, and the
    decided option); given an assessment, one (the decided option)."""
    if isinstance(subject, Assessment):
        assessment = subject
        case = assessment.case
        result = assessment.result
        recommended = result.get("recommended")
        viable = result.get("viable", {})
        ranking = result.get("ranking", [])
        classification = assessment.answers.get("data_classification", "")
        decided = _decided(case.pk).first()
    else:
        case = subject
        found = _current_for_shortlist(case)
        if found is None:
            return None
        assessment = found
        recommended = getattr(found, "shown_recommended", None)
        viable = getattr(found, "shown_viable", None) or {}
        ranking = getattr(found, "shown_ranking", None) or []
        shown = getattr(found, "shown_classification", None)
        classification = "" if shown is None else shown
        decided = getattr(found, "decided", None)
    if decided:
        first, role = decided, "Decided"
    else:
        first, role = recommended or "", "Recommended"
    if not first:
        return None
    runner = next((o for o in ranking if o != first and viable.get(o, True)), None)
    options = ((first, role),) + (((runner, "Runner-up"),) if runner else ())
    needed = str(classification)
    # An unknown classification is treated as the strictest: never list the unaccredited.
    return Basis(
        case=case,
        assessment=assessment,
        options=options,
        classification=needed if needed in CLASSIFICATIONS else STRICTEST,
    )


@dataclass(frozen=True, slots=True)
class _Candidate:
    """What the score reads of a supplier: its columns and the ids of its links (a row, not a
    model instance: building those was most of a shortlist's time)."""

    pk: int
    name: str
    company_number: str
    sme: bool
    capabilities: list[str]
    classification: str
    clearance: str
    accreditations: list[str]
    segment_ids: frozenset[int]
    framework_ids: frozenset[int]


def _score(
    supplier: _Candidate,
    *,
    option: str,
    fitting: dict[int, Segment],
    routes: dict[int, Framework],
    answers: dict[str, Any],
) -> tuple[int, list[str], Segment] | None:
    # fitting and routes are in the segments' and frameworks' own order (position, key).
    segments = [s for pk, s in fitting.items() if pk in supplier.segment_ids]
    if not segments:
        return None
    service = str(answers.get("service_type", ""))
    suited = [s for s in segments if service in s.service_types]
    segment = (suited or segments)[0]
    label = OPTION_LABELS.get(option, option)
    score = SEGMENT_FIT
    reasons = [f"{segment.name}: a segment that fits {label}"]
    if suited:
        score += SERVICE_FIT
        reasons.append(f"The segment serves {SERVICE_LABELS.get(service, service)}")
    wanted = SERVICE_CAPABILITIES.get(service, ())
    matched = [c for c in wanted if c in supplier.capabilities][:CAPABILITIES_COUNTED]
    if matched:
        score += CAPABILITY_MATCH * len(matched)
        reasons.append("Offers " + ", ".join(matched))
    on = [f for pk, f in routes.items() if pk in supplier.framework_ids]
    if on:
        score += FRAMEWORK_ROUTE
        names = " and ".join(f.name for f in on)
        reasons.append(f"On {names}, a route to market for {label}")
    needed = str(answers.get("data_classification", STRICTEST))
    reasons.append(
        f"Accredited for {CLASSIFICATIONS[supplier.classification]} data "
        f"(the case needs {CLASSIFICATIONS.get(needed, CLASSIFICATIONS[STRICTEST])})"
    )
    if answers.get("criticality") in ("high", "critical"):
        held = [a for a in ("cyber-essentials-plus", "iso-27001") if a in supplier.accreditations]
        if held:
            score += ASSURANCE
            names = " and ".join(ACCREDITATIONS[a] for a in held)
            reasons.append(f"Holds {names}, for a {answers['criticality']}-impact service")
    if needed != "official" and supplier.clearance in ("sc", "dv"):
        score += CLEARED_STAFF
        reasons.append(f"Staff hold {CLEARANCES[supplier.clearance]} clearance")
    if supplier.sme:
        score += SME_POINTS.get(option, 0)
        reasons.append(SME_REASON)
    return score, reasons, segment


def shortlist_for(
    subject: Case | Assessment, *, per_option: int = PER_OPTION
) -> list[ShortlistEntry]:
    """Suppliers for the decided or recommended option and the runner-up, best first.

    Only suppliers in a segment that fits the option and accredited for the case's data
    classification are considered; the score adds segment, service, capability, framework,
    assurance, clearance and SME points, and every point has its reason.
    """
    basis = shortlist_basis(subject)
    if basis is None:
        return []
    return _entries(basis, per_option=per_option, version=catalogue_version())


def _key(basis: Basis, *, per_option: int, version: str) -> str:
    """Where a shortlist's rows are kept: the catalogue's version, the code that scores
    (`scoring_version`), the assessment (id and creation time: the answers and result it
    scores never change), the options with their roles, the classification and `per_option`."""
    assessment = basis.assessment
    return ":".join(
        [
            "suppliers:shortlist",
            version,
            scoring_version(),
            str(assessment.pk),
            assessment.created_at.isoformat(),
            ",".join(f"{o}={r}" for o, r in basis.options),
            basis.classification,
            str(per_option),
        ]
    )


def _rows(basis: Basis, *, per_option: int, version: str) -> list[Row]:
    """The shortlist's rows at the catalogue's `version`: kept, or computed and kept."""
    key = _key(basis, per_option=per_option, version=version)
    # The cache down: computed below, and not kept (catalogue_cache tries it once a request).
    rows: list[Row] | None = catalogue_cache.get(key)
    if rows is None:
        rows = _computed(basis, per_option=per_option, version=version)
        catalogue_cache.set(key, rows, CACHE_SECONDS)
    return rows


def _entries(
    basis: Basis, *, per_option: int, version: str, segments: list[Segment] | None = None
) -> list[ShortlistEntry]:
    """The shortlist, computed once per assessment, options and catalogue version.

    The cache holds (option, supplier id, score, reasons, segment id) rows under `_key`
    (suppliers.catalogue.catalogue_version is new after every change to a supplier, segment
    or framework). A hit costs two queries whatever the catalogue's size (one when the
    caller gives every segment).
    """
    rows = _rows(basis, per_option=per_option, version=version)
    suppliers = Supplier.objects.in_bulk({row[1] for row in rows})
    if segments is None:
        by_pk = Segment.objects.in_bulk({row[4] for row in rows})
    else:
        by_pk = {s.pk: s for s in segments}
    return [
        ShortlistEntry(option, suppliers[pk], score, tuple(reasons), by_pk[segment_pk])
        for option, pk, score, reasons, segment_pk in rows
        if pk in suppliers and segment_pk in by_pk
    ]


def _links(through: Any, column: str) -> dict[int, frozenset[int]]:
    """The ids linked to each supplier through a many-to-many table (one query)."""
    found: dict[int, set[int]] = {}
    for supplier, linked in through.objects.values_list("supplier_id", column):
        found.setdefault(supplier, set()).add(linked)
    return {supplier: frozenset(ids) for supplier, ids in found.items()}


@dataclass(frozen=True)
class _Catalogue:
    """The catalogue as the scores read it, at one version (segments and frameworks in their
    own order, every supplier as a row)."""

    version: str
    segments: tuple[Segment, ...]
    frameworks: tuple[Framework, ...]
    suppliers: tuple[_Candidate, ...]


# This process's copy of the catalogue at the latest version it read (one at a time): a
# shortlist not in the cache is scored from it without a query. A change to the catalogue
# gives a new version (suppliers.catalogue.catalogue_changed), so the copy is read again.
_held: dict[str, _Catalogue] = {}


def _catalogue(version: str) -> _Catalogue:
    """The catalogue at `version`: this process's copy, or read now (five queries)."""
    held = _held.get("catalogue")
    if held is not None and held.version == version:
        return held
    segment_links = _links(Supplier.segments.through, "segment_id")
    framework_links = _links(Supplier.frameworks.through, "framework_id")
    rows = Supplier.objects.order_by().values_list(
        "pk",
        "name",
        "company_number",
        "sme",
        "capabilities",
        "classification",
        "clearance",
        "accreditations",
    )
    held = _Catalogue(
        version,
        tuple(Segment.objects.all()),
        tuple(Framework.objects.all()),
        tuple(
            _Candidate(
                *row,
                segment_ids=segment_links.get(row[0], frozenset()),
                framework_ids=framework_links.get(row[0], frozenset()),
            )
            for row in rows
        ),
    )
    _held["catalogue"] = held
    return held


def _computed(basis: Basis, *, per_option: int, version: str) -> list[Row]:
    """The shortlist's rows, best first for each option, scored from the catalogue at
    `version` (this process's copy of it)."""
    allowed = {
        c
        for c, rank in CLASSIFICATION_RANK.items()
        if rank >= CLASSIFICATION_RANK[basis.classification]
    }
    catalogue = _catalogue(version)
    answers = {**basis.assessment.answers, "data_classification": basis.classification}
    rows: list[Row] = []
    for option, _ in basis.options:
        fitting = {s.pk: s for s in catalogue.segments if option in s.fits}
        routes = {f.pk: f for f in catalogue.frameworks if option in f.options}
        scored: list[tuple[int, str, str, int, list[str], int]] = []
        for supplier in catalogue.suppliers:
            if supplier.classification not in allowed:
                continue
            found = _score(supplier, option=option, fitting=fitting, routes=routes, answers=answers)
            if found is not None:
                score, reasons, segment = found
                name, number = supplier.name, supplier.company_number
                scored.append((score, name, number, supplier.pk, reasons, segment.pk))
        scored.sort(key=lambda e: (-e[0], e[1], e[2]))
        rows.extend(
            (option, pk, score, reasons, segment)
            for score, _name, _number, pk, reasons, segment in scored[:per_option]
        )
    return rows


def shortlist_context(
    subject: Case | Assessment, *, per_option: int = PER_OPTION
) -> dict[str, Any]:
    """`shortlist` for templates/includes/supplier_shortlist.html: one group per option, with
    the segments' approach guidance beside the suppliers."""
    basis = shortlist_basis(subject)
    if basis is None:
        return _unavailable()
    return _context(basis, per_option=per_option, version=catalogue_version())


def _unavailable() -> dict[str, Any]:
    return {"shortlist": {"groups": [], "available": False}}


def _context(basis: Basis, *, per_option: int, version: str) -> dict[str, Any]:
    segments = list(Segment.objects.all())
    entries = _entries(basis, per_option=per_option, version=version, segments=segments)
    groups = []
    for option, role in basis.options:
        groups.append(
            {
                "option": option,
                "label": OPTION_LABELS.get(option, option),
                "role": role,
                "entries": [e for e in entries if e.option == option],
                "segments": [s for s in segments if option in s.fits],
            }
        )
    return {
        "shortlist": {
            "available": True,
            "case": basis.case,
            "groups": groups,
            "classification": CLASSIFICATIONS[basis.classification],
        }
    }


TEMPLATE: Final = "includes/supplier_shortlist.html"


@once
def scoring_version() -> str:
    """A hash of the code that scores and presents a shortlist (this module, the catalogue's
    reference lists, the options' labels) and of its template, once per process: a release
    that changes any of them never reads a shortlist kept by the old code."""
    return source_hash([TEMPLATE], [sys.modules[__name__], reference, questionnaire])


def shortlist_html(subject: Case | Assessment, *, per_option: int = PER_OPTION) -> SafeString:
    """includes/supplier_shortlist.html for the case (or assessment), rendered once per
    shortlist and kept beside its rows (ADR 0021): under the rows' key (`_key`: the
    catalogue's version, the code's, the assessment, options and classification), so any
    change to the catalogue, to a supplier's or segment's text, or to the code gives a new
    key. What it shows is the catalogue's and the assessment's (no one's own data), so anyone
    who may see the case is shown the same HTML. One query (the basis) when kept; the cache
    down, rendered each time (tried once a request, as the rows are)."""
    basis = shortlist_basis(subject)
    if basis is None:
        return _rendered(_unavailable())
    version = catalogue_version()
    key = "suppliers:shortlist-html:" + _key(basis, per_option=per_option, version=version)
    kept = catalogue_cache.get(key)
    if isinstance(kept, SafeString):  # pickled with its class: only rendered HTML is trusted
        return kept
    html = _rendered(_context(basis, per_option=per_option, version=version))
    catalogue_cache.set(key, html, CACHE_SECONDS)
    return html


def _rendered(context: dict[str, Any]) -> SafeString:
    html = render_to_string(TEMPLATE, context)
    if not isinstance(html, SafeString):  # the template engine marks what it renders
        raise TypeError("template output not marked safe")
    return html
