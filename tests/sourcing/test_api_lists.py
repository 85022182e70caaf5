"""Every list of the API is paged: limit (default 50, at most 200) and offset, with a count;
an out-of-range limit or offset is a 422 naming it, never a 500."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from decisions.cases.services import case_create
from sourcing.api import api
from sourcing.models import User
from tests.factories import approved_record

ClientAs = Callable[[User | None], Client]

LISTS = [
    ("/api/v1/cases", "commercial"),
    ("/api/v1/decisions", "auditor"),
    ("/api/v1/register", None),
    ("/api/v1/register/heads", None),
    ("/api/v1/rulesets", "steward"),
    ("/api/v1/suppliers", "commercial"),
    ("/api/v1/segments", "commercial"),
    ("/api/v1/questionnaire", "commercial"),
    ("/api/v1/public-interest-returns", "auditor"),
]


@pytest.mark.parametrize(("path", "role"), LISTS)
@pytest.mark.parametrize(
    "query",
    [
        {"limit": "0"},
        {"limit": "201"},
        {"limit": "ten"},
        {"offset": "-1"},
        {"offset": "1000000001"},
        {"offset": "99999999999999999999"},
    ],
)
def test_an_out_of_range_page_is_a_422_naming_the_parameter(
    path: str, role: str | None, query: dict[str, str], users: dict[str, User], client_as: ClientAs
) -> None:
    response = client_as(users[role] if role else None).get(path, query)
    assert response.status_code in (400, 422), response.content
    assert response["Content-Type"].startswith("application/json")
    (name,) = query
    assert any(d["loc"][-1] == name for d in response.json()["detail"]), response.json()


def test_cases_decisions_and_the_register_come_in_pages_with_a_count(
    users: dict[str, User], ruleset: None, client_as: ClientAs
) -> None:
    for number in range(3):
        case_create(by=users["commercial"], title=f"Draft {number}", summary="", answers={})
    approved_record(users["commercial"], users["reviewer"])
    approved_record(users["commercial"], users["reviewer"])
    commercial = client_as(users["commercial"])
    first = commercial.get("/api/v1/cases", {"limit": 2}).json()
    rest = commercial.get("/api/v1/cases", {"limit": 2, "offset": 2}).json()
    assert first["count"] == rest["count"] == 5
    assert (first["limit"], first["offset"], len(first["items"])) == (2, 0, 2)
    assert len(rest["items"]) == 2
    ids = [c["id"] for c in first["items"] + rest["items"]]
    assert len(set(ids)) == 4 and ids == sorted(ids, reverse=True)  # newest first
    for path, client in (
        ("/api/v1/decisions", client_as(users["auditor"])),
        ("/api/v1/register", client_as(None)),
    ):
        whole = client.get(path).json()
        assert whole["count"] == 2 and len(whole["items"]) == 2 and whole["limit"] == 50
        second = client.get(path, {"limit": 1, "offset": 1}).json()
        assert second["count"] == 2 and second["items"] == whole["items"][1:]


def test_no_operation_in_the_document_answers_a_bare_list() -> None:
    """Every list is declared paged in the OpenAPI document: limit and offset as query
    parameters and the page shape as the answer, never an unpaged array."""
    document = api.get_openapi_schema()
    paged = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            ok = operation["responses"].get(200) or operation["responses"].get("200") or {}
            schema = ok.get("content", {}).get("application/json", {}).get("schema", {})
            assert schema.get("type") != "array", f"{method.upper()} {path} answers a bare list"
            shape = document["components"]["schemas"].get(schema.get("$ref", "").split("/")[-1])
            if shape and {"items", "count"} <= set(shape.get("properties", {})):
                names = {p["name"] for p in operation.get("parameters", [])}
                assert {"limit", "offset"} <= names, f"{method.upper()} {path}"
                paged.append(path)
    assert {"/api/v1/segments", "/api/v1/questionnaire"} <= set(paged)
    assert set(paged) >= {path for path, _ in LISTS}
