"""JSON API of integrity: the public feed of signed heads (GET /api/v1/register/heads, anyone)
and the audit chain's verification (GET /api/v1/audit/verify, reviewers and auditors); declared
in sourcing.access.PERMISSIONS."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from decisions.integrity.heads import head_data, heads_published
from decisions.integrity.keys import published_keys
from decisions.integrity.signing import STATEMENT_TYPE
from decisions.integrity.verification import audit_verify

router = Router(tags=["decisions"])
LIMIT_DEFAULT = 50
LIMIT_MAX = 200


class HeadsPage(Schema):
    limit: int = Field(LIMIT_DEFAULT, ge=1, le=LIMIT_MAX)
    offset: int = Field(0, ge=0)


@router.get("/register/heads", auth=None, url_name="register_heads")
def register_heads(request: HttpRequest, page: Query[HeadsPage]) -> dict[str, Any]:
    """The signed heads published so far, newest first, and the public keys that sign them.

    Each head: `{seq, head_sha256, records, records_root, signed_at, key_id, signature}`; the
    signature is Ed25519 (base64) over the RFC 8785 JSON of the head without its signature and
    with `"type": "sourcing-decisions/signed-head/v1"`. Keep copies: `manage.py verify_audit
    --head` and `verify_record --heads` check against them.
    """
    heads = heads_published()
    rows = heads[page.offset : page.offset + page.limit]
    return {
        "statement_type": STATEMENT_TYPE,
        "keys": published_keys(),
        "items": [head_data(row).to_dict() for row in rows],
        "count": heads.count(),
        "limit": page.limit,
        "offset": page.offset,
    }


@router.get("/audit/verify", url_name="audit_verify")
def verify(request: HttpRequest) -> dict[str, Any]:
    """Walk the audit chain, the checkpoints, the decision records, their PDFs and the signed
    heads; report every break."""
    return audit_verify().to_dict()
