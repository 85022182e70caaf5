"""The audit chain: append events under a lock, hash them over RFC 8785 JSON, check the chain."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Subquery, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from decisions.audit.models import AuditCheckpoint, AuditEvent
from decisions.engine.hashable import canonical_json, canonical_json_parsed, require_hashable
from sourcing.cache_errors import cache_errors

log = logging.getLogger(__name__)

GENESIS = "0" * 64
CHAIN_CHUNK = 5000  # events per chunk of the walk (checkpoint problems are reported per chunk)
_FETCH = 2000  # rows fetched at a time on PostgreSQL (memory stays flat)
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


def audit_on(
    object_type: str, object_id: str | int, action: str, actor: Any, /, **payload: Any
) -> AuditEvent:
    """audit_append for an event about one object, its payload given as keywords:
    `audit_on("case", case.pk, "case.withdrawn", by, comment=comment)` appends what
    `audit_append(action="case.withdrawn", actor=by, object_type="case", object_id=case.pk,
    payload={"comment": comment})` does (the same event, the same hash)."""
    return audit_append(
        action=action,
        actor=actor,
        object_type=object_type,
        object_id=object_id,
        payload=payload,
    )


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


@dataclass(frozen=True)
class VerifiedPrefix:
    """A prefix of the chain found intact by a full walk: its last event and how many events."""

    seq: int
    sha256: str
    events: int


@dataclass
class _Walk:
    """The state of a walk along the chain (from the genesis or after a verified prefix)."""

    previous: str = GENESIS
    expected_seq: int = 1
    count: int = 0


def _walk_events(walk: _Walk, after: int, problems: list[str], *, chunk: int = CHAIN_CHUNK) -> None:
    """Walk the events after seq `after` and the checkpoints after it, in sequence order, in
    one streamed query (plus one for checkpoints whose event is gone, and one per chunk of
    events whose hash the fast path does not reproduce): every event's sequence, link and
    hash, every checkpoint against its event. Problems in the order the chunked walk gave
    them: each chunk's events, then the checkpoints up to the chunk's last event.

    Each event's canonical bytes are written in one pass from its row (`_fast_digest`, orjson:
    ADR 0026). An event whose hash that does not reproduce is read again through the ORM
    after the walk and hashed by event_hash, the definition: only then is it reported.
    """
    chunk = CHAIN_CHUNK
    # Checkpoints whose event is gone (none in an intact chain); those with their event come
    # with it in the walk's rows.
    orphans = iter(
        AuditCheckpoint.objects.filter(seq__gt=after)
        .exclude(Exists(AuditEvent.objects.filter(seq=OuterRef("seq"))))
        .order_by("seq")
        .values_list("seq", flat=True)
    )
    orphan = next(orphans, None)
    previous, expected_seq, count = walk.previous, walk.expected_seq, walk.count
    pending: list[str] = []  # checkpoint problems, reported at the end of their chunk
    suspects: list[tuple[int, int]] = []  # (place in problems, seq) to hash the long way
    in_chunk = 0
    digest_of = _fast_digest
    for row in _event_rows(after):
        seq, prev, sha, head = row[0], row[8], row[9], row[10]
        count += 1
        if seq != expected_seq:
            problems.append(
                f"event {seq}: expected sequence {expected_seq} (missing or reordered events)"
            )
        if prev != previous:
            problems.append(f"event {seq}: previous hash does not match event {seq - 1}")
        if digest_of(row) != sha:
            suspects.append((len(problems), seq))
            problems.append("")  # filled in (or dropped) once the event is hashed the long way
        while orphan is not None and orphan < seq:
            pending.append(_checkpoint_missing(orphan))
            orphan = next(orphans, None)
        if head is not None and head != sha:
            pending.append(_checkpoint_rewritten(seq))
        previous = sha
        expected_seq = seq + 1
        in_chunk += 1
        if in_chunk == chunk:
            problems += pending
            pending, in_chunk = [], 0
    problems += pending
    # Checkpoints past the last event: their events are gone.
    while orphan is not None:
        problems.append(_checkpoint_missing(orphan))
        orphan = next(orphans, None)
    if suspects:
        _hash_suspects(suspects, problems)
    walk.previous, walk.expected_seq, walk.count = previous, expected_seq, count


# The walk's rows on PostgreSQL (_event_rows). Each timestamp as the server writes it here
# (to_char, in UTC, always six digits of microseconds), made into datetime.isoformat()'s text
# for the same instant in _event_rows, which is what the hash covers:
# "2026-01-01T00:00:01.000001+00:00", without ".000000".
_WALK_SQL = (
    "SELECT e.seq, to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), "
    "e.actor, e.department, e.action, e.object_type, e.object_id, e.payload::text, "
    "e.prev_sha256, e.sha256, c.head_sha256 FROM decisions_auditevent e "
    "LEFT JOIN decisions_auditcheckpoint c ON c.seq = e.seq WHERE e.seq > %s ORDER BY e.seq"
)


def _event_rows(after: int) -> Iterator[tuple[Any, ...]]:
    """The events after seq `after` in sequence order, each as (seq, occurred_at's isoformat
    text, actor, department, action, object_type, object_id, payload as JSON text,
    prev_sha256, sha256, the head_sha256 of a checkpoint at that event or None).

    PostgreSQL: one server-side cursor read CHAIN_CHUNK rows at a time, the timestamp and the
    payload written as text by the server. Elsewhere: Django's iterator in chunks.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor, cursor.connection.cursor(name="walk") as rows:
            rows.execute(_WALK_SQL, [after])
            while batch := rows.fetchmany(_FETCH):
                for seq, when, *rest in batch:
                    yield (
                        seq,
                        (when[:-7] if when.endswith(".000000") else when) + "+00:00",
                        *rest,
                    )
        return
    rows = (
        AuditEvent.objects.filter(seq__gt=after)
        .order_by("seq")
        .annotate(
            payload_text=Cast("payload", TextField()),
            checkpoint=Subquery(
                AuditCheckpoint.objects.filter(seq=OuterRef("seq")).values("head_sha256")[:1]
            ),
        )
        .values_list(*HASHED_COLUMNS[:-2], "payload_text", "prev_sha256", "sha256", "checkpoint")
        .iterator(chunk_size=CHAIN_CHUNK)
    )
    for seq, occurred_at, *rest in rows:
        yield (seq, occurred_at.isoformat(), *rest)


