"""An invented supplier catalogue, generated deterministically (seeded random), and demo
contracts for the approved demo decisions. Every name is made up."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sourcing.models import Case, CaseStatus
from suppliers.catalogue import LIST_SEPARATOR, catalogue_csv
from suppliers.contracts import contract_record
from suppliers.models import Contract, Supplier
from suppliers.reference import REGIONS

SEED = 20260308
DEMO_SIZE = 240

# segment key: (share of the catalogue, chance of being an SME, capability pool, frameworks
# with their chance, classification weights official/sensitive/secret, name endings)
PROFILES: dict[str, dict[str, Any]] = {
    "hyperscale-cloud": {
        "share": 3,
        "sme": 0.0,
        "capabilities": [
            "cloud hosting",
            "devops",
            "data engineering",
            "machine learning",
            "security operations",
            "networks",
            "data analytics",
        ],
        "frameworks": {"cloud-compute": 0.9, "g-cloud": 0.95},
        "classification": (2, 3, 5),
        "endings": ["Cloud plc", "Compute Ltd", "Cloud Services Ltd"],
    },
    "saas-platforms": {
        "share": 18,
        "sme": 0.55,
        "capabilities": [
            "case management",
            "crm",
            "erp",
            "payroll",
            "workflow",
            "collaboration",
            "identity",
            "accessibility",
            "service desk",
            "data analytics",
        ],
        "frameworks": {"g-cloud": 0.95, "tps": 0.2},
        "classification": (7, 3, 0),
        "endings": ["Software Ltd", "Systems Ltd", "Cloud Ltd", "Apps Ltd"],
    },
    "systems-integrators": {
        "share": 9,
        "sme": 0.1,
        "capabilities": [
            "case management",
            "erp",
            "payroll",
            "networks",
            "security operations",
            "service desk",
            "workflow",
            "digital services",
            "cloud hosting",
        ],
        "frameworks": {"tech-services": 0.9, "dos": 0.5, "g-cloud": 0.6},
        "classification": (1, 4, 5),
        "endings": ["Group plc", "Solutions plc", "Services Ltd"],
    },
    "consultancies-agencies": {
        "share": 20,
        "sme": 0.7,
        "capabilities": [
            "user-centred design",
            "digital services",
            "accessibility",
            "devops",
            "data engineering",
            "data analytics",
            "case management",
            "identity",
        ],
        "frameworks": {"dos": 0.85, "g-cloud": 0.4, "tech-services": 0.15},
        "classification": (5, 4, 1),
        "endings": ["Digital Ltd", "Consulting LLP", "Studio Ltd", "Partners LLP"],
    },
    "hardware-resellers": {
        "share": 10,
        "sme": 0.5,
        "capabilities": ["end user devices", "networks", "service desk", "collaboration"],
        "frameworks": {"tps": 0.9, "g-cloud": 0.2},
        "classification": (6, 3, 1),
        "endings": ["Technology Ltd", "IT Supplies Ltd", "Distribution Ltd"],
    },
    "specialist-smes": {
        "share": 28,
        "sme": 1.0,
        "capabilities": [
            "machine learning",
            "data analytics",
            "data engineering",
            "accessibility",
            "identity",
            "user-centred design",
            "security operations",
            "workflow",
        ],
        "frameworks": {"dos": 0.7, "g-cloud": 0.5, "sbri": 0.3},
        "classification": (7, 3, 0),
        "endings": ["Labs Ltd", "Analytics Ltd", "Ltd", "Works Ltd"],
    },
    "public-sector-platforms": {
        "share": 4,
        "sme": 0.0,
        "capabilities": ["identity", "digital services", "workflow", "cloud hosting"],
        "frameworks": {},
        "classification": (3, 6, 1),
        "endings": ["Platform Services Ltd", "Shared Services Ltd"],
    },
    "open-source-communities": {
        "share": 8,
        "sme": 0.85,
        "capabilities": ["devops", "cloud hosting", "data engineering", "workflow", "crm"],
        "frameworks": {"g-cloud": 0.45, "dos": 0.3},
        "classification": (8, 2, 0),
        "endings": ["Foundation Ltd", "Open Ltd", "Commons CIC"],
    },
}
FIRST = [
    "Alder",
    "Amberly",
    "Ashcombe",
    "Bellweather",
    "Birchgate",
    "Blackwater",
    "Bramble",
    "Brightwater",
    "Calder",
    "Cobalt",
    "Coldharbour",
    "Copperleaf",
    "Corrie",
    "Dunmore",
    "Elmstead",
    "Fenwick",
    "Fernhill",
    "Foxglove",
    "Glenholme",
    "Greyfriars",
    "Harrowfield",
    "Heathcote",
    "Hollin",
    "Ironbridge",
    "Juniper",
    "Kestrel",
    "Kingsmere",
    "Larkspur",
    "Ledgerline",
    "Linnet",
    "Marram",
    "Meadowbank",
    "Millbeck",
    "Northolt",
    "Oakridge",
    "Orchard",
    "Pennine",
    "Quayside",
    "Redwing",
    "Rowan",
    "Saltmarsh",
    "Severn",
    "Skylark",
    "Sorrel",
    "Stonechat",
    "Stratus",
    "Tamarind",
    "Thistle",
    "Tidewater",
    "Upland",
    "Vantage",
    "Wealden",
    "Whinfell",
    "Willowby",
    "Wrenfield",
    "Yarrow",
]
SECOND = [
    "",
    "Bay",
    "Bridge",
    "Brook",
    "Crest",
    "Dale",
    "Field",
    "Ford",
    "Gate",
    "Hill",
    "Lane",
    "Moor",
    "Point",
    "Ridge",
    "Vale",
    "Wood",
    "Meridian",
    "North",
    "West",
    "Park",
]
ACCREDITATION_POOL = ["cyber-essentials", "cyber-essentials-plus", "iso-27001", "iso-9001", "psn"]
REGION_KEYS = [k for k in REGIONS if k != "uk-wide"]
CLEARANCE_FOR = {
    "official": (["none", "bpss"], [1, 3]),
    "official_sensitive": (["bpss", "sc"], [2, 3]),
    "secret": (["sc", "dv"], [3, 2]),
}
CLASSES = ["official", "official_sensitive", "secret"]
# Segments whose members belong to no other segment.
SINGLE_SEGMENT = ("hyperscale-cloud", "public-sector-platforms")

# Suppliers the demo contracts use, always in the catalogue (company number, name, segment).
ANCHORS: tuple[tuple[str, str, str, bool, list[str], list[str]], ...] = (
    (
        "09120001",
        "Ledgerline Payroll Ltd",
        "saas-platforms",
        False,
        ["payroll", "erp"],
        ["g-cloud"],
    ),
    (
        "09120002",
        "Sorrelgate Software Ltd",
        "saas-platforms",
        True,
        ["payroll", "workflow"],
        ["g-cloud"],
    ),
    (
        "09120003",
        "Brightwater Digital Ltd",
        "consultancies-agencies",
        True,
        ["user-centred design", "case management", "digital services"],
        ["dos", "g-cloud"],
    ),
    (
        "09120004",
        "Fernhill Digital Ltd",
        "consultancies-agencies",
        True,
        ["user-centred design", "devops", "case management"],
        ["dos"],
    ),
    (
        "09120005",
        "Stratus Meridian Cloud plc",
        "hyperscale-cloud",
        False,
        ["cloud hosting", "devops", "data analytics"],
        ["cloud-compute", "g-cloud"],
    ),
)


def _name(rng: random.Random, endings: list[str], taken: set[str]) -> str:
    while True:
        first = rng.choice(FIRST)
        second = rng.choice(SECOND)
        name = f"{first} {second} {rng.choice(endings)}".replace("  ", " ")
        if name not in taken:
            taken.add(name)
            return name


def demo_catalogue_rows(count: int = DEMO_SIZE, *, seed: int = SEED) -> list[dict[str, str]]:
    """`count` invented catalogue rows across all segments, the same for the same seed."""
    rng = random.Random(seed)
    rows: list[dict[str, str]] = []
    taken: set[str] = set()
    numbers: set[str] = set()
    for number, name, segment, sme, capabilities, frameworks in ANCHORS:
        taken.add(name)
        numbers.add(number)
        rows.append(
            {
                "company_number": number,
                "name": name,
                "segments": segment,
                "sme": "yes" if sme else "no",
                "frameworks": LIST_SEPARATOR.join(frameworks),
                "capabilities": LIST_SEPARATOR.join(capabilities),
                "classification": "official_sensitive",
                "clearance": "sc",
                "accreditations": "cyber-essentials-plus;iso-27001",
                "regions": "uk-wide",
                "website": "",
                "description": "A demo supplier used by the demo contracts.",
            }
        )
    keys = list(PROFILES)
    weights = [PROFILES[k]["share"] for k in keys]
    while len(rows) < count:
        segment = rng.choices(keys, weights)[0]
        profile = PROFILES[segment]
        number = (
            f"{rng.randrange(10**6, 10**7 * 9):08d}"
            if rng.random() < 0.9
            else f"{rng.choice(['SC', 'NI', 'OC'])}{rng.randrange(10**5, 10**6):06d}"
        )
        if number in numbers:
            continue
        numbers.add(number)
        sme = rng.random() < profile["sme"]
        segments = [segment]
        if segment not in SINGLE_SEGMENT and rng.random() < 0.2:
            others = [k for k in keys if k not in (segment, *SINGLE_SEGMENT)]
            segments.append(rng.choice(others))
        sme = sme or "specialist-smes" in segments
        classification = rng.choices(CLASSES, profile["classification"])[0]
        clearances, clearance_weights = CLEARANCE_FOR[classification]
        accreditations = [a for a in ACCREDITATION_POOL if rng.random() < (0.3 if sme else 0.6)]
        regions = (
            ["uk-wide"]
            if not sme or rng.random() < 0.2
            else sorted(rng.sample(REGION_KEYS, rng.randint(1, 3)))
        )
        name = _name(rng, profile["endings"], taken)
        rows.append(
            {
                "company_number": number,
                "name": name,
                "segments": LIST_SEPARATOR.join(segments),
                "sme": "yes" if sme else "no",
                "frameworks": LIST_SEPARATOR.join(
                    k for k, chance in profile["frameworks"].items() if rng.random() < chance
                ),
                "capabilities": LIST_SEPARATOR.join(
                    rng.sample(profile["capabilities"], rng.randint(2, 4))
                ),
                "classification": classification,
                "clearance": rng.choices(clearances, clearance_weights)[0],
                "accreditations": LIST_SEPARATOR.join(accreditations),
                "regions": LIST_SEPARATOR.join(regions),
                "website": "",
                "description": "",
            }
        )
    return rows


def demo_catalogue_csv(count: int = DEMO_SIZE, *, seed: int = SEED) -> bytes:
    """The invented catalogue as CSV bytes, ready for catalogue_import."""
    return catalogue_csv(demo_catalogue_rows(count, seed=seed)).encode("utf-8")


# (case title, company number, value in pounds, years, break points after years, extends
# incumbent): the approved demo decisions' contracts. Payroll's SaaS dominates its segment.
DEMO_CONTRACTS: tuple[tuple[str, str, int, int, tuple[int, ...], bool], ...] = (
    ("Payroll service renewal", "09120001", 560_000, 5, (2, 3), True),
    ("Payroll service renewal", "09120003", 90_000, 1, (), False),
    ("Repairs scheduling tool", "09120004", 420_000, 2, (1,), False),
    ("Repairs scheduling tool", "09120005", 75_000, 3, (1, 2), False),
    ("Repairs scheduling tool", "09120002", 30_000, 2, (), False),
)


def _years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def seed_demo_contracts(*, title_of: Callable[[str], str] | None = None) -> int:
    """Contracts for the approved demo decisions that have none yet; returns how many.

    `title_of` maps a demo case's title to the title of the case to contract (the load bench's
    copies of the demo cases); by default the demo case itself.
    """
    made = 0
    for title, number, value, years, breaks, extends in DEMO_CONTRACTS:
        case_title = title_of(title) if title_of else title
        case = Case.objects.filter(title=case_title, status=CaseStatus.APPROVED).first()
        supplier = Supplier.objects.filter(company_number=number).first()
        if case is None or supplier is None:
            continue
        if Contract.objects.filter(case=case, supplier=supplier).exists():
            continue
        start = case.updated_at.date() + timedelta(days=30)
        contract_record(
            case=case,
            by=case.owner,
            supplier=supplier,
            value_gbp=value,
            start=start,
            end=_years(start, years),
            break_points=[_years(start, b) for b in breaks],
            extends_incumbent=extends,
        )
        made += 1
    return made
