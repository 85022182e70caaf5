"""JSON API routes of this part (declared in sourcing.access.PERMISSIONS)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router
from ninja.errors import ValidationError
from pydantic import Field

from sourcing.api_schemas import PageOut, PageQuery, page_of, responses
from suppliers import selectors
from suppliers.models import Segment, Supplier

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


def supplier_out(supplier: Supplier) -> dict[str, Any]:
    """A catalogue supplier as the API shows it."""
    return {
        "company_number": supplier.company_number,
        "name": supplier.name,
        "segments": [s.key for s in supplier.segments.all()],
        "primary_segment": supplier.primary_segment.key,
        "sme": supplier.sme,
        "frameworks": [f.key for f in supplier.frameworks.all()],
        "capabilities": list(supplier.capabilities),
        "classification": supplier.classification,
        "clearance": supplier.clearance,
        "accreditations": list(supplier.accreditations),
        "regions": list(supplier.regions),
        "website": supplier.website,
    }


@router.get("/segments", url_name="segments", response=responses({200: PageOut}))
def segments(request: HttpRequest, page: Query[PageQuery]) -> dict[str, Any]:
    """The market segments in their order: business model, incentives, approach and the
    options each fits; `limit` and `offset` page them."""
    return page_of(selectors.segments(), page, segment_out)


@router.get("/suppliers", url_name="suppliers", response=responses({200: PageOut}))
def suppliers(request: HttpRequest, filters: Query[SupplierFilters]) -> dict[str, Any]:
    """Catalogue suppliers, filtered by segment key and text; `limit` and `offset` page them."""
    if filters.segment and selectors.segment_by_key(filters.segment) is None:
        raise ValidationError(
            [{"loc": ["query", "segment"], "msg": f"Unknown segment {filters.segment[:40]!r}"}]
        )
    found = selectors.supplier_search(q=filters.q.strip(), segment=filters.segment)
    return page_of(found, filters, supplier_out)