def _fast_digest(row: tuple[Any, ...]) -> str:
    """sha256 of canonical_json(event_content(...))'s bytes: the event's members with the
    payload read from its JSON text, written by orjson (canonical_json_parsed) in one pass,
    or by canonical_json where that cannot vouch for its text (a float in the payload, say).
    Only ever trusted when it equals the stored hash; anything else is hashed again by
    event_hash before it is reported."""
    seq, when, actor, department, action, otype, oid, text, prev = row[:9]
    try:
        payload = orjson.loads(text)
    except orjson.JSONDecodeError:
        return ""  # not JSON text: hashed the long way
    content = {
        "action": action,
        "actor": actor,
        "department": department,
        "object_id": oid,
        "object_type": otype,
        "occurred_at": when,
        "payload": payload,
        "prev_sha256": prev,
        "seq": seq,
    }
    data = canonical_json_parsed(content)
    if data is None:
        content["payload"] = json.loads(text)  # floats and large integers as json reads them
        data = canonical_json(content)
    return hashlib.sha256(data).hexdigest()


def _hash_suspects(suspects: list[tuple[int, int]], problems: list[str]) -> None:
    """Hash the events the fast path did not reproduce as event_hash does (read through the
    ORM, in chunks): the edited ones are reported in their places, the others dropped."""
    edited: set[int] = set()
    for start in range(0, len(suspects), CHAIN_CHUNK):
        seqs = [seq for _place, seq in suspects[start : start + CHAIN_CHUNK]]
        for event in AuditEvent.objects.filter(seq__in=seqs):
            if event_hash(event) != event.sha256:
                edited.add(event.seq)
    for place, seq in suspects:
        if seq in edited:
            problems[place] = f"event {seq}: content does not match its hash (edited)"
    problems[:] = [problem for problem in problems if problem]


def _checkpoint_missing(seq: int) -> str:
    return f"checkpoint {seq}: the event is missing (deleted or truncated chain)"


def _checkpoint_rewritten(seq: int) -> str:
    return f"checkpoint {seq}: the chain no longer matches the published head (history rewritten)"


