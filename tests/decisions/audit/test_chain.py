"""The audit chain: hashes, verification of each tampering class, append-only on PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from django.db import DatabaseError, connection, transaction

from decisions.audit.models import AuditEvent
from decisions.audit.services import GENESIS, audit_append, event_hash
from decisions.integrity.verification import audit_verify
from sourcing.models import User
from tests.conftest import service_missing


def _append(n: int) -> list[AuditEvent]:
    return [audit_append(action="test.event", payload={"n": i}) for i in range(n)]


def _raw(sql: str, params: list[object]) -> None:
    # Tampering goes around the ORM, as an attacker with database access would.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "ALTER TABLE decisions_auditevent DISABLE TRIGGER decisions_auditevent_append_only"
            )
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute(
                "ALTER TABLE decisions_auditevent ENABLE TRIGGER decisions_auditevent_append_only"
            )


def test_events_link_to_the_previous_hash(db: None) -> None:
    first, second = _append(2)
    assert first.prev_sha256 == GENESIS
    assert second.prev_sha256 == first.sha256
    assert second.sha256 == event_hash(second)
    report = audit_verify()
    assert report.valid and report.events == 2 and report.head_sha256 == second.sha256


def test_the_hash_survives_a_round_trip_through_the_database(users: dict[str, User]) -> None:
    event = audit_append(
        action="test.event", actor=users["commercial"], payload={"text": "Ŵales ✓ <b>"}
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert event_hash(stored) == event.sha256
    assert stored.department == "dept-a"


@pytest.mark.tampers_audit_chain
def test_an_edited_event_is_detected(db: None) -> None:
    events = _append(3)
    _raw("UPDATE decisions_auditevent SET payload = %s WHERE seq = 2", ['{"n": 99}'])
    assert not audit_verify().valid
    assert any("event 2: content" in p for p in audit_verify().problems), events


@pytest.mark.tampers_audit_chain
def test_payloads_the_fast_walk_hands_to_rfc8785_verify(db: None) -> None:
    # Floats, characters from U+E000 up (keys sorted by UTF-16 unit), escapes, a timestamp
    # on a whole second: the walk's direct path must give each event's canonical hash.
    payloads = [
        {"ratio": 0.1, "big": 1e15, "small": -5e-7, "whole": 2.0},
        {"\ue000": 1, "\U0001f600": 2, "a": [1.5, "\U0001f600"], "\ud7ff": True},
        {"quote": 'say "hi"\\ \t\n\x01\x7f\u2028', "nested": {"z": None, "a": [[], {}]}},
        {},
    ]
    events = [audit_append(action="test.event", payload=p) for p in payloads]
    whole = events[0].occurred_at.replace(microsecond=0)
    _raw("UPDATE decisions_auditevent SET occurred_at = %s WHERE seq = 1", [whole])
    first = AuditEvent.objects.get(seq=1)
    _raw("UPDATE decisions_auditevent SET sha256 = %s WHERE seq = 1", [event_hash(first)])
    report = audit_verify()
    assert report.events == 4
    # Only the link from event 2 to the re-hashed event 1 breaks: every content hash holds.
    assert report.problems == ("event 2: previous hash does not match event 1",)


@pytest.mark.tampers_audit_chain
@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("payload", '{"ratio": 0.10000000000000002}'),
        ("payload", '{"ratio": 0.1, "extra": 1}'),
        ("actor", "mallory"),
        ("object_id", "7 "),
        ("occurred_at", "2026-01-01T00:00:00.000001+00:00"),
    ],
)
def test_an_edit_to_any_hashed_column_is_detected_once_in_its_place(
    db: None, column: str, value: str
) -> None:
    for _ in range(3):
        audit_append(action="test.event", payload={"ratio": 0.1})
    _raw(f"UPDATE decisions_auditevent SET {column} = %s WHERE seq = 2", [value])
    assert audit_verify().problems == ("event 2: content does not match its hash (edited)",)


@pytest.mark.tampers_audit_chain
def test_a_deleted_middle_event_is_detected(db: None) -> None:
    _append(3)
    _raw("DELETE FROM decisions_auditevent WHERE seq = 2", [])
    problems = audit_verify().problems
    assert any("expected sequence 2" in p for p in problems)


@pytest.mark.tampers_audit_chain
def test_reordered_events_are_detected(db: None) -> None:
    _append(3)
    _raw("UPDATE decisions_auditevent SET seq = 100 WHERE seq = 1", [])
    _raw("UPDATE decisions_auditevent SET seq = 1 WHERE seq = 3", [])
    _raw("UPDATE decisions_auditevent SET seq = 3 WHERE seq = 100", [])
    assert not audit_verify().valid


def test_postgresql_refuses_update_and_delete_of_events(db: None) -> None:
    if connection.vendor != "postgresql":
        service_missing("the append-only trigger is PostgreSQL's")
    _append(1)
    for sql in ("UPDATE decisions_auditevent SET action = 'x'", "DELETE FROM decisions_auditevent"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql)
    assert audit_verify().valid


def test_concurrent_appends_never_fork_the_chain(transactional_db: None) -> None:
    if connection.vendor != "postgresql":
        service_missing("real concurrent transactions need PostgreSQL")
    errors: list[BaseException] = []

    def writer(k: int) -> None:
        try:
            for i in range(15):
                audit_append(action="test.concurrent", payload={"writer": k, "i": i})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    report = audit_verify()
    assert report.valid and report.events == 60
