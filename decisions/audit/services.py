"""The audit chain: append events under a lock, hash them over RFC 8785 JSON, check the chain."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from decisions.audit.models import AuditCheckpoint, AuditEvent
from decisions.engine.hashable import canonical_json, require_hashable

GENESIS = "0" * 64
CHAIN_CHUNK = 5000  # events read at a time when the chain is walked (memory stays flat)
_LOCK_KEY = 0x50_55_52_43_48  # pg_advisory_xact_lock key for appends


def serialise_appends(key: int) -> None:
    """Hold a transaction-scoped lock so appends to one chain never interleave.

    PostgreSQL: an advisory lock released at commit. SQLite: transactions are IMMEDIATE
    (settings), so writers are already serialised.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def audit_appends_hold() -> None:
    """Hold the audit chain's append lock until the transaction ends: no event is appended
    meanwhile, so what is read under it (the head, and the records issued with their events)
    stays consistent. Call inside transaction.atomic()."""
    serialise_appends(_LOCK_KEY)


# The columns an event's hash covers, in the order event_content names them.
HASHED_COLUMNS = (
    "seq",
    "occurred_at",
    "actor",
    "department",
    "action",
    "object_type",
    "object_id",
    "payload",
    "prev_sha256",
)


def event_content(event: AuditEvent) -> dict[str, Any]:
    """What an event's hash covers (everything but the hash itself)."""
    return {
        "seq": event.seq,
        "occurred_at": event.occurred_at.isoformat(),
        "actor": event.actor,
        "department": event.department,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "payload": event.payload,
        "prev_sha256": event.prev_sha256,
    }


def event_hash(event: AuditEvent) -> str:
    """sha256 of the RFC 8785 canonical JSON of the event's content and previous hash."""
    return hashlib.sha256(canonical_json(event_content(event))).hexdigest()


def audit_append(
    *,
    action: str,
    actor: Any = None,
    object_type: str = "",
    object_id: str | int = "",
    payload: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event; appends are serialised so concurrent writers never fork the chain.

    Raises decisions.engine.hashable.Unhashable (nothing appended, the caller's transaction
    rolls back) when the payload holds a value RFC 8785 cannot hash: the last guard behind
    the services' own validation.
    """
    require_hashable(payload or {}, what="payload")
    with transaction.atomic():
        serialise_appends(_LOCK_KEY)
        last = AuditEvent.objects.order_by("-seq").only("seq", "sha256").first()
        department = getattr(actor, "department", None) if actor is not None else None
        event = AuditEvent(
            seq=(last.seq + 1) if last else 1,
            occurred_at=timezone.now(),
            actor=actor.get_username() if actor is not None and actor.is_authenticated else "",
            department=department.code if department else "",
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            payload=payload or {},
            prev_sha256=last.sha256 if last else GENESIS,
        )
        event.sha256 = event_hash(event)
        event.save(force_insert=True)
        if event.seq % settings.AUDIT_CHECKPOINT_EVERY == 0:
            AuditCheckpoint.objects.create(seq=event.seq, head_sha256=event.sha256)
        return event


def audit_checkpoint() -> AuditCheckpoint | None:
    """Publish the current head as a checkpoint (the worker's beat does it at intervals)."""
    with transaction.atomic():
        head = AuditEvent.objects.order_by("-seq").only("seq", "sha256").first()
        if head is None:
            return None
        checkpoint, _ = AuditCheckpoint.objects.get_or_create(
            seq=head.seq, defaults={"head_sha256": head.sha256}
        )
        return checkpoint


@dataclass(frozen=True)
class ChainCheck:
    """What walking the chain found: events, the head's hash, the latest checkpoint, problems."""

    events: int
    head_sha256: str
    problems: tuple[str, ...]
    checkpoint_seq: int | None = None
    checkpoint_sha256: str | None = None


def _checkpoint_problems(checkpoints: Any, hashes: dict[int, str]) -> list[str]:
    """Checkpoints (seq, head) against the events' hashes by seq."""
    problems = []
    for seq, head in checkpoints.iterator(chunk_size=CHAIN_CHUNK):
        if seq not in hashes:
            problems.append(f"checkpoint {seq}: the event is missing (deleted or truncated chain)")
        elif hashes[seq] != head:
            problems.append(
                f"checkpoint {seq}: the chain no longer matches the published head "
                "(history rewritten)"
            )
    return problems


def audit_chain_check() -> ChainCheck:
    """Walk the chain in sequence order and against its checkpoints; report every break.

    Checks only the audit chain's own tables; decisions.records.verification adds the decision
    records and their PDFs.
    """
    problems: list[str] = []
    previous = GENESIS
    expected_seq = 1
    count = 0
    last_seq = 0
    events = AuditEvent.objects.order_by("seq").values_list(*HASHED_COLUMNS, "sha256")
    checkpoints = AuditCheckpoint.objects.order_by("seq").values_list("seq", "head_sha256")
    # Keyset chunks: one chunk of events (and the checkpoints among them) in memory at a time.
    while chunk := list(events.filter(seq__gt=last_seq)[:CHAIN_CHUNK]):
        hashes: dict[int, str] = {}
        for seq, occurred_at, actor, department, action, otype, oid, payload, prev, sha in chunk:
            count += 1
            if seq != expected_seq:
                problems.append(
                    f"event {seq}: expected sequence {expected_seq} (missing or reordered events)"
                )
            if prev != previous:
                problems.append(f"event {seq}: previous hash does not match event {seq - 1}")
            content = {
                "seq": seq,
                "occurred_at": occurred_at.isoformat(),
                "actor": actor,
                "department": department,
                "action": action,
                "object_type": otype,
                "object_id": oid,
                "payload": payload,
                "prev_sha256": prev,
            }
            if hashlib.sha256(canonical_json(content)).hexdigest() != sha:
                problems.append(f"event {seq}: content does not match its hash (edited)")
            hashes[seq] = sha
            previous = sha
            expected_seq = seq + 1
        problems += _checkpoint_problems(checkpoints.filter(seq__gt=last_seq, seq__lte=seq), hashes)
        last_seq = seq
    # Checkpoints past the last event: their events are gone.
    problems += _checkpoint_problems(checkpoints.filter(seq__gt=last_seq), {})
    latest = AuditCheckpoint.objects.order_by("-seq").first()
    return ChainCheck(
        count,
        previous,
        tuple(problems),
        checkpoint_seq=latest.seq if latest else None,
        checkpoint_sha256=latest.head_sha256 if latest else None,
    )
