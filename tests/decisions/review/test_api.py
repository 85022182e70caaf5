"""The review API: approve with an override, return, refusals naming the field."""

from __future__ import annotations

from decisions.audit.models import AuditEvent
from decisions.records.models import DecisionRecord
from sourcing.models import Case
from tests.pages import post_json as post


def test_a_reviewer_approves_with_an_override_through_the_api(
    submitted: Case, users, client_as
) -> None:  # type: ignore[no-untyped-def]
    client = client_as(users["reviewer"])
    url = f"/api/v1/cases/{submitted.pk}/review"
    refused = post(client, url, {"action": "approve", "option": "build"})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "rationale"]
    response = post(
        client, url, {"action": "approve", "option": "build", "rationale": "Strategic."}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "approved"
    assert body["record"]["overridden"] is True
    assert body["record"]["previous_sha256"] is None
    again = post(client, url, {"action": "approve"})
    assert again.status_code == 409
    assert "not awaiting review" in again.json()["detail"]
    assert DecisionRecord.objects.count() == 1


def test_return_without_comments_names_the_rationale(submitted: Case, users, client_as) -> None:  # type: ignore[no-untyped-def]
    response = post(
        client_as(users["reviewer"]), f"/api/v1/cases/{submitted.pk}/review", {"action": "return"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "rationale"]


def test_department_users_cannot_review(submitted: Case, users, client_as) -> None:  # type: ignore[no-untyped-def]
    response = post(
        client_as(users["commercial"]),
        f"/api/v1/cases/{submitted.pk}/review",
        {"action": "approve"},
    )
    assert response.status_code == 403


def test_unknown_fields_in_a_review_are_refused(submitted: Case, users, client_as) -> None:  # type: ignore[no-untyped-def]
    response = post(
        client_as(users["reviewer"]),
        f"/api/v1/cases/{submitted.pk}/review",
        {"action": "approve", "colour": "red"},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "colour"]


def test_a_review_by_date_is_read_as_people_write_it(submitted: Case, users, client_as) -> None:  # type: ignore[no-untyped-def]
    client = client_as(users["reviewer"])
    url = f"/api/v1/cases/{submitted.pk}/review"
    impossible = post(client, url, {"action": "approve", "review_by": "31/02/2031"})
    assert impossible.status_code == 422
    assert impossible.json()["detail"] == [
        {"loc": ["body", "review_by"], "msg": "Review-by date must be a real date"}
    ]
    approved = post(client, url, {"action": "approve", "review_by": "27 March 2031"})
    assert approved.status_code == 201
    assert approved.json()["record"]["review_by"] == "2031-03-27"


def test_every_problem_of_a_review_is_named_in_one_answer(
    submitted: Case, users, client_as
) -> None:  # type: ignore[no-untyped-def]
    response = post(
        client_as(users["reviewer"]),
        f"/api/v1/cases/{submitted.pk}/review",
        {"action": "reject", "review_by": "2020-01-01"},
    )
    assert response.status_code == 422
    assert {tuple(d["loc"]) for d in response.json()["detail"]} == {
        ("body", "rationale"),
        ("body", "review_by"),
    }
    assert not DecisionRecord.objects.exists()


def test_the_same_decision_sent_again_is_answered_as_the_first_without_a_second_event(
    submitted: Case, users, client_as
) -> None:  # type: ignore[no-untyped-def]
    client = client_as(users["reviewer"])
    url = f"/api/v1/cases/{submitted.pk}/review"
    body = {"action": "approve", "option": "build", "rationale": "Strategic."}
    first = post(client, url, body)
    assert first.status_code == 201
    events = AuditEvent.objects.count()
    again = post(client, url, body)
    assert again.status_code == 201  # as the page: the first one's result
    assert again.json() == first.json()
    assert AuditEvent.objects.count() == events and DecisionRecord.objects.count() == 1
    other = post(client, url, {**body, "rationale": "Another reason."})
    assert other.status_code == 409  # a different decision is still refused


def test_a_return_sent_again_is_answered_as_the_first(submitted: Case, users, client_as) -> None:  # type: ignore[no-untyped-def]
    client = client_as(users["reviewer"])
    url = f"/api/v1/cases/{submitted.pk}/review"
    body = {"action": "return", "rationale": "Name the components.", "sections": ["signoffs"]}
    first = post(client, url, body)
    assert first.status_code == 200 and first.json()["record"] is None
    events = AuditEvent.objects.count()
    again = post(client, url, body)
    assert (again.status_code, again.json()) == (200, first.json())
    assert AuditEvent.objects.count() == events
