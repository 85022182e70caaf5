"""Reads of the audit chain's integrity pages and API: one event, the latest signed head."""

from __future__ import annotations

from decisions.audit.models import AuditEvent
from decisions.integrity.models import SignedHead


def audit_event_at(seq: int) -> AuditEvent | None:
    """The audit event with this sequence number, or None."""
    return AuditEvent.objects.filter(seq=seq).first()


def latest_signed_head() -> SignedHead | None:
    """The newest signed head of the chain (what an auditor verifies first), or None."""
    return SignedHead.objects.order_by("-seq").first()
