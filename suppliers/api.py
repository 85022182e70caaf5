"""JSON API routes of this part (declared in sourcing.access.PERMISSIONS)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router
from ninja.errors import ValidationError
from pydantic import Field

from sourcing.api_schemas import PageOut, PageQuery, page_of, responses
from sourcing.pagination import rows_counted
from suppliers import selectors
from suppliers.models import Segment

router = Router(tags=["suppliers"])


class SupplierFilters(PageQuery):
    segment: str = Field("", max_length=60, pattern=r"^[^\x00]*$")
    q: str = Field("", max_length=100, pattern=r"^[^\x00]*$")


def segment_out(segment: Segment) -> dict[str, Any]:
    """A market segment as the API shows it."""
    return {
        "key": segment.key,
        "name": segment.name,
        "business_model": segment.business_model,
        "incentives": segment.incentives,
        "approach": segment.approach,
        "contract_shape": segment.contract_shape,
        "exit_points": segment.exit_points,
        "fits": list(segment.fits),
    }


# The columns supplier_out reads (`.values()`): no model instances, no unshown columns.
SUPPLIER_COLUMNS = (
    "id",
    "company_number",
    "name",
    "primary_segment__key",
    "sme",
    "capabilities",
    "classification",
    "clearance",
    "accreditations",
    "regions",
    "website",
)


def supplier_out(row: dict[str, Any]) -> dict[str, Any]:
    """A catalogue supplier as the API shows it, from a row of SUPPLIER_COLUMNS with its
    segments' and frameworks' keys (selectors.with_member_keys)."""
    return {
        "company_number": row["company_number"],
        "name": row["name"],
        "segments": row["segments"],
        "primary_segment": row["primary_segment__key"],
        "sme": row["sme"],
        "frameworks": row["frameworks"],
        "capabilities": list(row["capabilities"]),
        "classification": row["classification"],
        "clearance": row["clearance"],
        "accreditations": list(row["accreditations"]),
        "regions": list(row["regions"]),
        "website": row["website"],
    }


@router.get("/segments", url_name="segments", response=responses({200: PageOut}))
def segments(request: HttpRequest, page: Query[PageQuery]) -> dict[str, Any]:
    """The market segments in their order: business model, incentives, approach and the
    options each fits; `limit` and `offset` page them."""
    return page_of(selectors.segments(), page, segment_out)


@router.get("/suppliers", url_name="suppliers", response=responses({200: PageOut}))
def suppliers(request: HttpRequest, filters: Query[SupplierFilters]) -> dict[str, Any]:
    """Catalogue suppliers, filtered by segment key and text; `limit` and `offset` page them.
    One query (the page, its count and each row's segments' and frameworks' keys); a segment
    filter that finds nothing is checked against the segments (422 for an unknown key)."""
    found = selectors.supplier_search(q=filters.q.strip(), segment=filters.segment)
    listing = selectors.supplier_keys_listing(found, SUPPLIER_COLUMNS)
    rows, count = rows_counted(listing, filters.offset, filters.offset + filters.limit)
    if filters.segment and not rows and selectors.segment_by_key(filters.segment) is None:
        raise ValidationError(
            [{"loc": ["query", "segment"], "msg": f"Unknown segment {filters.segment[:40]!r}"}]
        )
    return {
        "items": [supplier_out(row) for row in selectors.with_member_keys(rows)],
        "count": found.count() if count is None else count,
        "limit": filters.limit,
        "offset": filters.offset,
    }
