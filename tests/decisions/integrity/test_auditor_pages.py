"""The auditor's checks in the pages: against signed heads they kept, of one downloaded PDF, of
one record by reference (GOV.UK forms that work without JavaScript)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from decisions.audit.services import audit_append
from decisions.integrity.heads import head_sign
from decisions.integrity.proofs import proof_attachment, record_proof
from decisions.records.models import DecisionRecord
from decisions.records.pdf import html_to_pdf, pdf_html
from sourcing.models import User
from tests.pages import error_summary


def _feed() -> str:
    return Client().get(reverse("api:register_heads"), {"limit": 200}).content.decode()


def _download(client: Client, record: DecisionRecord) -> bytes:
    response = client.get(reverse("record_pdf", args=[record.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]


@pytest.fixture
def auditor(users: dict[str, User], client_as: Callable[..., Client]) -> Client:
    return client_as(users["auditor"])


def test_the_audit_chain_page_links_to_the_three_checks(db: None, auditor: Client) -> None:
    page = auditor.get(reverse("audit_chain")).content.decode()
    for name in ("audit_verify_heads", "audit_verify_pdf", "audit_verify_record"):
        assert f'href="{reverse(name)}"' in page
        form = auditor.get(reverse(name)).content.decode()
        assert 'method="post"' in form and "csrfmiddlewaretoken" in form


@pytest.mark.tampers_audit_chain
def test_pasted_heads_catch_a_tail_deleted_after_them(
    decide: Callable[..., DecisionRecord], auditor: Client
) -> None:
    decide(render=False)
    kept = head_sign()
    assert kept is not None
    feed = _feed()
    ok = auditor.post(reverse("audit_verify_heads"), {"heads_text": feed})
    assert ok.status_code == 200 and "The service matches every signed head you gave" in (
        ok.content.decode()
    )
    audit_append(action="user.role_changed")
    later = head_sign()
    assert later is not None
    feed = _feed()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
            for table in (
                "decisions_auditevent",
                "decisions_auditcheckpoint",
                "decisions_signedhead",
            ):
                cursor.execute(f"DELETE FROM {table} WHERE seq > %s", [kept.seq])
            cursor.execute("SET session_replication_role = origin")
    else:
        pytest.skip("deleting append-only rows needs PostgreSQL's replica role")
    upload = SimpleUploadedFile("heads.json", feed.encode(), content_type="application/json")
    caught = auditor.post(reverse("audit_verify_heads"), {"heads_file": upload}).content.decode()
    assert "Problems found" in caught
    assert f"the chain ends at event {kept.seq}, before this head" in caught


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Paste the signed heads you kept, or choose a file of them"),
        ({"heads_text": "{not json"}, "The signed heads are not valid JSON"),
        ({"heads_text": "[" * 5000}, "The signed heads are not valid JSON"),
        ({"heads_text": '{"items": [{"seq": "one"}]}'}, "The signed heads cannot be read"),
        ({"heads_text": "[]"}, "The signed heads cannot be read: No signed head was given."),
    ],
)
def test_unreadable_heads_are_refused_naming_the_field(
    db: None, auditor: Client, data: dict[str, str], message: str
) -> None:
    page = auditor.post(reverse("audit_verify_heads"), {"csrfmiddlewaretoken": "x", **data})
    text = page.content.decode()
    assert page.status_code == 200 and "There is a problem" in text
    assert message in text and 'href="#id_heads_text"' in text
    assert text.count("<title>Error: ") == 1


def test_a_downloaded_pdf_is_checked_against_the_heads_kept_and_the_rendered_file(
    decide: Callable[..., DecisionRecord], auditor: Client
) -> None:
    record = decide()
    data = _download(auditor, record)
    page = auditor.post(
        reverse("audit_verify_pdf"),
        {"pdf": SimpleUploadedFile("r.pdf", data, "application/pdf"), "heads_text": _feed()},
    ).content.decode()
    assert "This is the record the signed head covers, and the PDF the service rendered" in page
    assert record.reference in page and "Yes" in page
    # Another rendering of the same record carries a valid proof but is not the file rendered.
    other = html_to_pdf(pdf_html(record), attachments=[proof_attachment(record_proof(record))])
    page = auditor.post(
        reverse("audit_verify_pdf"), {"pdf": SimpleUploadedFile("r.pdf", other, "application/pdf")}
    ).content.decode()
    assert "Problems found" in page and "not the PDF the service rendered" in page


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (None, "Choose the decision record PDF to check"),
        (SimpleUploadedFile("notes.pdf", b"hello", "application/pdf"), "not a PDF"),
    ],
)
def test_a_missing_or_wrong_file_is_refused_naming_the_field(
    db: None, auditor: Client, upload: Any, message: str
) -> None:
    data = {"csrfmiddlewaretoken": "x", **({"pdf": upload} if upload else {})}
    text = auditor.post(reverse("audit_verify_pdf"), data).content.decode()
    assert "There is a problem" in text and message in text and 'href="#id_pdf"' in text


def test_a_record_is_checked_by_its_reference(
    decide: Callable[..., DecisionRecord], auditor: Client
) -> None:
    record = decide(render=False)
    page = auditor.post(
        reverse("audit_verify_record"), {"reference": record.reference.lower()}
    ).content.decode()
    assert f"Every record of {record.reference} matches its hash and a signed head" in page
    assert record.record_sha256 in page
    missing = auditor.post(reverse("audit_verify_record"), {"reference": "SRC-2099-9999"})
    assert "There is no decision record SRC-2099-9999" in missing.content.decode()
    arabic_indic = "SRC-\u0662\u0660\u0662\u0666"  # digits of another script: refused
    bad = auditor.post(reverse("audit_verify_record"), {"reference": arabic_indic})
    assert "letters, digits and hyphens" in bad.content.decode()


def test_the_forms_are_for_auditors_and_reviewers_only(
    db: None, users: dict[str, User], client_as: Callable[..., Client]
) -> None:
    for role, status in (
        ("auditor", 200),
        ("reviewer", 200),
        ("commercial", 403),
        ("steward", 403),
    ):
        assert client_as(users[role]).get(reverse("audit_verify_pdf")).status_code == status
    body = json.dumps({"x": 1})
    assert (
        client_as(None).post(reverse("audit_verify_heads"), body, "application/json").status_code
        == 302
    )


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        (
            "audit_verify_record",
            {"reference": "S" * 50},
            [("#id_reference", "A reference is at most 20 characters, like SRC-2026-0001")],
        ),
        (
            "audit_verify_heads",
            {"heads_text": ""},
            [("#id_heads_text", "Paste the signed heads you kept, or choose a file of them")],
        ),
        ("audit_verify_heads", {"heads_text": "{"}, None),
        (
            "audit_verify_pdf",
            {"heads_text": ""},
            [("#id_pdf", "Choose the decision record PDF to check")],
        ),
    ],
)
def test_each_error_of_an_auditor_check_is_listed_once_in_the_summary(
    db: None, auditor: Client, name: str, data: dict[str, str], expected: Any
) -> None:
    entries = error_summary(auditor.post(reverse(name), data))
    assert entries and len(entries) == len(set(entries)), entries
    if expected is not None:
        assert entries == expected
