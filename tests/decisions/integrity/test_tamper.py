"""The tamper suite on PostgreSQL: what an insider with database access tries, refused or
detected; and no false alarm on untouched data.

The attacker here is the table owner who has switched the triggers off
(session_replication_role = replica, as the test database's superuser). What the application's
own role cannot do at all is in test_roles.py.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse

from decisions.audit.models import AuditCheckpoint, AuditEvent
from decisions.audit.services import audit_append, event_hash
from decisions.integrity.dbroles import APPEND_ONLY_TABLES
from decisions.integrity.heads import head_sign
from decisions.integrity.proofs import record_pdf_render
from decisions.integrity.signing import heads_from_json, sign_head
from decisions.integrity.verification import audit_verify
from decisions.records.content import record_hash
from decisions.records.models import DecisionRecord, RecordPdf
from decisions.review.services import review_reopen
from decisions.rulesets.services import ruleset_draft_create
from sourcing.jobs import JobStatus
from sourcing.models import Case, CaseStatus, Department, User
from sourcing.people.services import user_save
from tests.conftest import service_missing
from tests.factories import ready_case, second_steward_approves


@pytest.fixture(autouse=True)
def _postgresql(db: None) -> None:
    if connection.vendor != "postgresql":
        service_missing("the tamper suite runs on PostgreSQL (set DATABASE_URL)")


def as_owner(sql: str, params: list[Any] | None = None) -> None:
    """Raw SQL as the owner who switched the append-only triggers off."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute(sql, params or [])
        finally:
            cursor.execute("SET session_replication_role = origin")


def published_feed() -> dict[str, Any]:
    """What an auditor copies from the public feed."""
    return Client().get(reverse("api:register_heads"), {"limit": 200}).json()


def verify_audit(*heads: Path) -> tuple[int, dict[str, Any]]:
    out = io.StringIO()
    args = [arg for path in heads for arg in ("--head", str(path))]
    try:
        call_command("verify_audit", *args, stdout=out)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, json.loads(out.getvalue())


# --- Refused ------------------------------------------------------------------------------------


@pytest.mark.parametrize("table", APPEND_ONLY_TABLES)
def test_truncate_is_refused_on_every_append_only_table_even_for_the_owner(
    decide: Callable[..., DecisionRecord], users: dict[str, User], table: str
) -> None:
    decide()
    head_sign()
    # A ruleset approval too (row triggers refuse nothing on an empty table).
    second_steward_approves(ruleset_draft_create(by=users["steward"], version="2026.901"))
    # Plain TRUNCATE of a referenced table fails on its foreign keys already; CASCADE is what
    # emptied everything before, and the trigger refuses it.
    for sql, refusal in ((f"TRUNCATE {table}", None), (f"TRUNCATE {table} CASCADE", "append-only")):
        with pytest.raises(DatabaseError, match=refusal):
            with transaction.atomic(), connection.cursor() as cursor:
                # As if committed: no deferred foreign-key checks left from the test's writes.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(sql)
    for sql in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql)
    assert audit_verify().valid


# --- Detected against a published head ---------------------------------------------------------


@pytest.mark.tampers_audit_chain
def test_a_tail_deleted_after_the_last_checkpoint_is_caught_by_a_published_head(
    decide: Callable[..., DecisionRecord], tmp_path: Path
) -> None:
    decide(render=False)
    kept = head_sign()
    assert kept is not None
    for i in range(4):  # e.g. role changes someone would rather nobody saw
        audit_append(action="user.role_changed", payload={"n": i})
    latest = head_sign()
    assert latest is not None and latest.seq == kept.seq + 4
    feed = tmp_path / "heads.json"
    feed.write_text(json.dumps(published_feed()))
    # The owner deletes the tail and every checkpoint and signed head that mentions it.
    for table in ("decisions_auditevent", "decisions_auditcheckpoint", "decisions_signedhead"):
        as_owner(f"DELETE FROM {table} WHERE seq > %s", [kept.seq])
    # The database alone can no longer tell (this is why heads are published elsewhere)...
    assert audit_verify().valid
    # ...but the head the auditor kept can.
    code, report = verify_audit(feed)
    assert code == 1 and report["heads_checked"] == 2
    assert report["problems"] == [
        f"published head at event {latest.seq}: the chain ends at event {kept.seq}, before this "
        "head (events deleted or truncated)"
    ]


