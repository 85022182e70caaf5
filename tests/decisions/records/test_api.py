"""The records API: scoped records, audit verification, the public register, verify_audit."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from decisions.records.models import DecisionRecord
from sourcing.models import Case, User
from tests.factories import approved_record
from tests.pages import post_json as post


def test_records_are_scoped_to_the_department(submitted: Case, users, client_as) -> None:  # type: ignore[no-untyped-def]
    post(
        client_as(users["reviewer"]), f"/api/v1/cases/{submitted.pk}/review", {"action": "approve"}
    )
    record = DecisionRecord.objects.get()
    own = client_as(users["commercial"]).get("/api/v1/decisions").json()
    assert [item["reference"] for item in own["items"]] == [submitted.reference]
    assert client_as(users["outsider"]).get("/api/v1/decisions").json()["count"] == 0
    assert client_as(users["outsider"]).get(f"/api/v1/decisions/{record.pk}").status_code == 404
    full = client_as(users["auditor"]).get(f"/api/v1/decisions/{record.pk}").json()
    assert full["record_sha256"] == record.record_sha256
    assert set(full) >= {
        "identity",
        "need",
        "options",
        "evidence",
        "scoring",
        "policy_checks",
        "conditions",
        "risk_and_exit",
        "accountability",
        "review_by",
        "publishable",
    }


def test_the_decisions_list_and_register_page_by_limit_and_offset_without_the_content(
    users: dict[str, User], ruleset: None, client_as: Any
) -> None:
    records = [approved_record(users["commercial"], users["reviewer"]) for _ in range(3)]
    newest_first = [r.reference for r in reversed(records)]
    client = client_as(users["auditor"])
    with CaptureQueriesContext(connection) as captured:
        body = client.get("/api/v1/decisions", {"limit": 2, "offset": 1}).json()
    assert (body["count"], body["limit"], body["offset"]) == (3, 2, 1)
    assert [item["reference"] for item in body["items"]] == newest_first[1:3]
    # The list reads the record's columns, never its frozen content.
    assert not any('"content"' in q["sql"] for q in captured.captured_queries)
    with CaptureQueriesContext(connection) as captured:
        register = Client().get("/api/v1/register", {"limit": 1}).json()
    # Its title and reasons too: the stored columns the database read out of the content.
    assert not any('"content"' in q["sql"] for q in captured.captured_queries)
    assert register["count"] == 3 and len(register["items"]) == 1
    assert register["items"][0]["title"] == records[-1].content["identity"]["title"]
    assert (
        register["items"][0]["reasons_summary"]
        == (records[-1].content["publishable"]["reasons_summary"])
    )
    for bad in ({"limit": 0}, {"limit": 201}, {"offset": -1}, {"offset": 10**12}):
        assert client.get("/api/v1/decisions", bad).status_code == 422


def test_auditors_verify_the_chain(submitted: Case, users, client_as) -> None:  # type: ignore[no-untyped-def]
    post(
        client_as(users["reviewer"]), f"/api/v1/cases/{submitted.pk}/review", {"action": "approve"}
    )
    body = client_as(users["auditor"]).get("/api/v1/audit/verify").json()
    assert body["valid"] is True and body["problems"] == [] and body["records"] == 1
    assert len(body["head_sha256"]) == 64
    assert client_as(users["commercial"]).get("/api/v1/audit/verify").status_code == 403


def test_the_register_shows_publishable_fields_only(submitted: Case, users, client_as) -> None:  # type: ignore[no-untyped-def]
    post(
        client_as(users["reviewer"]), f"/api/v1/cases/{submitted.pk}/review", {"action": "approve"}
    )
    body = Client().get("/api/v1/register").json()
    assert body["count"] == 1
    entry = body["items"][0]
    assert set(entry) == {
        "reference",
        "department",
        "title",
        "decision",
        "decided_option",
        "decided_at",
        "overridden",
        "reasons_summary",
        "under_review",
    }
    assert entry["under_review"] is False
    text = json.dumps(body)
    assert "whole_life_budget_gbp" not in text and "option_cost_estimates" not in text


def test_verify_audit_prints_json_and_fails_on_tampering(submitted: Case, users) -> None:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert json.loads(out.getvalue())["valid"] is True


@pytest.mark.tampers_audit_chain
def test_verify_audit_exits_1_on_a_problem(submitted: Case, users) -> None:  # type: ignore[no-untyped-def]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        cursor.execute("UPDATE decisions_auditevent SET actor = 'mallory' WHERE seq = 1")
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = origin")
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("verify_audit", stdout=out)
    assert exited.value.code == 1
    assert json.loads(out.getvalue())["valid"] is False
