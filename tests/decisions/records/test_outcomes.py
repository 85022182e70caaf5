"""Outcome reviews (issue 20, item 2): the department records how a decision turned out; each
review is an event appended to the audit chain, shown on the record page and in the API."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from decisions.audit.services import audit_chain_check
from decisions.records.outcomes import outcome_record, outcomes_of
from decisions.review.services import review_decide
from sourcing.errors import TransitionRefused, ValidationFailed
from sourcing.models import User
from tests.factories import approved_record, submitted_case
from tests.pages import error_summary, post_json

GOOD = {
    "delivered": True,
    "on_time": False,
    "months_late": 3,
    "actual_cost_gbp": 950_000,
    "benefits_realised": "partly",
    "lock_in": "moderate",
    "same_again": True,
    "comment": "Late go-live; benefits partly realised.",
}


def test_an_outcome_is_appended_to_the_chain_and_shown_on_the_record(
    users: dict[str, User], client_as: Any
) -> None:
    record = approved_record(users["commercial"], users["reviewer"])
    content_before = dict(record.content)
    event = outcome_record(record=record, by=users["commercial"], data=GOOD)
    assert event.action == "record.outcome"
    assert event.payload["estimate_gbp"] == 800_000
    assert event.payload["variance_gbp"] == 150_000
    assert outcomes_of(record) == [event]
    record.refresh_from_db()
    assert record.content == content_before
    assert audit_chain_check().problems == ()
    html = (
        client_as(users["auditor"]).get(reverse("record_detail", args=[record.pk])).content.decode()
    )
    assert "Outcome reviews" in html and "No, 3 months late" in html
    assert "£950,000 against an estimate of £800,000" in html


def test_a_bad_outcome_names_every_field_and_appends_nothing(users: dict[str, User]) -> None:
    record = approved_record(users["commercial"], users["reviewer"])
    with pytest.raises(ValidationFailed) as failed:
        outcome_record(record=record, by=users["commercial"], data={"on_time": False})
    assert set(failed.value.errors) >= {
        "delivered",
        "same_again",
        "months_late",
        "actual_cost_gbp",
        "benefits_realised",
        "lock_in",
    }
    assert outcomes_of(record) == []


def test_only_a_current_approval_takes_an_outcome(users: dict[str, User]) -> None:
    case = submitted_case(users["commercial"])
    rejected = review_decide(case=case, by=users["reviewer"], action="reject", rationale="No.")
    assert rejected is not None
    with pytest.raises(TransitionRefused):
        outcome_record(record=rejected, by=users["commercial"], data=GOOD)


def test_the_api_records_and_lists_outcomes_for_the_department_only(
    users: dict[str, User], client_as: Any
) -> None:
    record = approved_record(users["commercial"], users["reviewer"])
    url = f"/api/v1/decisions/{record.pk}/outcomes"
    bad = post_json(client_as(users["commercial"]), url, {**GOOD, "months_late": None})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "months_late"]
    made = post_json(client_as(users["commercial"]), url, GOOD)
    assert made.status_code == 201
    assert made.json()["variance_gbp"] == 150_000
    listed = client_as(users["auditor"]).get(url).json()
    assert listed["count"] == 1 and listed["items"][0]["sha256"] == made.json()["sha256"]
    assert post_json(client_as(users["outsider"]), url, GOOD).status_code == 404
    assert client_as(users["outsider"]).get(url).status_code == 404
    assert post_json(client_as(users["reviewer"]), url, GOOD).status_code == 403
    assert audit_chain_check().problems == ()


def test_the_department_records_an_outcome_on_the_page(
    users: dict[str, User], client_as: Any
) -> None:
    record = approved_record(users["commercial"], users["reviewer"])
    client = client_as(users["commercial"])
    url = reverse("record_outcome", args=[record.pk])
    page = client.get(reverse("record_detail", args=[record.pk])).content.decode()
    assert url in page
    # The form reads the record's reference, not its content.
    with CaptureQueriesContext(connection) as captured:
        form_page = client.get(url)
    assert form_page.status_code == 200 and record.reference in form_page.content.decode()
    assert not any('"content"' in q["sql"] for q in captured.captured_queries)
    empty = client.post(url, {"on_time": "no"})
    assert empty.status_code == 200
    html = empty.content.decode()
    assert "Error:" in html and 'href="#months_late"' in html and 'href="#delivered"' in html
    assert outcomes_of(record) == []
    done = client.post(
        url,
        {
            "delivered": "yes",
            "on_time": "yes",
            "actual_cost_gbp": "£780,000",
            "benefits_realised": "fully",
            "lock_in": "none",
            "same_again": "yes",
        },
    )
    assert done.status_code == 302
    [event] = outcomes_of(record)
    assert event.payload["actual_cost_gbp"] == 780_000 and event.payload["variance_gbp"] == -20_000
    assert client_as(users["outsider"]).get(url).status_code == 404
    assert audit_chain_check().problems == ()


def test_each_missing_answer_has_its_own_govuk_message_once(
    users: dict[str, User], client_as: Any
) -> None:
    record = approved_record(users["commercial"], users["reviewer"])
    client = client_as(users["commercial"])
    url = reverse("record_outcome", args=[record.pk])
    found = error_summary(client.post(url, {"on_time": "no", "months_late": "-3"}))
    assert found == [
        ("#delivered", "Select yes if it was delivered, or no if it was not"),
        ("#months_late", "Enter how many months late, from 1 to 120"),
        ("#actual_cost_gbp", "Enter the actual whole-life cost to date"),
        ("#benefits_realised", "Select how far the benefits were realised"),
        ("#lock_in", "Select how much lock-in you experienced"),
        ("#same_again", "Select yes if you would choose the same option again, or no"),
    ]
    on_time = error_summary(client.post(url, {"on_time": "maybe"}))
    assert ("#on_time", "Select yes if it was on time, or no if it was late") in on_time


PAGE_GOOD = {
    "delivered": "yes",
    "on_time": "yes",
    "actual_cost_gbp": "780000",
    "benefits_realised": "fully",
    "lock_in": "none",
    "same_again": "yes",
}


def test_the_outcome_page_refuses_a_rejected_decision_and_anyone_but_the_department(
    users: dict[str, User], client_as: Any
) -> None:
    case = submitted_case(users["commercial"])
    rejected = review_decide(case=case, by=users["reviewer"], action="reject", rationale="No.")
    assert rejected is not None
    refused = client_as(users["commercial"]).post(
        reverse("record_outcome", args=[rejected.pk]), PAGE_GOOD
    )
    assert refused.status_code == 409
    assert "current approved decision only" in refused.content.decode()
    record = approved_record(users["commercial"], users["reviewer"])
    # A reviewer reads the record but may not record its outcome (the permissions table); another
    # department's people do not see the record at all.
    url = reverse("record_outcome", args=[record.pk])
    assert client_as(users["reviewer"]).post(url, PAGE_GOOD).status_code == 403
    assert client_as(users["outsider"]).post(url, PAGE_GOOD).status_code == 404
    assert outcomes_of(record) == [] and outcomes_of(rejected) == []
