"""The case API against the contract in shared/api.md."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from decisions import engine
from sourcing.models import Case, Role, User
from tests.factories import complete_answers
from tests.pages import Api


def _submitted_case(api: Api, title: str) -> dict[str, Any]:
    """A case taken through the API to submitted."""
    case = api.send("POST", "cases", {"title": title, "answers": complete_answers()}).json()
    assessment = api.send("POST", f"cases/{case['id']}/assessments").json()
    explain = {
        c["check"]: "Explained." for c in assessment["policy_checks"] if c["result"] == "explain"
    }
    api.send("PATCH", f"cases/{case['id']}", {"explanations": explain, "sro_name": "S. Owner"})
    for discipline in ("commercial", "digital", "finance", "legal"):
        api.send("POST", f"cases/{case['id']}/signoffs", {"discipline": discipline, "name": "N"})
    response = api.send("POST", f"cases/{case['id']}/submit")
    assert response.status_code == 200, response.json()
    return response.json()


def test_the_questionnaire_lists_every_key_in_form_order(users: dict[str, User]) -> None:
    page = Api(users["auditor"]).get("questionnaire").json()
    items = page["items"]
    assert page["count"] == len(items) == len(engine.QUESTION_KEYS)
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
    # The later questions: optional, each in its section, with its values' labels.
    later = {i["key"]: i for i in items if i["key"] in engine.LATER_KEYS}
    assert set(later) == set(engine.LATER_KEYS) and not any(i["required"] for i in later.values())
    assert later["process_change"]["section"] == "need"
    assert later["service_integration_capability"]["section"] == "capability"
    assert {c["value"] for c in later["delivery_approach"]["choices"]} == {
        "incremental",
        "single_cutover",
    }


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
    blockers = refused.json()["blockers"]
    assert {"code": "sro_missing", "concerns": "sro_name"}.items() <= blockers[-1].items()
    assert {b["code"] for b in blockers} >= {"signoff_missing", "sro_missing"}
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


def test_the_case_list_is_scoped_and_newest_first(users: dict[str, User], ruleset) -> None:  # type: ignore[no-untyped-def]
    alice, bob = Api(users["commercial"]), Api(users["outsider"])
    draft = alice.send("POST", "cases", {"title": "Alice draft"}).json()
    submitted = _submitted_case(alice, "Alice submitted")
    bobs = _submitted_case(bob, "Bob submitted")
    assert [c["id"] for c in alice.get("cases").json()["items"]] == [submitted["id"], draft["id"]]
    assert [c["id"] for c in bob.get("cases").json()["items"]] == [bobs["id"]]
    for role in ("reviewer", "auditor"):
        listed = Api(users[role]).get("cases").json()
        assert [c["id"] for c in listed["items"]] == [bobs["id"], submitted["id"]]
        assert listed["count"] == 2
        assert Api(users[role]).get(f"cases/{draft['id']}").status_code == 404
        assert Api(users[role]).get(f"cases/{submitted['id']}").status_code == 200


def test_changing_answers_makes_signoffs_stale(users: dict[str, User], ruleset) -> None:  # type: ignore[no-untyped-def]
    api = Api(users["commercial"])
    case = api.send("POST", "cases", {"title": "Stale", "answers": complete_answers()}).json()
    signed = api.send(
        "POST", f"cases/{case['id']}/signoffs", {"discipline": "legal", "name": "L", "role": "R"}
    )
    assert signed.status_code == 201 and signed.json()["recorded_by"] == "user-commercial"
    assert api.get(f"cases/{case['id']}").json()["signoffs"][0]["stale"] is False
    months = complete_answers()["months_to_live"]
    api.send("PATCH", f"cases/{case['id']}", {"answers": {"months_to_live": months % 120 + 1}})
    signoffs = api.get(f"cases/{case['id']}").json()["signoffs"]
    assert [(s["discipline"], s["stale"]) for s in signoffs] == [("legal", True)]


def test_submitting_without_an_assessment_is_409_saying_why(users: dict[str, User]) -> None:
    api = Api(users["commercial"])
    case = api.send("POST", "cases", {"title": "Early", "answers": complete_answers()}).json()
    response = api.send("POST", f"cases/{case['id']}/submit")
    assert response.status_code == 409
    assert "recommendation" in response.json()["detail"]
    assert Case.objects.get(pk=case["id"]).status == "draft"


def test_a_submitted_case_refuses_assessments_signoffs_and_edits(
    users: dict[str, User], ruleset
) -> None:  # type: ignore[no-untyped-def]
    api = Api(users["commercial"])
    case = _submitted_case(api, "Locked")
    assert api.send("PATCH", f"cases/{case['id']}", {"answers": {}}).status_code == 409
    signoff = {"discipline": "legal", "name": "L"}
    assert api.send("POST", f"cases/{case['id']}/signoffs", signoff).status_code == 409
    assert api.send("POST", f"cases/{case['id']}/submit").status_code == 409
    assert api.send("POST", f"cases/{case['id']}/assessments").status_code == 409


@pytest.mark.parametrize(
    ("path", "body", "loc"),
    [
        (
            "signoffs",
            {"discipline": "marketing", "name": ""},
            {("body", "discipline"), ("body", "name")},
        ),
        ("signoffs", {"discipline": "legal", "name": "N", "colour": 1}, {("body", "colour")}),
        ("", {"explanations": {"no_such_check": "x"}}, {("body", "explanations")}),
        ("", {"explanations": {"cloud_first": 5}}, {("body", "explanations", "cloud_first")}),
        ("", {"answers": {"months_to_live": 0}}, {("body", "answers", "months_to_live")}),
        ("", {"title": ""}, {("body", "title")}),
        ("", {"sro_name": "x" * 201}, {("body", "sro_name")}),
    ],
)
def test_bad_fields_on_a_draft_are_422_naming_them(
    users: dict[str, User], path: str, body: dict[str, Any], loc: set[tuple[str, ...]]
) -> None:
    api = Api(users["commercial"])
    case = api.send("POST", "cases", {"title": "Draft"}).json()
    method = "POST" if path else "PATCH"
    response = api.send(method, f"cases/{case['id']}/{path}".rstrip("/"), body)
    assert response.status_code == 422
    assert {tuple(d["loc"]) for d in response.json()["detail"]} == loc
    assert api.get(f"cases/{case['id']}").json()["title"] == "Draft"


@pytest.mark.parametrize("case_id", ["abc", "0", "-1", "99999999999999999999"])
def test_odd_case_ids_are_404_or_422_not_500(users: dict[str, User], case_id: str) -> None:
    assert Api(users["commercial"]).get(f"cases/{case_id}").status_code in (404, 422)


def test_amounts_in_the_api_are_read_as_people_type_them(users: dict[str, User]) -> None:
    api = Api(users["commercial"])
    answers = {"whole_life_budget_gbp": "£250,000", "option_cost_estimates": {"buy": "250 000"}}
    created = api.send("POST", "cases", {"title": "Money", "answers": answers})
    assert created.status_code == 201, created.json()
    assert created.json()["answers"] == {
        "whole_life_budget_gbp": 250_000,
        "option_cost_estimates": {"buy": 250_000},
    }
    case_id = created.json()["id"]
    refused = api.send("PATCH", f"cases/{case_id}", {"answers": {"whole_life_budget_gbp": "lots"}})
    assert refused.status_code == 422
    assert refused.json()["detail"] == [
        {
            "loc": ["body", "answers", "whole_life_budget_gbp"],
            "msg": "The whole-life budget must be a number, like 250,000",
        }
    ]
    assert api.get(f"cases/{case_id}").json()["answers"]["whole_life_budget_gbp"] == 250_000


def test_people_are_given_by_username_and_by_name_as_people_read_them(
    users: dict[str, User], make_user: Callable[..., User]
) -> None:
    named = make_user("alice-named", Role.COMMERCIAL, first_name="Alice", last_name="Adams")
    api, plain = Api(named), Api(users["commercial"])
    case = api.send("POST", "cases", {"title": "Named"}).json()
    assert (case["owner"], case["owner_name"]) == ("alice-named", "Alice Adams")
    signed = api.send("POST", f"cases/{case['id']}/signoffs", {"discipline": "legal", "name": "L"})
    assert (signed.json()["recorded_by"], signed.json()["recorded_by_name"]) == (
        "alice-named",
        "Alice Adams",
    )
    shown = api.get(f"cases/{case['id']}").json()["signoffs"][0]
    assert (shown["recorded_by"], shown["recorded_by_name"]) == ("alice-named", "Alice Adams")
    unnamed = plain.send("POST", "cases", {"title": "Unnamed"}).json()
    assert unnamed["owner_name"] == unnamed["owner"] == "user-commercial"
