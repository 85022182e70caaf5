"""Every API write route with two or three bad fields at once: the 422 lists every one of them,
each message names its field, and nothing is saved (sourcing.api_body.json_body)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from decisions.audit.models import AuditEvent
from decisions.integrity.verification import audit_verify
from sourcing.api_body import api_label
from sourcing.models import Case, SignOff, User
from tests.factories import ready_case, submitted_case

HUGE = "9" * 5000  # an integer literal past CPython's int-string limit
BAD_DATE = "31 Febtember 2029"
# Fields the services name as people know them rather than by their key.
NAMED_AS = {"role": "job title", "whole_life_budget_gbp": "whole-life budget"}

# (route, role, raw JSON body, the fields every one of which must be listed)
CASES: list[tuple[str, str, str, set[str]]] = [
    # POST cases
    (
        "POST cases",
        "commercial",
        '{"title": 5, "summary": "a\\u0000b", "answers": {"months_to_live": 0}}',
        {"title", "summary", "answers.months_to_live"},
    ),
    (
        "POST cases",
        "commercial",
        '{"title": ' + HUGE + ', "answers": {"whole_life_budget_gbp": "lots"}, "colour": 1}',
        {"title", "answers.whole_life_budget_gbp", "colour"},
    ),
    ("POST cases", "commercial", '{"title": "", "summary": ["x"]}', {"title", "summary"}),
    (
        "POST cases",
        "commercial",
        '{"summary": "\\ud800", "answers": {"months_to_live": "soon"}}',
        {"title", "summary", "answers.months_to_live"},
    ),
    # PATCH cases/{id}
    (
        "PATCH case",
        "commercial",
        '{"title": "", "sro_name": 5, "explanations": {"not_a_check": "x"}}',
        {"title", "sro_name", "explanations"},
    ),
    (
        "PATCH case",
        "commercial",
        '{"answers": {"months_to_live": "x"}, "summary": "' + "a" * 5001 + '", "extra": 1}',
        {"answers.months_to_live", "summary", "extra"},
    ),
    (
        "PATCH case",
        "commercial",
        '{"title": "\\u0000", "answers": {"months_to_live": ' + HUGE + "}}",
        {"title", "answers.months_to_live"},
    ),
    # POST cases/{id}/signoffs
    (
        "POST signoffs",
        "commercial",
        '{"discipline": "chef", "name": "", "comment": 5}',
        {"discipline", "name", "comment"},
    ),
    (
        "POST signoffs",
        "commercial",
        '{"discipline": 3, "role": "' + "r" * 201 + '"}',
        {"discipline", "name", "role"},
    ),
    # POST cases/{id}/withdraw
    ("POST withdraw", "commercial", '{"comment": 5, "why": 1}', {"comment", "why"}),
    (
        "POST withdraw",
        "commercial",
        '{"comment": "\\u0000", "also": "x", "again": 2}',
        {"comment", "also", "again"},
    ),
    # POST cases/{id}/review
    (
        "POST review",
        "reviewer",
        '{"action": "maybe", "review_by": "' + BAD_DATE + '", "option": "steal"}',
        {"action", "review_by", "option"},
    ),
    (
        "POST review",
        "reviewer",
        '{"action": 5, "rationale": "a\\u0000", "review_by": "2000-01-01"}',
        {"action", "rationale", "review_by"},
    ),
    (
        "POST review",
        "reviewer",
        '{"option": "buy", "review_by": 7, "extra": true}',
        {"action", "review_by", "extra"},
    ),
    (
        "POST review",
        "reviewer",
        '{"action": "approve", "rationale": ' + HUGE + ', "review_by": "' + BAD_DATE + '"}',
        {"rationale", "review_by"},
    ),
    # POST assessments/{id}/replay
    ("POST replay", "commercial", '{"ruleset": "later", "x": 1}', {"ruleset", "x"}),
    ("POST replay", "commercial", '{"ruleset": 5, "y": [], "z": null}', {"ruleset", "y", "z"}),
]


def _address(route: str, draft: Case, submitted: Case) -> tuple[str, str]:
    return {
        "POST cases": ("post", "/api/v1/cases"),
        "PATCH case": ("patch", f"/api/v1/cases/{draft.pk}"),
        "POST signoffs": ("post", f"/api/v1/cases/{draft.pk}/signoffs"),
        "POST withdraw": ("post", f"/api/v1/cases/{draft.pk}/withdraw"),
        "POST review": ("post", f"/api/v1/cases/{submitted.pk}/review"),
        "POST replay": ("post", f"/api/v1/assessments/{draft.assessments.get().pk}/replay"),
    }[route]


def _state() -> tuple[Any, ...]:
    return (
        list(Case.objects.values_list("pk", "title", "summary", "status", "answers", "sro_name")),
        SignOff.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.mark.parametrize(("route", "role", "body", "fields"), CASES)
def test_every_bad_field_is_listed_in_one_422_naming_each(
    route: str,
    role: str,
    body: str,
    fields: set[str],
    users: dict[str, User],
    ruleset: None,
    client_as: Callable[[User | None], Client],
) -> None:
    draft = ready_case(users["commercial"])
    submitted = submitted_case(users["commercial"], title="Submitted")
    before = _state()
    method, path = _address(route, draft, submitted)
    response = getattr(client_as(users[role]), method)(path, body, content_type="application/json")
    assert response.status_code == 422, response.content
    detail = response.json()["detail"]
    listed = {".".join(str(p) for p in d["loc"][1:]) for d in detail}
    assert listed == fields, detail
    for item in detail:
        assert item["loc"][0] == "body"
        label = api_label(item["loc"]).lower()
        key = str(item["loc"][-1]).lower()
        text = item["msg"].lower()
        assert label in text or key in text or NAMED_AS.get(key, key) in text, item
    assert _state() == before
    assert audit_verify().valid


def test_a_huge_integer_where_text_belongs_says_it_must_be_text(
    users: dict[str, User], client_as: Callable[[User | None], Client]
) -> None:
    response = client_as(users["commercial"]).post(
        "/api/v1/cases", '{"title": ' + HUGE + "}", content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["detail"] == [{"loc": ["body", "title"], "msg": "Title must be text"}]
    wrong = client_as(users["commercial"]).post(
        "/api/v1/cases", '{"title": ["a"], "summary": {}}', content_type="application/json"
    )
    assert {d["msg"] for d in wrong.json()["detail"]} == {
        "Title must be text",
        "Summary must be text",
    }
