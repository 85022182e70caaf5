"""The case API against the contract in shared/api.md."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from decisions import engine
from decisions.services import ruleset_publish_default
from sourcing.models import Case, User
from sourcing.services import token_issue
from tests.sourcing.test_cases import complete_answers


@pytest.fixture
def ruleset(db: None):  # type: ignore[no-untyped-def]
    return ruleset_publish_default()


class Api:
    """A bearer-token client for one user."""

    def __init__(self, user: User) -> None:
        self.client = Client()
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=user)}"}

    def get(self, path: str) -> Any:
        return self.client.get(f"/api/v1/{path}", **self.auth)

    def send(self, method: str, path: str, body: object = None, raw: bytes | None = None) -> Any:
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return self.client.generic(
            method, f"/api/v1/{path}", data, content_type="application/json", **self.auth
        )


def test_the_questionnaire_lists_every_key_in_form_order(users: dict[str, User]) -> None:
    items = Api(users["auditor"]).get("questionnaire").json()
    assert [i["key"] for i in items] == [
        k for k in engine.QUESTION_KEYS if k in {i["key"] for i in items}
    ]
    assert {i["key"] for i in items} == set(engine.QUESTION_KEYS)
    months = next(i for i in items if i["key"] == "months_to_live")
    assert (months["min"], months["max"], months["type"], months["required"]) == (
        1,
        120,
        "int",
        True,
    )
    assert next(i for i in items if i["key"] == "option_cost_estimates")["required"] is False
    assert all(i["label"] and i["hint"] and i["section"] for i in items)


def test_alice_takes_a_case_from_start_to_submitted(users: dict[str, User], ruleset) -> None:  # type: ignore[no-untyped-def]
    api = Api(users["commercial"])
    created = api.send("POST", "cases", {"title": "Case management", "summary": "Appeals"})
    assert created.status_code == 201
    case = created.json()
    assert case["status"] == "draft" and case["reference"].startswith("SRC-")
    patched = api.send("PATCH", f"cases/{case['id']}", {"answers": complete_answers()})
    assert patched.status_code == 200 and patched.json()["answers"] == complete_answers()
    assessed = api.send("POST", f"cases/{case['id']}/assessments")
    assert assessed.status_code == 201
    assessment = assessed.json()
    expected = engine.assess(complete_answers(), engine.default_ruleset()).to_dict()
    for key in (
        "recommended",
        "ranking",
        "scores",
        "viable",
        "margin",
        "trace",
        "conditions",
        "policy_checks",
        "flip",
        "exit_readiness",
    ):
        assert assessment[key] == json.loads(json.dumps(expected[key])), key
    assert assessment["ruleset"] == {"version": ruleset.version, "sha256": ruleset.sha256}
    refused = api.send("POST", f"cases/{case['id']}/submit")
    assert refused.status_code == 409 and "sign-off" in refused.json()["detail"]
    explain = {
        c["check"]: "Explained." for c in assessment["policy_checks"] if c["result"] == "explain"
    }
    assert (
        api.send(
            "PATCH", f"cases/{case['id']}", {"explanations": explain, "sro_name": "S. Owner"}
        ).status_code
        == 200
    )
    for discipline in ("commercial", "digital", "finance", "legal"):
        signed = api.send(
            "POST", f"cases/{case['id']}/signoffs", {"discipline": discipline, "name": "N"}
        )
        assert signed.status_code == 201
    submitted = api.send("POST", f"cases/{case['id']}/submit")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    assert api.send("PATCH", f"cases/{case['id']}", {"title": "Too late"}).status_code == 409
    replay = api.send(
        "POST", f"assessments/{assessment['id']}/replay", {"ruleset": "pinned"}
    ).json()
    assert replay["identical"] is True and replay["differences"] == []


def test_bob_gets_404_for_alices_case_everywhere(users: dict[str, User], ruleset) -> None:  # type: ignore[no-untyped-def]
    alice = Api(users["commercial"])
    case = alice.send("POST", "cases", {"title": "Secret", "answers": complete_answers()}).json()
    assessment = alice.send("POST", f"cases/{case['id']}/assessments").json()
    bob = Api(users["outsider"])
    assert bob.get(f"cases/{case['id']}").status_code == 404
    assert bob.get(f"cases/{case['id']}/assessments").status_code == 404
    assert bob.send("PATCH", f"cases/{case['id']}", {"title": "Mine"}).status_code == 404
    assert bob.send("POST", f"cases/{case['id']}/assessments").status_code == 404
    assert (
        bob.send(
            "POST", f"cases/{case['id']}/signoffs", {"discipline": "legal", "name": "B"}
        ).status_code
        == 404
    )
    assert bob.send("POST", f"cases/{case['id']}/submit").status_code == 404
    assert bob.send("POST", f"cases/{case['id']}/withdraw", {}).status_code == 404
    assert (
        bob.send(
            "POST", f"assessments/{assessment['id']}/replay", {"ruleset": "pinned"}
        ).status_code
        == 404
    )
    assert bob.get("cases").json()["count"] == 0
    assert Case.objects.get(pk=case["id"]).title == "Secret"


def test_bad_answers_are_422_naming_each_key(users: dict[str, User]) -> None:
    api = Api(users["commercial"])
    response = api.send(
        "POST",
        "cases",
        {"title": "x" * 201, "answers": {"credible_suppliers": "many", "colour": 1}},
    )
    assert response.status_code == 422
    locs = {tuple(d["loc"]) for d in response.json()["detail"]}
    assert locs == {
        ("body", "title"),
        ("body", "answers", "credible_suppliers"),
        ("body", "answers", "colour"),
    }
    assert not Case.objects.exists()


def test_assessing_incomplete_answers_names_every_missing_key(
    users: dict[str, User], ruleset
) -> None:  # type: ignore[no-untyped-def]
    api = Api(users["commercial"])
    case = api.send("POST", "cases", {"title": "Half", "answers": {"criticality": "low"}}).json()
    response = api.send("POST", f"cases/{case['id']}/assessments")
    assert response.status_code == 422
    missing = {d["loc"][-1] for d in response.json()["detail"]}
    assert missing == set(engine.schema.REQUIRED_KEYS) - {"criticality"}


@pytest.mark.parametrize(
    ("raw", "statuses"),
    [
        (b"{not json", {400, 422}),
        (b"[1, 2, 3]", {400, 422}),
        (b'"a string"', {400, 422}),
        (json.dumps({"title": "ok", "answers": "not an object"}).encode(), {422}),
        (json.dumps({"title": "ok", "unknown": 1}).encode(), {422}),
    ],
)
def test_malformed_bodies_are_refused_without_a_500(
    users: dict[str, User], raw: bytes, statuses: set[int]
) -> None:
    response = Api(users["commercial"]).send("POST", "cases", raw=raw)
    assert response.status_code in statuses
    assert not Case.objects.exists()


def test_an_oversized_body_is_413(users: dict[str, User]) -> None:
    body = {"title": "Big", "summary": "x" * (1024 * 1024 + 1)}
    response = Api(users["commercial"]).send("POST", "cases", body)
    assert response.status_code == 413
    assert not Case.objects.exists()


def test_only_department_users_create_cases(users: dict[str, User]) -> None:
    response = Api(users["reviewer"]).send("POST", "cases", {"title": "Nope"})
    assert response.status_code == 403


def test_a_session_needs_the_csrf_token_to_write(users: dict[str, User]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["commercial"])
    response = client.post(
        "/api/v1/cases", json.dumps({"title": "No token"}), content_type="application/json"
    )
    assert response.status_code in (401, 403)
    assert not Case.objects.exists()


def test_withdraw_before_a_decision(users: dict[str, User]) -> None:
    api = Api(users["commercial"])
    case = api.send("POST", "cases", {"title": "Gone"}).json()
    response = api.send("POST", f"cases/{case['id']}/withdraw", {"comment": "Not needed"})
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    assert api.send("POST", f"cases/{case['id']}/withdraw", {}).status_code == 409
