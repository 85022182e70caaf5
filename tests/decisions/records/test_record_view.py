"""A record reads the same on its page, in its PDF, in the CSV and in the API: one presenter
(decisions.presenter.record_view), whatever the record's schema version."""

from __future__ import annotations

import csv
import html
import io
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse

from decisions.integrity.verification import audit_verify
from decisions.presenter import (
    answer_shown,
    check_tag,
    explanation_words,
    money_text,
    option_why_text,
    question_label,
    record_result,
    record_view,
)
from decisions.record_schema import SCHEMA_VERSION, RecordContent, record_content, schema_version
from decisions.records import services as record_services
from decisions.records.content import build_content
from decisions.records.models import DecisionRecord
from decisions.records.pdf import record_pdf_bytes
from sourcing.models import User
from tests.factories import golden_answers

pytestmark = pytest.mark.usefixtures("media")
Clients = Callable[[User | None], Client]
Approve = Callable[..., DecisionRecord]


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def page_text(client: Client, record: DecisionRecord) -> str:
    """The record page's words: tags dropped, entities read, white space folded."""
    response = client.get(reverse("record_detail", args=[record.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    body = body[body.index("<main") : body.index("</main>")]
    return _flat(html.unescape(re.sub(r"<[^>]+>", " ", body)))


def pdf_words(record: DecisionRecord, tmp_path: Path) -> str:
    """The record's PDF, rendered now, as pdftotext reads it (in drawing order: a table
    cell's lines together)."""
    path = tmp_path / f"{record.reference}.pdf"
    path.write_bytes(record_pdf_bytes(record))
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-raw", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return _flat(result.stdout.replace("\u200b", ""))


def _shared_words(content: RecordContent, record: DecisionRecord) -> list[str]:
    """What both the page and the PDF must say of a record: every question's label with its
    answer as people read it, each policy check's name with its result in words, who owns the
    case and who decided, the exit readiness factors by question, the review-by date."""
    view = record_view(
        content,
        action=record.action,
        decided_option=record.decided_option,
        overridden=record.overridden,
    )
    words = [f"{row['label']} {row['value']}" for row in [*view["need"], *view["evidence"]]]
    words += [f"{check['label']}" for check in view["checks"]]
    words += [check["result_text"] for check in view["checks"]]
    words += [view["owner"], view["reviewer"], view["review_by"], view["decided_at"]]
    words += [row["label"] for row in (view["exit"] or {}).get("factors", [])]
    words += [row["value"] for row in (view["exit"] or {}).get("factors", [])]
    words += [flip["text"] for flip in view["flips"]]
    words += [line for line in view["explanation"]]
    return [_flat(w) for w in words if w]


def test_the_record_page_and_its_pdf_say_the_same_labels_and_answers(
    named_users: dict[str, User], approved_record: Approve, client_as: Clients, tmp_path: Path
) -> None:
    users = named_users
    record = approved_record(
        whole_life_budget_gbp=1_200_000,
        **{k: v for k, v in golden_answers("G41").items() if k != "whole_life_budget_gbp"},
    )
    content = record_content(record.content)
    assert schema_version(content) == SCHEMA_VERSION == content["schema_version"]
    page = page_text(client_as(users["auditor"]), record)
    printed = pdf_words(record, tmp_path)
    words = _shared_words(content, record)
    assert "Priya Owner" in words and "Rhys Reviewer" in words
    assert "What is the whole-life budget? £1,200,000" in words
    for expected in words:
        assert expected in page, f"page: {expected}"
        assert expected in printed, f"pdf: {expected}"
    # Words, never the stored codes: no "explain" / "n/a" result, no factor keys.
    for raw in ("n/a", "needs_plan", "product_fit", "data_portability", "government_specific"):
        found = re.compile(rf"(?<![\w(]){re.escape(raw)}(?![\w)])")
        assert not found.search(printed) and not found.search(page), raw
    assert "(differentiation)" in page and "(differentiation)" in printed  # the trace's keys
    words_of_why = explanation_words(record_result(content))
    assert words_of_why is not None and words_of_why["why"] is not None
    assert "(differentiation)" not in " ".join(words_of_why["why"]["for"])  # why: words only


def test_the_options_table_names_the_option_each_trails_by_its_name_and_keeps_the_stored_text(
    users: dict[str, User], approved_record: Approve, client_as: Clients
) -> None:
    record = approved_record()
    content = record_content(record.content)
    decided = record.decided_option
    stored = [
        o["why"] for o in content["options"] if o["option"] != decided and not o["ruled_out_by"]
    ]
    assert stored and all(f"behind {decided}." in why for why in stored)  # hashed: as stored
    page = page_text(client_as(users["auditor"]), record)
    for why in stored:
        shown = option_why_text(why)
        assert shown != why and shown in page and why not in page
    assert audit_verify().valid


def _as_version_1(content: RecordContent) -> RecordContent:
    """Content in the shape records had before schema_version: no version, no names."""
    old: dict[str, Any] = {k: v for k, v in content.items() if k != "schema_version"}
    old["identity"] = {
        **content["identity"],
        "status_history": [
            {k: v for k, v in h.items() if k != "by_name"}
            for h in content["identity"]["status_history"]
        ],
    }
    accountability = {k: v for k, v in content["accountability"].items() if k != "owner_name"}
    accountability["signoffs"] = [
        {k: v for k, v in s.items() if k != "recorded_by_name"}
        for s in content["accountability"]["signoffs"]
    ]
    accountability["returns"] = [
        {k: v for k, v in r.items() if k != "by_name"} for r in content["accountability"]["returns"]
    ]
    old["accountability"] = accountability
    return record_content(old)


def test_a_version_1_record_still_renders_on_its_page_and_pdf_and_verifies(
    named_users: dict[str, User], approved_record: Approve, client_as: Clients, tmp_path: Path
) -> None:
    users = named_users
    with mock.patch.object(
        record_services,
        "build_content",
        side_effect=lambda decision: _as_version_1(build_content(decision)),
    ):
        record = approved_record()
    content = record_content(record.content)
    assert "schema_version" not in content and "owner_name" not in content["accountability"]
    assert schema_version(content) == 1
    assert record.pdf.status == "done"  # the stored PDF was rendered from the old shape
    page = page_text(client_as(users["auditor"]), record)
    printed = pdf_words(record, tmp_path)
    words = _shared_words(content, record)
    assert users["commercial"].username in words  # a version 1 record names people by username
    for expected in words:
        assert expected in page, f"page: {expected}"
        assert expected in printed, f"pdf: {expected}"
    assert audit_verify().valid  # its hash, over the old shape, still verifies


def test_the_csv_says_the_decision_in_the_presenter_s_words(
    named_users: dict[str, User], approved_record: Approve, client_as: Clients
) -> None:
    users = named_users
    record = approved_record(whole_life_budget_gbp=1_200_000)
    response = client_as(users["auditor"]).get(reverse("export_csv"))
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    row = next(r for r in rows if r["reference"] == record.reference)
    view = record_view(
        record_content(record.content),
        action=record.action,
        decided_option=record.decided_option,
        overridden=record.overridden,
    )
    assert row["decision_text"] == view["decision"]
    assert row["decided_option_label"] == view["decided_label"]
    assert row["recommended_label"] == view["recommended"]
    assert row["decided_by_name"] == view["reviewer"] == "Rhys Reviewer"
    assert row["whole_life_budget_text"] == money_text(1_200_000) == "£1,200,000"
    pit = next(c for c in view["checks"] if c["check"] == "public_interest_test")
    assert row["public_interest_test_text"] == pit["result_text"] == check_tag("explain")[0]


def test_the_api_gives_the_record_s_words_as_the_page_says_them(
    users: dict[str, User], approved_record: Approve, client_as: Clients
) -> None:
    record = approved_record(**golden_answers("G41"))
    body = client_as(users["auditor"]).get(f"/api/v1/decisions/{record.pk}").json()
    content = record_content(record.content)
    assert body["schema_version"] == SCHEMA_VERSION
    assert body["in_words"] == explanation_words(record_result(content))
    page = page_text(client_as(users["auditor"]), record)
    for sentence in body["in_words"]["why"]["for"]:
        assert _flat(sentence.split(" (")[0]) in page
    assert body["in_words"]["close_call"].startswith("Too close to call between Build and Procure")
    key = "differentiation"
    shown = answer_shown(key, content["answers"][key])
    assert f"{question_label(key)} {shown}" in page
