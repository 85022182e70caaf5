"""Rules for every route (sourcing.middleware): bad addresses refused before the database,
styled 405s with Allow, and Vary: HX-Request on pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver

from decisions.cases.services import case_create
from sourcing.models import User
from tests.pages import Api


def test_nul_in_a_page_address_is_a_govuk_400_page(alice: Client) -> None:
    response = alice.get("/cases/%00/")
    assert response.status_code == 400
    assert b"govuk-template" in response.content
    assert b"must not contain the null character" in response.content


def test_nul_in_a_page_query_string_is_a_400_page_naming_the_parameter(alice: Client) -> None:
    response = alice.get("/suppliers/?q=%00")
    assert response.status_code == 400
    assert b"q must not contain the null character" in response.content


def test_nul_in_an_api_query_string_is_a_json_400_naming_it(users: dict[str, User]) -> None:
    response = Api(users["commercial"]).get("suppliers?q=%00")
    assert response.status_code == 400
    assert response.json()["detail"][0]["loc"] == ["query", "q"]


def test_nul_in_an_api_path_is_a_json_400(users: dict[str, User]) -> None:
    response = Api(users["commercial"]).get("rulesets/2026.2%00")
    assert response.status_code == 400 and response.json()["detail"][0]["loc"] == ["path"]


NUL_SESSION = 'sessionid="\\000abcdefghijk"'  # as curl sends it; Django's parser reads a NUL


@pytest.mark.parametrize(
    ("address", "status"), [("/register/", 200), ("/cases/", 302), ("/api/v1/me", 401)]
)
def test_nul_in_the_session_cookie_is_treated_as_signed_out(
    db: None, address: str, status: int
) -> None:
    # On PostgreSQL the session lookup itself failed (DataError: NUL in text): a 500 everywhere.
    response = Client().get(address, HTTP_COOKIE=NUL_SESSION)
    assert response.status_code == status


@pytest.mark.parametrize(
    "cookie",
    [
        'sessionid="abc\\000defghijk"',
        "sessionid=ABCDEFGHIJKLMNOP%2F..%2F",
        "sessionid=" + "a" * 41,
        'csrftoken="\\000' + "a" * 31 + '"',
        'theme="\\000dark"; sessionid=' + "a" * 32,
        '"\\000name"=value',
    ],
)
def test_cookies_with_nul_or_not_a_session_key_never_give_a_500(db: None, cookie: str) -> None:
    response = Client().get("/register/", HTTP_COOKIE=cookie)
    assert response.status_code == 200


def test_a_signed_in_session_survives_a_nul_in_another_cookie(alice: Client) -> None:
    session = alice.cookies["sessionid"].value
    cookie = f'theme="\\000dark"; sessionid={session}'
    assert alice.get("/cases/", HTTP_COOKIE=cookie).status_code == 200


def test_a_post_with_a_nul_csrf_cookie_is_a_403_not_a_500(alice: Client) -> None:
    session = alice.cookies["sessionid"].value
    cookie = f'csrftoken="\\000{"a" * 31}"; sessionid={session}'
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/cases/start/", {"title": "x"}, HTTP_COOKIE=cookie)
    assert response.status_code == 403


def test_an_offset_beyond_bigint_is_a_422_naming_it(users: dict[str, User]) -> None:
    response = Api(users["commercial"]).get("suppliers?offset=99999999999999999999")
    assert response.status_code == 422
    (problem,) = response.json()["detail"]
    assert problem["loc"] == ["query", "offset"]
    assert problem["msg"].startswith("offset must be a whole number")


def test_an_offset_within_bigint_but_beyond_the_catalogue_is_a_422(users: dict[str, User]) -> None:
    response = Api(users["commercial"]).get("suppliers?offset=9223372036854775807")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "offset"]


def test_an_offset_beyond_bigint_on_a_page_is_a_400_page(alice: Client) -> None:
    response = alice.get("/suppliers/?page=99999999999999999999")
    assert response.status_code == 400 and b"page must be a whole number" in response.content


def test_an_id_beyond_bigint_is_not_found(alice: Client, users: dict[str, User]) -> None:
    assert alice.get("/assessments/99999999999999999999/").status_code == 404
    api = Api(users["commercial"]).get("cases/99999999999999999999")
    assert api.status_code == 404 and api.json() == {"detail": "Not Found"}


def _fullwidth(digits: str) -> str:
    return quote("".join(chr(0xFF10 + int(d)) for d in digits))


@pytest.mark.parametrize(
    "written",
    [lambda i: f"0_{i}", lambda i: f"+{i}", lambda i: f"%20{i}", lambda i: f"{i}%20", _fullwidth],
    ids=["underscore", "plus", "leading space", "trailing space", "fullwidth digits"],
)
def test_an_api_id_that_is_not_plain_digits_is_not_found(
    users: dict[str, User], written: Callable[[str], str]
) -> None:
    api = Api(users["commercial"])
    created = api.send("POST", "cases", {"title": "Ids", "answers": {}})
    assert created.status_code in (200, 201), created.content
    case_id = str(created.json()["id"])
    assert api.get(f"cases/{case_id}").status_code == 200
    response = api.get(f"cases/{written(case_id)}")
    assert response.status_code == 404 and response.json() == {"detail": "Not Found"}


def _routes(patterns: list[Any], prefix: str = "") -> list[str]:
    found = []
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found += _routes(entry.url_patterns, route)
        else:
            found.append(route)
    return found


def test_every_id_in_an_address_is_read_by_a_digits_only_converter() -> None:
    """An id is `{int:name}` in an API path (django-ninja) and `<int:name>` on a page: Django's
    int converter matches ASCII digits only, so "1_0" or full-width digits match no route."""
    routes = _routes(get_resolver().url_patterns)
    assert any(r.startswith("api/v1/cases/<int:case_id>") for r in routes)
    lenient = [
        route
        for route in routes
        for converter, name in re.findall(r"<(?:(\w+):)?(\w+)>", route)
        if (name in ("id", "pk") or name.endswith("_id"))
        and converter != "int"
        # A ruleset's rule is named by its text id ("R02").
        and not (name == "rule_id" and route.startswith("rulesets/"))
        and not route.startswith("admin/")  # Django admin reads its own ids
    ]
    assert lenient == [], "write ids as {int:name} (API) or <int:name> (pages)"


def test_a_big_number_within_bigint_is_left_to_the_view(alice: Client) -> None:
    assert alice.get("/assessments/9223372036854775807/").status_code == 404


@pytest.mark.parametrize(
    ("role", "address", "belongs_to"),
    [
        ("commercial", "/cases/{reference}/assess/", "/cases/{reference}/"),
        ("steward", "/rulesets/2026.2/impact/", "/rulesets/2026.2/"),
        ("reviewer", "/review/{reference}/reopen/", "/review/{reference}/"),
    ],
)
def test_opening_a_post_only_address_shows_a_govuk_405_page_with_allow(
    users: dict[str, User],
    client_as: Callable[[User | None], Client],
    role: str,
    address: str,
    belongs_to: str,
) -> None:
    reference = case_create(by=users["commercial"], title="Payments").reference
    response = client_as(users[role]).get(address.format(reference=reference))
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    html = response.content.decode()
    assert "<title>This address is for sending a form" in html and "govuk-template" in html
    assert f'href="{belongs_to.format(reference=reference)}"' in html


def test_a_view_s_own_405_is_styled_too(alice: Client) -> None:
    response = alice.post("/cases/")  # the list's view allows GET and HEAD only
    assert response.status_code == 405
    assert response["Allow"] and "POST" not in response["Allow"]
    assert b"This address is for sending a form" in response.content


def test_every_page_response_varies_on_hx_request(alice: Client) -> None:
    for response in (alice.get("/cases/"), alice.get("/cases/%00/"), alice.get("/nowhere/")):
        assert "HX-Request" in response["Vary"], response.status_code
