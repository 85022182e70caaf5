"""The API's one error handler: always JSON in the contract's shape, never an HTML 500."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from django.db import DataError
from django.test import RequestFactory

from decisions.audit.models import AuditEvent
from decisions.cases.services import case_create, case_submit
from decisions.records.models import DecisionRecord
from decisions.rulesets.services import ruleset_publish_default
from sourcing.error_views import server_error
from sourcing.models import Case, User
from tests.factories import ready_case
from tests.pages import Api

HUGE = "9" * 5000  # past CPython's int-string limit (4300 digits)


def locs(response: Any) -> list[list[Any]]:
    return [d["loc"] for d in response.json()["detail"]]


def test_a_5000_digit_integer_in_answers_is_a_422_naming_the_field(users: dict[str, User]) -> None:
    raw = ('{"title": "Payments", "answers": {"months_to_live": ' + HUGE + "}}").encode()
    response = Api(users["commercial"]).send("POST", "cases", raw=raw)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert locs(response) == [["body", "answers", "months_to_live"]]
    assert "Months to live must be a whole number" in response.json()["detail"][0]["msg"]
    assert not Case.objects.exists()


def test_a_lone_surrogate_in_a_title_is_a_422_in_create_and_patch(users: dict[str, User]) -> None:
    api = Api(users["commercial"])
    created = api.send("POST", "cases", raw=b'{"title": "Pay\\ud800ments"}')
    assert created.status_code == 422 and locs(created) == [["body", "title"]]
    assert "lone surrogate" in created.json()["detail"][0]["msg"]
    assert not Case.objects.exists()
    case = case_create(by=users["commercial"], title="Payments")
    patched = api.send("PATCH", f"cases/{case.pk}", raw=b'{"title": "\\udfff", "summary": "ok"}')
    assert patched.status_code == 422 and locs(patched) == [["body", "title"]]
    case.refresh_from_db()
    assert (case.title, case.summary) == ("Payments", "")


def test_a_lone_surrogate_in_a_review_rationale_is_a_422(users: dict[str, User]) -> None:
    ruleset_publish_default()
    case = case_submit(case=ready_case(users["commercial"]), by=users["commercial"])
    api = Api(users["reviewer"])
    events = AuditEvent.objects.count()
    raw = b'{"action": "return", "rationale": "Please \\ud83d look again"}'
    response = api.send("POST", f"cases/{case.pk}/review", raw=raw)
    assert response.status_code == 422
    assert locs(response) == [["body", "rationale"]]
    case.refresh_from_db()
    assert case.status == "submitted" and not DecisionRecord.objects.exists()
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("path", ["cases", "cases/{id}/review"])
def test_malformed_json_is_a_400_in_the_contract_shape(users: dict[str, User], path: str) -> None:
    ruleset_publish_default()
    case = case_submit(case=ready_case(users["commercial"]), by=users["commercial"])
    who = users["commercial"] if path == "cases" else users["reviewer"]
    response = Api(who).send("POST", path.format(id=case.pk), raw=b'{"title": "unfinished')
    assert response.status_code == 400
    (problem,) = response.json()["detail"]
    assert problem["loc"] == ["body"]
    assert problem["msg"].startswith("The body is not valid JSON")


def test_deeply_nested_answers_are_a_422_not_a_crash(users: dict[str, User]) -> None:
    raw = b'{"title": "Deep", "answers": {"option_cost_estimates": ' + b"[" * 900 + b"]" * 900
    response = Api(users["commercial"]).send("POST", "cases", raw=raw + b"}}")
    assert response.status_code in (400, 422)
    assert not Case.objects.exists()
    deeper = Api(users["commercial"]).send("POST", "cases", raw=b"[" * 100_000 + b"]" * 100_000)
    assert deeper.status_code == 400 and "nested too deeply" in deeper.json()["detail"][0]["msg"]


def test_nan_and_nul_in_answers_are_422s(users: dict[str, User]) -> None:
    raw = b'{"title": "T", "summary": "a\\u0000b", "answers": {"months_to_live": NaN}}'
    response = Api(users["commercial"]).send("POST", "cases", raw=raw)
    assert response.status_code == 422
    assert locs(response) == [["body", "summary"], ["body", "answers", "months_to_live"]]


def test_an_unhandled_error_is_a_json_500_with_the_logged_request_id(
    users: dict[str, User], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("the service broke")

    monkeypatch.setattr("decisions.cases.api.case_create", broken)
    api = Api(users["commercial"])
    with caplog.at_level(logging.ERROR, logger="sourcing.api"):
        response = api.client.post(
            "/api/v1/cases",
            json.dumps({"title": "T"}),
            content_type="application/json",
            HTTP_X_REQUEST_ID="req-12345678",
            **api.auth,
        )
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json()["request_id"] == "req-12345678" == response["X-Request-ID"]
    assert "Sorry, there is a problem" in response.json()["detail"]
    (record,) = [r for r in caplog.records if r.name == "sourcing.api"]
    assert record.request_id == "req-12345678"  # type: ignore[attr-defined]
    assert record.exc_info and "the service broke" in str(record.exc_info[1])


def test_a_value_the_database_cannot_store_is_a_422_not_a_500(
    users: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    def overflow(**kwargs: Any) -> None:
        raise DataError("integer out of range")

    monkeypatch.setattr("decisions.cases.api.case_create", overflow)
    response = Api(users["commercial"]).send("POST", "cases", {"title": "T"})
    assert response.status_code == 422 and locs(response) == [["body"]]


def test_an_unknown_api_address_is_a_json_404(users: dict[str, User]) -> None:
    response = Api(users["commercial"]).get("no-such-thing")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_a_500_outside_an_operation_is_json_under_the_api_and_a_page_elsewhere() -> None:
    api = server_error(RequestFactory().get("/api/v1/cases"))
    assert api.status_code == 500 and "request_id" in json.loads(api.content)
    page = server_error(RequestFactory().get("/cases/"))
    assert page.status_code == 500 and b"Sorry, there is a problem with the service" in page.content


def test_405_in_the_api_is_json_with_an_allow_header(users: dict[str, User]) -> None:
    api = Api(users["commercial"])
    declared = api.send("DELETE", "cases")  # refused by the permissions table
    assert declared.status_code == 405
    assert declared["Allow"] == "GET, HEAD, POST"
    assert declared.json() == {"detail": "Method not allowed: use GET, HEAD, POST."}
    routed = api.send("PUT", "me")  # refused by ninja's router
    assert routed.status_code == 405 and routed["Allow"] == "GET"
    assert routed.json()["detail"].startswith("Method not allowed")
