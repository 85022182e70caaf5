"""JSON API of integrity: the public feed of signed heads (GET /api/v1/register/heads, anyone)
and the audit chain's verification (GET /api/v1/audit/verify, reviewers and auditors); declared
in sourcing.access.PERMISSIONS."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from decisions.integrity.events import event_data, events_matching
from decisions.integrity.heads import head_data, heads_published
from decisions.integrity.keys import published_keys
from decisions.integrity.selectors import audit_event_at
from decisions.integrity.signing import STATEMENT_TYPE
from decisions.integrity.verification import audit_verify
from sourcing.access import or_404
from sourcing.api_schemas import PageOut, PageQuery, page_of, responses

router = Router(tags=["decisions"])


class HeadsPage(PageOut):
    statement_type: str
    keys: list[dict[str, Any]]


@router.get(
    "/register/heads",
    auth=None,
    url_name="register_heads",
    response=responses({200: HeadsPage}, public=True),
)
def register_heads(request: HttpRequest, page: Query[PageQuery]) -> dict[str, Any]:
    """The signed heads published so far, newest first, and the public keys that sign them.

    Each head: `{seq, head_sha256, records, records_root, signed_at, key_id, signature}`; the
    signature is Ed25519 (base64) over the RFC 8785 JSON of the head without its signature and
    with `"type": "sourcing-decisions/signed-head/v1"`. Keep copies: `manage.py verify_audit
    --head` and `verify_record --heads` check against them.
    """
    return {
        "statement_type": STATEMENT_TYPE,
        "keys": published_keys(),
        **page_of(heads_published(), page, lambda row: head_data(row).to_dict()),
    }


@router.get("/audit/verify", url_name="audit_verify", response=responses({200: dict[str, Any]}))
def verify(request: HttpRequest) -> dict[str, Any]:
    """Walk the audit chain, the checkpoints, the decision records, their PDFs and the signed
    heads; report every break."""
    return audit_verify().to_dict()


class EventFilter(Schema):
    """The audit event list's filters: type, actor (username), department (code), days."""

    action: str = Field("", max_length=60, description="Event type, like case.submitted")
    actor: str = Field("", max_length=150, description="Username of who did it (any case)")
    department: str = Field("", max_length=20, description="Department code")
    date_from: date | None = Field(None, alias="from", description="First day, YYYY-MM-DD")
    date_to: date | None = Field(None, alias="to", description="Last day, YYYY-MM-DD")


@router.get("/audit/events", url_name="audit_events", response=responses({200: PageOut}))
def audit_events(
    request: HttpRequest, page: Query[PageQuery], filters: Query[EventFilter]
) -> dict[str, Any]:
    """The audit chain's events, newest first, filtered; `limit` and `offset` page them. Each
    item: `{seq, occurred_at, actor, department, action, object_type, object_id, payload,
    prev_sha256, sha256, url}`."""
    events = events_matching(
        action=filters.action,
        actor=filters.actor.strip(),
        department=filters.department,
        start=filters.date_from,
        end=filters.date_to,
    )
    return page_of(events, page, event_data)


@router.get(
    "/audit/events/{int:seq}", url_name="audit_event", response=responses({200: dict[str, Any]})
)
def audit_event(request: HttpRequest, seq: int) -> dict[str, Any]:
    """One event of the audit chain by its sequence number (404 if there is none)."""
    event = or_404(audit_event_at(seq))
    return event_data(event)