def _rehash_from(seq: int, payload: dict[str, Any]) -> dict[int, str]:
    """Edit event `seq` and re-hash everything after it, as a careful forger would."""
    events = list(AuditEvent.objects.order_by("seq"))
    previous = events[seq - 2].sha256 if seq > 1 else "0" * 64
    events[seq - 1].payload = payload
    rewritten = {}
    for event in events[seq - 1 :]:
        event.prev_sha256 = previous
        event.sha256 = event_hash(event)
        previous = event.sha256
        rewritten[event.seq] = event.sha256
        as_owner(
            "UPDATE decisions_auditevent SET payload = %s, prev_sha256 = %s, sha256 = %s "
            "WHERE id = %s",
            [json.dumps(event.payload), event.prev_sha256, event.sha256, event.pk],
        )
    return rewritten


@pytest.mark.tampers_audit_chain
def test_a_rehashed_history_with_rewritten_checkpoints_is_caught(
    decide: Callable[..., DecisionRecord], tmp_path: Path
) -> None:
    decide(render=False)
    head = head_sign()
    assert head is not None and AuditCheckpoint.objects.count() >= 2
    feed = tmp_path / "heads.json"
    feed.write_text(json.dumps(published_feed()))
    rewritten = _rehash_from(2, {"forged": True})
    for checkpoint in AuditCheckpoint.objects.all():
        as_owner(
            "UPDATE decisions_auditcheckpoint SET head_sha256 = %s WHERE id = %s",
            [rewritten.get(checkpoint.seq, checkpoint.head_sha256), checkpoint.pk],
        )
    # The stored signed head still holds the old hash: caught even without a published copy.
    problems = audit_verify().problems
    assert problems == (
        f"signed head at event {head.seq}: the chain no longer matches this head "
        "(history rewritten)",
    ), problems
    # The forger removes the stored heads too: only the published copy still catches it.
    as_owner("DELETE FROM decisions_signedhead")
    assert audit_verify().valid
    code, report = verify_audit(feed)
    assert code == 1 and report["problems"] == [
        f"published head at event {head.seq}: the chain no longer matches this head "
        "(history rewritten)"
    ]


@pytest.mark.tampers_audit_chain
def test_a_head_re_signed_with_another_key_is_not_trusted(
    decide: Callable[..., DecisionRecord],
) -> None:
    decide(render=False)
    head = head_sign()
    assert head is not None
    rewritten = _rehash_from(3, {"forged": True})
    for checkpoint in AuditCheckpoint.objects.all():
        as_owner(
            "UPDATE decisions_auditcheckpoint SET head_sha256 = %s WHERE id = %s",
            [rewritten.get(checkpoint.seq, checkpoint.head_sha256), checkpoint.pk],
        )
    forged = sign_head(
        Ed25519PrivateKey.generate(),
        seq=head.seq,
        head_sha256=rewritten[head.seq],
        records=head.records,
        records_root=head.records_root,
        signed_at=head.signed_at,
    )
    as_owner(
        "UPDATE decisions_signedhead SET head_sha256 = %s, key_id = %s, signature = %s "
        "WHERE id = %s",
        [forged.head_sha256, forged.key_id, forged.signature, head.pk],
    )
    assert audit_verify().problems == (
        f"signed head at event {head.seq}: its signature does not verify with a trusted key "
        f"(key {forged.key_id})",
    )


@pytest.mark.tampers_audit_chain
def test_a_deleted_last_record_is_caught_by_the_signed_heads(
    decide: Callable[..., DecisionRecord],
) -> None:
    decide(render=False)
    last = decide(render=False)
    head = head_sign()
    assert head is not None and head.records == 2
    published = heads_from_json(published_feed())
    as_owner("DELETE FROM decisions_recordpdf WHERE record_id = %s", [last.pk])
    as_owner("DELETE FROM decisions_decisionrecord WHERE id = %s", [last.pk])
    expected = f"head at event {head.seq}: it covers 2 records but 1 remain (records deleted)"
    assert audit_verify().problems == (f"signed {expected}",)
    assert f"published {expected}" in audit_verify(heads=published).problems


