"""The API documentation page (sourcing.api_docs): every operation of the OpenAPI document,
as a GOV.UK page rendered on the server."""

from __future__ import annotations

import html
import json

from django.test import Client
from ninja.responses import NinjaJSONEncoder

from sourcing.api import api
from sourcing.api_docs import api_sections


def test_every_operation_of_the_openapi_document_is_on_the_docs_page(db: None) -> None:
    document = api.get_openapi_schema()
    page = html.unescape(Client().get("/api/v1/docs").content.decode())
    operations = [
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    ]
    assert len(operations) > 20
    for method, path in operations:
        assert f"<code>{method} {path}</code>" in page, (method, path)


def test_the_docs_page_is_a_govuk_page_without_scripts_of_its_own(db: None) -> None:
    response = Client().get("/api/v1/docs")
    page = response.content.decode()
    assert response.status_code == 200 and 'lang="en-GB"' in page and "<main" in page
    assert "swagger" not in page.lower() and "cdn." not in page
    assert page.count("<script") == Client().get("/sign-in/").content.decode().count("<script")


def test_bodies_and_parameters_are_described_field_by_field() -> None:
    sections = dict(api_sections(api.get_openapi_schema()))
    operations = {(o.method, o.path): o for ops in sections.values() for o in ops}
    create = operations[("POST", "/api/v1/cases")]
    assert [(f.name, f.type, f.required) for f in create.body] == [
        ("title", "text", True),
        ("summary", "text", False),
        ("answers", "object", False),
    ]
    review = operations[("POST", "/api/v1/cases/{case_id}/review")]
    assert ("review_by", "text (or null)") in [(f.name, f.type) for f in review.body]
    suppliers = operations[("GET", "/api/v1/suppliers")]
    limit = next(p for p in suppliers.parameters if p.name == "limit")
    assert (limit.where, limit.type, limit.notes) == (
        "query",
        "whole number",
        "from 1 to 200; default 50",
    )


def test_the_openapi_document_is_built_once_and_served_as_built_from_the_routes(db: None) -> None:
    served = Client().get("/api/v1/openapi.json").json()  # the URLs are generated: routes fixed
    kept = api.openapi_text()
    assert api.openapi_text() is kept  # built once, not per request
    fresh = json.loads(json.dumps(api._openapi_built(api.get_root_path({})), cls=NinjaJSONEncoder))
    assert served == json.loads(kept) == fresh == api.get_openapi_schema()
    assert fresh["paths"]["/api/v1/audit/verify"]["get"]["responses"]["429"]["headers"]


def test_each_caller_gets_its_own_copy_of_the_kept_openapi_document(db: None) -> None:
    api.get_openapi_schema()["paths"].clear()
    assert "/api/v1/cases" in api.get_openapi_schema()["paths"]
    page = html.unescape(Client().get("/api/v1/docs").content.decode())
    assert "<code>POST /api/v1/cases</code>" in page
