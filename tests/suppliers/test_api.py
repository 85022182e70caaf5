"""GET /api/v1/segments and /api/v1/suppliers."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from sourcing.models import User
from suppliers.catalogue import catalogue_import
from suppliers.demo import demo_catalogue_csv
from tests.factories import catalogue_bytes, catalogue_row

ClientAs = Callable[[User | None], Client]


def test_segments_list_the_eight_with_their_approach(
    users: dict[str, User], client_as: ClientAs
) -> None:
    page = client_as(users["commercial"]).get("/api/v1/segments").json()
    body = page["items"]
    assert page["count"] == len(body) == 8
    first = body[0]
    assert {"key", "name", "business_model", "incentives", "approach", "fits"} <= set(first)
    by_key = {s["key"]: s for s in body}
    assert by_key["hyperscale-cloud"]["fits"] == ["buy", "partner"]
    assert by_key["systems-integrators"]["fits"] == ["procure"]
    assert client_as(None).get("/api/v1/segments").status_code == 401
    second = client_as(users["commercial"]).get("/api/v1/segments", {"limit": 3, "offset": 3})
    assert [s["key"] for s in second.json()["items"]] == [s["key"] for s in body[3:6]]


def test_suppliers_filter_by_segment_and_text_and_page(
    users: dict[str, User], client_as: ClientAs
) -> None:
    catalogue_import(by=users["admin"], raw=demo_catalogue_csv(120))
    client = client_as(users["auditor"])
    everything = client.get("/api/v1/suppliers").json()
    assert everything["count"] == 120 and len(everything["items"]) == 50
    page = client.get("/api/v1/suppliers", {"limit": 30, "offset": 100}).json()
    assert len(page["items"]) == 20
    smes = client.get("/api/v1/suppliers", {"segment": "specialist-smes", "limit": 200}).json()
    assert smes["count"] == len(smes["items"]) > 0
    assert all("specialist-smes" in s["segments"] for s in smes["items"])
    ledger = client.get("/api/v1/suppliers", {"q": "Ledgerline Payroll"}).json()
    assert [s["company_number"] for s in ledger["items"]] == ["09120001"]
    item = ledger["items"][0]
    assert item["frameworks"] == ["g-cloud"] and item["sme"] is False


def test_bad_supplier_queries_are_422(users: dict[str, User], client_as: ClientAs) -> None:
    catalogue_import(by=users["admin"], raw=catalogue_bytes(catalogue_row()))
    client = client_as(users["commercial"])
    unknown = client.get("/api/v1/suppliers", {"segment": "nonsense"})
    assert unknown.status_code == 422
    assert unknown.json()["detail"][0]["loc"] == ["query", "segment"]
    assert client.get("/api/v1/suppliers", {"limit": 201}).status_code == 422
    assert client.get("/api/v1/suppliers", {"offset": -1}).status_code == 422