@pytest.mark.tampers_audit_chain
def test_a_re_hashed_record_is_caught_by_the_merkle_root(
    decide: Callable[..., DecisionRecord],
) -> None:
    record = decide(render=False)
    head = head_sign()
    assert head is not None
    content = {**record.content, "review_by": "2099-01-01"}
    forged = record_hash(seq=record.seq, content=content, previous_sha256=record.previous_sha256)
    as_owner(
        "UPDATE decisions_decisionrecord SET content = %s, record_sha256 = %s, review_by = %s "
        "WHERE id = %s",
        [json.dumps(content), forged, "2099-01-01", record.pk],
    )
    problems = audit_verify().problems
    assert (
        f"signed head at event {head.seq}: the records no longer match its Merkle root "
        "(records changed or reordered)"
    ) in problems, problems


# --- Detected: record columns -------------------------------------------------------------------


def _column_edits(record: DecisionRecord, other: DecisionRecord) -> dict[str, tuple[str, Any]]:
    dept_b = Department.objects.get(code="dept-b")
    mallory = User.objects.exclude(pk=record.decided_by_id).first()
    assert mallory is not None
    return {
        "reference": ("reference = %s", other.reference),
        "case": ("case_id = %s", other.case_id),
        "department": ("department_id = %s", dept_b.pk),
        "action": ("action = %s", "reject"),
        "recommended": ("recommended = %s", "innovate"),
        "decided_option": ("decided_option = %s", "innovate"),
        "overridden": ("overridden = %s", not record.overridden),
        "decided_by": ("decided_by_id = %s", mallory.pk),
        "decided_at": ("decided_at = decided_at + %s::interval", "1 day"),
        "review_by": ("review_by = %s", "2099-01-01"),
        "supersedes": ("supersedes_id = %s", other.pk),
    }


@pytest.mark.tampers_audit_chain
@pytest.mark.parametrize(
    "column",
    [
        "reference",
        "case",
        "department",
        "action",
        "recommended",
        "decided_option",
        "overridden",
        "decided_by",
        "decided_at",
        "review_by",
        "supersedes",
    ],
)
def test_each_edited_record_column_is_detected(
    decide: Callable[..., DecisionRecord], column: str, users: dict[str, User]
) -> None:
    other = decide(render=False)
    record = decide(render=False)
    head_sign()
    assignment, value = _column_edits(record, other)[column]
    as_owner(f"UPDATE decisions_decisionrecord SET {assignment} WHERE id = %s", [value, record.pk])
    problems = audit_verify().problems
    assert problems == (
        f"record {DecisionRecord.objects.get(pk=record.pk).reference}: columns differ from the "
        f"hashed content: {column}",
    ), problems


# --- Detected: PDFs -----------------------------------------------------------------------------


@pytest.mark.tampers_audit_chain
def test_a_swapped_pdf_with_its_hash_rows_rewritten_is_detected(
    decide: Callable[..., DecisionRecord], media: Path
) -> None:
    record = decide()
    other = decide()
    path = media / record.pdf_hash.path
    forged = (media / other.pdf_hash.path).read_bytes()
    path.write_bytes(forged)
    digest, size = hashlib.sha256(forged).hexdigest(), len(forged)
    as_owner(
        "UPDATE decisions_recordpdfhash SET sha256 = %s, size = %s WHERE record_id = %s",
        [digest, size, record.pk],
    )
    RecordPdf.objects.filter(record=record).update(sha256=digest, size=size)  # the app role can
    name = f"record {record.reference}"
    assert audit_verify().problems == (
        f"{name}: the stored PDF does not match its sha256 on the audit chain",
        f"{name}: the PDF's hash row differs from its chained pdf.rendered event",
        f"{name}: the PDF outbox row differs from its chained pdf.rendered event",
    )


