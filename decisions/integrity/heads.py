"""Signed heads: sign the audit chain's head with the records' Merkle root, and publish them.

A head is signed under the audit chain's append lock, so no event is appended while the head
and the records are read. Every record is issued in a transaction that also appends its
`record.issued` event under that lock, so the records the root covers are exactly those issued
before the head event. The beat signs a head every AUDIT_CHECKPOINT_SECONDS; a record's PDF
asks for one covering its record when it is rendered.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from decisions.audit.models import AuditCheckpoint, AuditEvent
from decisions.audit.services import audit_appends_hold
from decisions.integrity import merkle
from decisions.integrity.keys import signing_key
from decisions.integrity.models import SignedHead
from decisions.integrity.signing import Head, sign_head
from decisions.records.models import DecisionRecord


def record_leaf(record_sha256: str) -> bytes:
    """The Merkle leaf hash of a record: SHA-256(0x00 || the 32 bytes of its sha256).

    A value that is not 64 hex digits (only a tampered row has one) is hashed as text, so it
    yields a root that matches nothing rather than an error.
    """
    try:
        raw = bytes.fromhex(record_sha256)
    except ValueError:
        raw = record_sha256.encode("utf-8", "replace")
    return merkle.leaf_hash(raw if len(raw) == merkle.HASH_SIZE else b"!" + raw)


def record_leaves(limit: int | None = None) -> list[tuple[int, bytes]]:
    """(record seq, leaf hash) of the records in sequence order, the first `limit` if given."""
    rows = DecisionRecord.objects.order_by("seq").values_list("seq", "record_sha256")
    if limit is not None:
        rows = rows[:limit]
    return [(seq, record_leaf(sha)) for seq, sha in rows.iterator(chunk_size=5000)]


def _utc_now_text() -> str:
    return timezone.now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def head_data(row: SignedHead) -> Head:
    """A stored signed head as the published dataclass."""
    return Head(
        seq=row.seq,
        head_sha256=row.head_sha256,
        records=row.records,
        records_root=row.records_root,
        signed_at=row.signed_at,
        key_id=row.key_id,
        signature=row.signature,
    )


def head_sign() -> SignedHead | None:
    """Sign the current head (the audit chain's last event and the records' Merkle root).

    Also publishes the head as a checkpoint. Idempotent: a head already signed at the same
    event is returned as it is. None when the chain is empty.
    """
    key = signing_key()  # outside the lock: the first use in development writes a key file
    with transaction.atomic():
        audit_appends_hold()
        head = AuditEvent.objects.order_by("-seq").only("seq", "sha256").first()
        if head is None:
            return None
        existing = SignedHead.objects.filter(seq=head.seq).first()
        if existing is not None:
            return existing
        leaves = [leaf for _seq, leaf in record_leaves()]
        signed = sign_head(
            key,
            seq=head.seq,
            head_sha256=head.sha256,
            records=len(leaves),
            records_root=merkle.root_of_hashes(leaves).hex(),
            signed_at=_utc_now_text(),
        )
        AuditCheckpoint.objects.get_or_create(seq=head.seq, defaults={"head_sha256": head.sha256})
        return SignedHead.objects.create(**signed.to_dict())


def head_covering(record: DecisionRecord) -> SignedHead:
    """The earliest signed head whose records tree includes the record (signing one if none).

    Raises LookupError when even a new head does not cover it (the record is not committed).
    """
    found = SignedHead.objects.filter(records__gte=record.seq).order_by("seq").first()
    if found is None:
        found = head_sign()
    if found is None or found.records < record.seq:
        raise LookupError(f"No signed head covers record {record.reference} yet.")
    return found


def heads_published() -> QuerySet[SignedHead]:
    """Every signed head, newest first (the public feed)."""
    return SignedHead.objects.order_by("-seq")


def heads_as_data(rows: Sequence[SignedHead]) -> list[Head]:
    return [head_data(row) for row in rows]
