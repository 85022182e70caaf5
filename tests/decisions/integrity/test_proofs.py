"""One record verifiable alone: the proof a PDF carries and `manage.py verify_record`."""

from __future__ import annotations

import copy
import io
import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from decisions.integrity.auditor import pdf_check
from decisions.integrity.heads import head_sign
from decisions.integrity.keys import signing_key, trusted_keys
from decisions.integrity.proofs import (
    ATTACHMENT_NAME,
    proof_attachment,
    proof_from_pdf,
    proof_verify,
    record_proof,
)
from decisions.integrity.signing import heads_from_json, public_key_b64, sign_head
from decisions.records.content import record_hash
from decisions.records.models import DecisionRecord
from decisions.records.pdf import html_to_pdf, pdf_html


def pdf_with_proof(record: DecisionRecord, proof: dict[str, Any] | None = None) -> bytes:
    """The record's PDF as the renderer will make it: the print template plus the proof."""
    return html_to_pdf(
        pdf_html(record), attachments=[proof_attachment(proof or record_proof(record))]
    )


def verify(path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    out = io.StringIO()
    try:
        call_command("verify_record", str(path), *args, stdout=out)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, json.loads(out.getvalue())


@pytest.fixture
def three(decide: Callable[..., DecisionRecord]) -> list[DecisionRecord]:
    return [decide(render=False), decide("reject", render=False), decide(render=False)]


def test_the_proof_leads_from_the_content_to_a_signed_head(three: list[DecisionRecord]) -> None:
    middle = three[1]
    proof = record_proof(middle)
    assert proof["record"]["record_sha256"] == middle.record_sha256
    assert proof["inclusion"]["leaf_index"] == 1 and proof["inclusion"]["tree_size"] == 3
    assert proof["head"]["records"] == 3
    assert proof["key"]["public_key"] == public_key_b64(signing_key().public_key())
    report = proof_verify(proof, keys=trusted_keys())
    assert report.valid, report.problems
    assert report.reference == middle.reference and not report.compared_with_published


def test_a_downloaded_pdf_verifies_offline_against_the_published_feed(
    three: list[DecisionRecord], tmp_path: Path
) -> None:
    record = three[0]
    pdf = tmp_path / "record.pdf"
    pdf.write_bytes(pdf_with_proof(record))
    feed = tmp_path / "heads.json"
    feed.write_text(Client().get(reverse("api:register_heads")).content.decode())
    # As an outsider: no service key, only what the auditor kept (the feed and its key).
    code, report = verify(pdf, "--heads", str(feed), "--no-service-keys")
    assert code == 0, report
    assert report["valid"] and report["compared_with_published"]
    assert report["reference"] == record.reference
    assert report["record_sha256"] == record.record_sha256
    # The embedded proof is also readable as a plain PDF attachment.
    assert proof_from_pdf(pdf.read_bytes())["record"]["seq"] == record.seq


def test_the_pdf_an_auditor_downloads_carries_its_proof_and_prints_its_signed_head(
    decide: Callable[..., DecisionRecord],
    users: dict[str, Any],
    client_as: Callable[..., Client],
    tmp_path: Path,
) -> None:
    decide(render=False)
    record = decide()  # rendered by the real task, as the worker does
    download = client_as(users["auditor"]).get(reverse("record_pdf", args=[record.pk]))
    assert download.status_code == 200
    pdf = tmp_path / "downloaded.pdf"
    pdf.write_bytes(b"".join(download.streaming_content))  # type: ignore[attr-defined]
    feed = tmp_path / "heads.json"
    feed.write_text(Client().get(reverse("api:register_heads")).content.decode())
    code, report = verify(pdf, "--heads", str(feed), "--no-service-keys")
    assert code == 0, report
    assert report["valid"] and report["compared_with_published"]
    assert report["record_sha256"] == record.record_sha256
    proof = proof_from_pdf(pdf.read_bytes())
    assert proof["inclusion"]["tree_size"] == 2 and proof["inclusion"]["leaf_index"] == 1
    # The pages print what the attachment proves: the head, the root, the signature, the path.
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    squashed = "".join(text.split())
    assert "Verification" in text and "verify_record" in text
    for value in (
        proof["head"]["head_sha256"],
        proof["head"]["records_root"],
        proof["head"]["signature"],
        proof["head"]["key_id"],
        *proof["inclusion"]["path"],
    ):
        assert value in squashed, value
    # The same file from the API, byte for byte.
    api = client_as(users["auditor"]).get(reverse("api:decision_pdf", args=[record.pk]))
    assert b"".join(api.streaming_content) == pdf.read_bytes()  # type: ignore[attr-defined]


def test_without_a_trusted_key_the_pdf_is_not_taken_at_its_word(
    three: list[DecisionRecord], tmp_path: Path
) -> None:
    pdf = tmp_path / "record.pdf"
    pdf.write_bytes(pdf_with_proof(three[2]))
    code, report = verify(pdf, "--no-service-keys")
    assert code == 1 and any("not among the keys you trust" in p for p in report["problems"])
    public = public_key_b64(signing_key().public_key())
    code, report = verify(pdf, "--no-service-keys", "--public-key", public)
    assert code == 0, report


def test_a_changed_record_in_the_pdf_is_detected(three: list[DecisionRecord]) -> None:
    proof = record_proof(three[0])
    edited = copy.deepcopy(proof)
    edited["record"]["content"]["accountability"]["decided_option"] = "innovate"
    problems = proof_verify(edited, keys=trusted_keys()).problems
    assert any("does not match its sha256" in p for p in problems), problems
    # Re-hashing the edited record does not help: it is no longer the leaf the head covers.
    edited["record"]["record_sha256"] = record_hash(
        seq=proof["record"]["seq"],
        content=edited["record"]["content"],
        previous_sha256=proof["record"]["previous_sha256"],
    )
    problems = proof_verify(edited, keys=trusted_keys()).problems
    assert any("does not lead to the head's Merkle root" in p for p in problems), problems


def test_a_forged_head_fails_its_signature_and_the_published_comparison(
    three: list[DecisionRecord],
) -> None:
    proof = record_proof(three[1])
    keys = trusted_keys()
    published = heads_from_json(proof)  # the genuine head, as kept from the feed
    forged = copy.deepcopy(proof)
    forged["head"]["signed_at"] = "2030-01-01T00:00:00Z"
    assert any("signature does not verify" in p for p in proof_verify(forged, keys=keys).problems)
    # A head signed by another key (the attacker's), even with that key offered as trusted:
    attacker = Ed25519PrivateKey.generate()
    fields = ("seq", "head_sha256", "records", "records_root", "signed_at")
    rogue = sign_head(attacker, **{k: proof["head"][k] for k in fields})
    forged["head"] = rogue.to_dict()
    keys_too = {**keys, rogue.key_id: attacker.public_key()}
    report = proof_verify(forged, keys=keys_too, published=published)
    assert any("differs from the published head" in p for p in report.problems), report.problems
    # A genuine head the auditor never saw published (they kept only a later one):
    later = {**proof["head"], "seq": proof["head"]["seq"] + 1}
    report = proof_verify(proof, keys=keys, published=heads_from_json([later]))
    assert any("not among the published heads" in p for p in report.problems), report.problems


def test_a_proof_for_a_later_head_covers_records_issued_since(
    decide: Callable[..., DecisionRecord],
) -> None:
    first = decide(render=False)
    early = head_sign()
    decide(render=False)
    later = head_sign()
    assert early is not None and later is not None
    proof = record_proof(first)
    assert proof["head"]["seq"] == early.seq  # the earliest head that covers the record
    assert proof_verify(proof, keys=trusted_keys()).valid


def test_a_pdf_without_a_proof_or_not_a_pdf_is_refused_clearly(
    three: list[DecisionRecord], tmp_path: Path
) -> None:
    plain = tmp_path / "plain.pdf"
    plain.write_bytes(html_to_pdf(pdf_html(three[0])))
    code, report = verify(plain)
    assert code == 1 and ATTACHMENT_NAME in report["problems"][0]
    text = tmp_path / "notes.pdf"
    text.write_text("not a pdf")
    code, report = verify(text)
    assert code == 1 and "not a readable PDF" in report["problems"][0]
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("verify_record", str(tmp_path / "absent.pdf"), stdout=io.StringIO())
    bad_heads = tmp_path / "heads.json"
    bad_heads.write_text('{"items": [{"seq": "one"}]}')
    with pytest.raises(CommandError, match=r"^--heads .*Head 1: The signed head has no"):
        call_command("verify_record", str(plain), "--heads", str(bad_heads), stdout=io.StringIO())
    bad_heads.write_text("{")
    with pytest.raises(CommandError, match=r"^--heads .*: not JSON"):
        call_command("verify_record", str(plain), "--heads", str(bad_heads), stdout=io.StringIO())


def test_one_records_pages_with_anothers_proof_are_caught_offline(
    three: list[DecisionRecord], tmp_path: Path
) -> None:
    first, second = three[0], three[1]
    # The pages of the second record (a rejection) carrying the first record's valid proof.
    swapped = tmp_path / "swapped.pdf"
    swapped.write_bytes(
        html_to_pdf(pdf_html(second), attachments=[proof_attachment(record_proof(first))])
    )
    feed = tmp_path / "heads.json"
    feed.write_text(Client().get(reverse("api:register_heads")).content.decode())
    code, report = verify(swapped, "--heads", str(feed), "--no-service-keys")
    assert code == 1 and not report["valid"]
    problems = "\n".join(report["problems"])
    assert (
        f"The pages print reference {second.reference}, but the proven record's is "
        f"{first.reference} (the pages are not this record's)."
    ) in report["problems"]
    assert f"The pages print record hash {second.record_sha256}" in problems
    assert "The pages print sequence number 2, but the proven record's is 1" in problems
    assert "The pages print decision Rejected, but the proven record's is Approved: " in problems
    # The auditor's page says the same.
    check = pdf_check(swapped.read_bytes(), heads=heads_from_json(json.loads(feed.read_text())))
    assert not check.valid
    assert any("The pages print reference" in p for p in check.proof.problems)
    # Each record's own PDF still passes.
    for record in (first, second):
        own = tmp_path / f"{record.seq}.pdf"
        own.write_bytes(pdf_with_proof(record))
        assert verify(own, "--heads", str(feed), "--no-service-keys")[0] == 0