@pytest.mark.tampers_audit_chain
def test_a_pdf_set_to_pending_is_detected_and_never_rendered_again(
    decide: Callable[..., DecisionRecord], media: Path
) -> None:
    record = decide()
    stored = (media / record.pdf_hash.path).read_bytes()
    RecordPdf.objects.filter(record=record).update(status=JobStatus.PENDING)  # the app role can
    assert audit_verify().problems == (
        f"record {record.reference}: the PDF is marked pending, but the chain says it was rendered",
    )
    # The sweep dispatches it again; the render refuses to overwrite what the chain recorded.
    pdf = record_pdf_render(pdf_id=RecordPdf.objects.get(record=record).pk)
    assert pdf is not None and pdf.status == JobStatus.DONE
    assert (media / record.pdf_hash.path).read_bytes() == stored
    assert AuditEvent.objects.filter(action="pdf.rendered").count() == 1
    assert audit_verify().valid


@pytest.mark.tampers_audit_chain
def test_a_pdf_hash_row_deleted_by_the_owner_is_detected(
    decide: Callable[..., DecisionRecord],
) -> None:
    record = decide()
    as_owner("DELETE FROM decisions_recordpdfhash WHERE record_id = %s", [record.pk])
    assert audit_verify().problems == (f"record {record.reference}: the PDF's hash row is missing",)


# --- No false alarm -----------------------------------------------------------------------------


def test_untouched_data_verifies_against_every_published_head(
    decide: Callable[..., DecisionRecord], tmp_path: Path
) -> None:
    decide()
    head_sign()
    decide("reject")
    audit_append(action="test.event")
    head_sign()
    decide(render=False)  # a PDF still on its way is no alarm
    feed = tmp_path / "heads.json"
    feed.write_text(json.dumps(published_feed()))
    code, report = verify_audit(feed)
    published = len(published_feed()["items"])  # two here, and one per rendered PDF
    assert published >= 2
    assert code == 0 and report["valid"] and report["heads_checked"] == published, report
    single = tmp_path / "head.json"
    single.write_text(json.dumps(published_feed()["items"][-1]))
    assert verify_audit(single)[0] == 0


def test_verify_audit_names_a_bad_head_file(db: None, tmp_path: Path) -> None:
    bad = tmp_path / "head.json"
    bad.write_text("{not json")
    with pytest.raises(CommandError, match=r"--head .*not JSON"):
        call_command("verify_audit", "--head", str(bad), stdout=io.StringIO())
    bad.write_text(json.dumps({"seq": 1}))
    with pytest.raises(CommandError, match="no 'head_sha256'"):
        call_command("verify_audit", "--head", str(bad), stdout=io.StringIO())
    with pytest.raises(CommandError, match="cannot read"):
        call_command("verify_audit", "--head", str(tmp_path / "absent"), stdout=io.StringIO())
    bad.write_bytes(b"\x7fELF\x02\x01\x01\x00\xd0\xff binary")
    with pytest.raises(CommandError, match="not UTF-8 text"):
        call_command("verify_audit", "--head", str(bad), stdout=io.StringIO())
    bad.write_text("[" * 100_000)
    with pytest.raises(CommandError, match="not JSON"):
        call_command("verify_audit", "--head", str(bad), stdout=io.StringIO())


# --- Detected: a record nobody issued ------------------------------------------------------------


def _invent_record(users: dict[str, User]) -> DecisionRecord:
    """As the application role: a record row copied from the last record, renamed to a draft
    case, its hash correct and linked to the last record, with a pending PDF outbox row."""
    model = DecisionRecord.objects.order_by("-seq").first()
    assert model is not None
    draft = ready_case(users["commercial"], title="Never decided")
    content = json.loads(json.dumps(model.content))
    content["identity"].update(reference=draft.reference, case_id=draft.pk, supersedes=None)
    content["identity"]["supersedes_sha256"] = None
    seq = model.seq + 1
    record = DecisionRecord.objects.create(
        seq=seq,
        case=draft,
        reference=draft.reference,
        department=model.department,
        action=model.action,
        recommended=model.recommended,
        decided_option=model.decided_option,
        overridden=model.overridden,
        decided_by=model.decided_by,
        decided_at=model.decided_at,
        review_by=model.review_by,
        content=content,
        record_sha256=record_hash(seq=seq, content=content, previous_sha256=model.record_sha256),
        previous_sha256=model.record_sha256,
    )
    RecordPdf.objects.create(record=record)
    return record


