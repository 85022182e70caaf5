"""JSON API of integrity: the public feed of signed heads (GET /api/v1/register/heads, anyone)
and the audit chain's verification (GET /api/v1/audit/verify, reviewers and auditors); declared
in sourcing.access.PERMISSIONS."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from decisions.integrity.heads import head_data, heads_published
from decisions.integrity.keys import published_keys
from decisions.integrity.signing import STATEMENT_TYPE
from decisions.integrity.verification import audit_verify
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
