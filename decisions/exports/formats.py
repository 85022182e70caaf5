"""The formats of exported decision records: the CSV (documented columns, formula-safe cells),
whole records as JSON, and OCDS 1.1 planning releases."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from decisions.presenter import check_tag, decision_text, money_text, option_label
from decisions.record_schema import record_content
from decisions.records.content import record_full
from decisions.records.models import DecisionRecord, RecordPdf
from sourcing.jobs import JobStatus
from sourcing.people.names import person_text
from sourcing.spreadsheet import safe_cell

OCDS_SCHEMA_PATH = Path(__file__).resolve().parent / "data" / "ocds-release-schema-1__1__4.json"
# A registered OCDS publisher prefix replaces this in production (settings.OCDS_OCID_PREFIX).
DEFAULT_OCID_PREFIX = "ocds-sourcing"
# The columns of records.csv and of the CSV download, in order (documented in docs/pdf.md).
CSV_COLUMNS = (
    "record_id",
    "seq",
    "reference",
    "title",
    "department_code",
    "department_name",
    "action",
    "recommended",
    "decided_option",
    "overridden",
    "decided_at",
    "decided_by",
    "review_by",
    "ruleset_version",
    "ruleset_sha256",
    "whole_life_budget_gbp",
    "whole_life_years",
    "public_interest_test",
    "rationale",
    "record_sha256",
    "previous_sha256",
    "supersedes",
    "pdf_status",
    "pdf_sha256",
    # The same as people read them on the record page and its PDF (decisions.presenter).
    "decision_text",
    "recommended_label",
    "decided_option_label",
    "decided_by_name",
    "whole_life_budget_text",
    "public_interest_test_text",
)
# Spreadsheet formula triggers: a cell starting with one is prefixed with a quote (OWASP).
_cell = safe_cell


def _pdf_of(record: DecisionRecord) -> RecordPdf | None:
    try:
        return record.pdf
    except RecordPdf.DoesNotExist:
        return None


def csv_row(record: DecisionRecord) -> dict[str, str]:
    """One record as a CSV row (see CSV_COLUMNS)."""
    content = record_content(record.content)
    identity = content["identity"]
    answers = content.get("answers", {})
    pit = next(
        (
            c["result"]
            for c in content.get("policy_checks", [])
            if c["check"] == "public_interest_test"
        ),
        "",
    )
    reviewer = content["accountability"]["reviewer"]
    pdf = _pdf_of(record)
    row = {
        "record_id": record.pk,
        "seq": record.seq,
        "reference": record.reference,
        "title": identity.get("title", ""),
        "department_code": record.department.code,
        "department_name": record.department.name,
        "action": record.action,
        "recommended": record.recommended,
        "decided_option": record.decided_option,
        "overridden": record.overridden,
        "decided_at": record.decided_at.isoformat(),
        "decided_by": record.decided_by.get_username(),
        "review_by": record.review_by.isoformat() if record.review_by else "",
        "ruleset_version": identity["ruleset"]["version"],
        "ruleset_sha256": identity["ruleset"]["sha256"],
        "whole_life_budget_gbp": answers.get("whole_life_budget_gbp"),
        "whole_life_years": answers.get("whole_life_years"),
        "public_interest_test": pit,
        "rationale": content["accountability"].get("rationale", ""),
        "record_sha256": record.record_sha256,
        "previous_sha256": record.previous_sha256,
        "supersedes": identity.get("supersedes"),
        "pdf_status": pdf.status if pdf else "",
        "pdf_sha256": pdf.sha256 if pdf and pdf.status == JobStatus.DONE else "",
        "decision_text": decision_text(record.action, record.decided_option),
        "recommended_label": option_label(record.recommended) if record.recommended else "",
        "decided_option_label": (
            option_label(record.decided_option) if record.decided_option else ""
        ),
        "decided_by_name": person_text(reviewer.get("name"), reviewer.get("username")),
        "whole_life_budget_text": money_text(answers.get("whole_life_budget_gbp")),
        "public_interest_test_text": check_tag(pit)[0] if pit else "",
    }
    return {column: _cell(row[column]) for column in CSV_COLUMNS}


def records_csv(records: QuerySet[DecisionRecord] | list[DecisionRecord]) -> str:
    """The CSV of records: a header row of CSV_COLUMNS, then one row per record."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for record in records:
        writer.writerow(csv_row(record))
    return out.getvalue()


def records_json(records: QuerySet[DecisionRecord] | list[DecisionRecord]) -> list[dict[str, Any]]:
    """Whole records as the API gives them (decisions/{id})."""
    return [record_full(record) for record in records]


def _ocid(record: DecisionRecord) -> str:
    prefix = getattr(settings, "OCDS_OCID_PREFIX", DEFAULT_OCID_PREFIX)
    return f"{prefix}-{record.reference}"


def ocds_release(record: DecisionRecord) -> dict[str, Any]:
    """An OCDS 1.1 planning release for an approved decision (no tender has started)."""
    content = record_content(record.content)
    identity = content["identity"]
    answers = content.get("answers", {})
    department = identity["department"]
    route = option_label(record.decided_option)
    reasons = content["publishable"].get("reasons_summary", [])
    rationale = f"Delivery route chosen: {route}. " + " ".join(reasons)
    if content["accountability"].get("rationale"):
        rationale += f" Reviewer's reasons: {content['accountability']['rationale']}"
    party = {"id": f"GB-DEPT-{department['code']}", "name": department["name"], "roles": ["buyer"]}
    release: dict[str, Any] = {
        "ocid": _ocid(record),
        "id": f"{record.reference}-planning-{record.record_sha256[:12]}",
        "date": record.decided_at.isoformat(),
        "tag": ["planning"],
        "initiationType": "tender",
        "language": "en",
        "parties": [party],
        "buyer": {"id": party["id"], "name": party["name"]},
        "planning": {
            "rationale": rationale.strip(),
            "budget": {
                "id": f"{record.reference}-budget",
                "description": (
                    f"Whole-life value over {answers.get('whole_life_years') or '?'} years"
                ),
            },
        },
        "tender": {
            "id": f"{record.reference}-tender",
            "title": identity["title"],
            "description": f"Planned delivery route: {route}.",
            "status": "planning",
        },
    }
    budget = answers.get("whole_life_budget_gbp")
    if isinstance(budget, int):
        release["planning"]["budget"]["amount"] = {"amount": budget, "currency": "GBP"}
    return release


def ocds_package(
    records: QuerySet[DecisionRecord] | list[DecisionRecord], uri: str
) -> dict[str, Any]:
    """A release package of planning releases for the approved decisions among records."""
    releases = [ocds_release(r) for r in records if r.action == "approve"]
    return {
        "uri": uri,
        "version": "1.1",
        "publishedDate": timezone.now().isoformat(),
        "publisher": {"name": "Sourcing decisions, Centre of Excellence"},
        "license": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
        "publicationPolicy": "https://www.gov.uk/government/publications/the-sourcing-playbook",
        "releases": releases,
    }