def _chain_check(walk: _Walk, after: int) -> ChainCheck:
    problems: list[str] = []
    with transaction.atomic():  # streamed cursors without WITH HOLD on PostgreSQL
        _walk_events(walk, after, problems)
        latest = AuditCheckpoint.objects.order_by("-seq").first()
    return ChainCheck(
        walk.count,
        walk.previous,
        tuple(problems),
        checkpoint_seq=latest.seq if latest else None,
        checkpoint_sha256=latest.head_sha256 if latest else None,
    )


def audit_chain_check() -> ChainCheck:
    """Walk the whole chain in sequence order and against its checkpoints; report every break.

    Streams the events and the checkpoints (memory stays flat with the chain's length) in a
    constant number of queries. Checks only the audit chain's own tables;
    decisions.records.verification adds the decision records and their PDFs. A chain found
    intact is remembered as verified up to its last event (audit_chain_check_since).
    """
    walk = _Walk()
    check = _chain_check(walk, 0)
    if check.problems:
        _forget()  # the next check walks the whole chain again and finds them
    elif check.events:
        _remember(_prefix_of(walk), walked_in_full=timezone.now())
    return check


def _prefix_of(walk: _Walk) -> VerifiedPrefix:
    return VerifiedPrefix(walk.expected_seq - 1, walk.previous, walk.count)


def verified_remember(what: str, value: tuple[Any, ...] | None) -> None:
    """Keep (or, with None, forget) what a check found intact, `what` naming it ("audit-chain",
    "audit-records"), in the default cache for this database. The cache (Redis) down: nothing
    kept, and the next check starts from the beginning."""
    key = f"{what}:verified:{connection.settings_dict['NAME']}"
    try:
        if value is None:
            cache.delete(key)
        else:
            cache.set(key, value, timeout=None)
    except cache_errors():
        log.warning("%s: cannot keep what was found intact", what, exc_info=True)


def verified_recall(what: str) -> Any:
    """What verified_remember kept under `what`, or None (nothing, or the cache down)."""
    try:
        return cache.get(f"{what}:verified:{connection.settings_dict['NAME']}")
    except cache_errors():
        log.warning("%s: cannot read what was found intact", what, exc_info=True)
        return None


def _remember(prefix: VerifiedPrefix, *, walked_in_full: datetime) -> None:
    """Keep the intact prefix (and when the chain was last walked in full) in the cache."""
    value = (prefix.seq, prefix.sha256, prefix.events, walked_in_full.isoformat())
    verified_remember("audit-chain", value)


def _forget() -> None:
    verified_remember("audit-chain", None)


def _recall() -> tuple[VerifiedPrefix, datetime] | None:
    """The remembered intact prefix and when the chain was last walked in full, or None."""
    try:
        seq, sha, events, walked = verified_recall("audit-chain")
        return VerifiedPrefix(int(seq), str(sha), int(events)), datetime.fromisoformat(walked)
    except (TypeError, ValueError):  # nothing remembered, or not ours
        return None


def audit_chain_check_since() -> tuple[ChainCheck, VerifiedPrefix | None, datetime | None]:
    """The chain checked from the last prefix a full walk found intact: that prefix's last
    event must still carry the hash it had, then only the events after it are walked (and the
    checkpoints after it), each as strictly as audit_chain_check does. Without a remembered
    prefix, or when its last event no longer carries that hash (or is gone), the whole chain
    is walked. Returns the check, the prefix it started from (None: the whole chain) and when
    that prefix was verified in full. A constant number of queries whatever the length.

    Events up to the prefix are not re-hashed here: an edit to one of them is found by the
    next full walk (manage.py verify_audit, GET /api/v1/audit/verify, the page's "verify in
    full"). The prefix lives in the default cache (Redis where REDIS_URL is set); a lost or
    unreachable cache costs a full walk.
    """
    remembered = _recall()
    if remembered is not None:
        prefix, verified_at = remembered
        held = AuditEvent.objects.filter(seq=prefix.seq).values_list("sha256", flat=True).first()
        if held == prefix.sha256:
            walk = _Walk(previous=prefix.sha256, expected_seq=prefix.seq + 1, count=prefix.events)
            check = _chain_check(walk, prefix.seq)
            if not check.problems and check.events > prefix.events:
                _remember(_prefix_of(walk), walked_in_full=verified_at)
            return check, prefix, verified_at
    return audit_chain_check(), None, None