@pytest.mark.tampers_audit_chain
def test_an_invented_record_with_a_correct_hash_is_reported_unpublished_and_never_rendered(
    decide: Callable[..., DecisionRecord], users: dict[str, User], tmp_path: Path
) -> None:
    decide()
    head_sign()
    forged = _invent_record(users)
    expected = (
        f"record {forged.reference}: record with no issuing event (no chained record.issued "
        "event with its hash)"
    )
    # Its hash and link are right, its columns match its content: only the chain knows.
    assert audit_verify().problems == (expected,)
    # A head signed after it covers it, yet verification against that head still reports it.
    head_sign()
    feed = tmp_path / "heads.json"
    feed.write_text(json.dumps(published_feed()))
    code, report = verify_audit(feed)
    assert code == 1 and report["problems"] == [expected]
    # The render refuses it (no PDF, so no proof an auditor could be shown)...
    pdf = record_pdf_render(pdf_id=RecordPdf.objects.get(record=forged).pk)
    assert pdf is not None and pdf.status != JobStatus.DONE and not pdf.sha256
    assert "no issuing event" in pdf.last_error
    # ...and the public register does not count it.
    listed = [e["reference"] for e in Client().get(reverse("api:register")).json()["items"]]
    assert forged.reference not in listed and len(listed) == 1
    assert forged.reference not in Client().get(reverse("register")).content.decode()


@pytest.mark.tampers_audit_chain
def test_a_record_whose_issuing_event_does_not_follow_its_case_decision_is_reported(
    decide: Callable[..., DecisionRecord],
) -> None:
    record = decide(render=False)
    decision = AuditEvent.objects.get(action="case.approved", object_id=str(record.case_id))
    # The owner renames the decision event and re-hashes the chain and its checkpoints.
    as_owner("UPDATE decisions_auditevent SET action = 'case.noted' WHERE id = %s", [decision.pk])
    rewritten = _rehash_from(decision.seq, decision.payload)
    for checkpoint in AuditCheckpoint.objects.all():
        as_owner(
            "UPDATE decisions_auditcheckpoint SET head_sha256 = %s WHERE id = %s",
            [rewritten.get(checkpoint.seq, checkpoint.head_sha256), checkpoint.pk],
        )
    assert audit_verify().problems == (
        f"record {record.reference}: its record.issued event does not follow its case's "
        "chained decision event (case.approved or case.overridden)",
    )


# --- No false alarm: renames ----------------------------------------------------------------------


def test_renaming_the_reviewer_or_the_department_raises_no_alarm(
    decide: Callable[..., DecisionRecord], users: dict[str, User]
) -> None:
    decide(render=False)
    decide("reject", render=False)
    reviewer = users["reviewer"]
    user_save(
        by=None,
        user=reviewer,
        username="carol.smith",
        role=reviewer.role,
        department=reviewer.department,
    )
    Department.objects.filter(pk=users["commercial"].department_id).update(
        code="dept-a2", name="Department A, renamed"
    )
    assert audit_verify().problems == ()


# --- The register reads the chain, not the case's status -----------------------------------------


@pytest.mark.tampers_audit_chain
def test_a_case_status_changed_by_the_app_role_does_not_change_the_register(
    decide: Callable[..., DecisionRecord], users: dict[str, User]
) -> None:
    record = decide(render=False)

    def flags() -> list[bool]:
        return [e["under_review"] for e in Client().get(reverse("api:register")).json()["items"]]

    assert flags() == [False]
    Case.objects.filter(pk=record.case_id).update(status=CaseStatus.SUBMITTED)  # the app role can
    assert flags() == [False]
    Case.objects.filter(pk=record.case_id).update(status=CaseStatus.APPROVED)
    review_reopen(case=record.case, by=users["reviewer"], reason="New evidence.")
    assert flags() == [True]
    Case.objects.filter(pk=record.case_id).update(status=CaseStatus.APPROVED)  # hiding it
    assert flags() == [True]
