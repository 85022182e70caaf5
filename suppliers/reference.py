"""Reference data of the suppliers app: segments and frameworks (shipped as JSON), and the
fixed vocabularies of the catalogue (classifications, clearances, accreditations, regions)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"
SEGMENTS_PATH = DATA / "segments.json"
FRAMEWORKS_PATH = DATA / "frameworks.json"
SAMPLE_CATALOGUE_PATH = DATA / "catalogue_sample.csv"

# Highest data classification a supplier is accredited to handle, lowest first.
CLASSIFICATIONS: dict[str, str] = {
    "official": "OFFICIAL",
    "official_sensitive": "OFFICIAL-SENSITIVE",
    "secret": "SECRET",
}
CLASSIFICATION_RANK = {key: rank for rank, key in enumerate(CLASSIFICATIONS)}
# Highest national security vetting the supplier's staff hold.
CLEARANCES: dict[str, str] = {
    "none": "None",
    "bpss": "Baseline Personnel Security Standard",
    "sc": "Security Check",
    "dv": "Developed Vetting",
}
ACCREDITATIONS: dict[str, str] = {
    "cyber-essentials": "Cyber Essentials",
    "cyber-essentials-plus": "Cyber Essentials Plus",
    "iso-27001": "ISO/IEC 27001",
    "iso-9001": "ISO 9001",
    "psn": "Public Services Network",
}
REGIONS: dict[str, str] = {
    "uk-wide": "UK-wide",
    "north-east": "North East",
    "north-west": "North West",
    "yorkshire": "Yorkshire and the Humber",
    "east-midlands": "East Midlands",
    "west-midlands": "West Midlands",
    "east": "East of England",
    "london": "London",
    "south-east": "South East",
    "south-west": "South West",
    "wales": "Wales",
    "scotland": "Scotland",
    "northern-ireland": "Northern Ireland",
}
# Capabilities a need of each service type calls for (catalogue capability tags).
SERVICE_CAPABILITIES: dict[str, tuple[str, ...]] = {
    "citizen_facing": ("user-centred design", "digital services", "accessibility", "identity"),
    "internal_system": ("case management", "crm", "erp", "payroll", "workflow"),
    "infrastructure": ("cloud hosting", "networks", "security operations", "devops"),
    "end_user_computing": ("end user devices", "collaboration", "service desk"),
    "data_analytics": ("data analytics", "data engineering", "machine learning"),
}


@cache
def segment_data() -> tuple[dict[str, Any], ...]:
    """The shipped segments, in display order."""
    return tuple(json.loads(SEGMENTS_PATH.read_text(encoding="utf-8"))["segments"])


@cache
def framework_data() -> tuple[dict[str, Any], ...]:
    """The shipped frameworks (routes to market)."""
    return tuple(json.loads(FRAMEWORKS_PATH.read_text(encoding="utf-8"))["frameworks"])


def load_reference_data(segment_model: Any, framework_model: Any) -> None:
    """Create or update the shipped segments and frameworks (used by the data migration)."""
    for position, item in enumerate(segment_data(), start=1):
        segment_model.objects.update_or_create(
            key=item["key"],
            defaults={
                "position": position,
                "name": item["name"],
                "business_model": item["business_model"],
                "incentives": item["incentives"],
                "fits": list(item["fits"]),
                "service_types": list(item["service_types"]),
                "approach": item["approach"],
                "contract_shape": item["contract_shape"],
                "exit_points": item["exit_points"],
            },
        )
    for position, item in enumerate(framework_data(), start=1):
        framework_model.objects.update_or_create(
            key=item["key"],
            defaults={"position": position, "name": item["name"], "options": item["options"]},
        )
