"""GET /api/v1/segments and /api/v1/suppliers."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sourcing.models import User
from suppliers.catalogue import catalogue_import
from suppliers.demo import demo_catalogue_csv
from suppliers.models import Framework, Segment
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


def test_a_suppliers_segments_and_frameworks_come_in_their_order_in_one_query(
    users: dict[str, User], client_as: ClientAs
) -> None:
    # Segments and frameworks are ordered by (position, key) as the catalogue orders them,
    # whatever order the row names them in; the page, its count and the keys are one query.
    row = catalogue_row(
        segments="specialist-smes;hyperscale-cloud;saas-platforms",
        frameworks="dos;g-cloud",
    )
    catalogue_import(by=users["admin"], raw=catalogue_bytes(row))
    client = client_as(users["commercial"])
    client.get("/api/v1/suppliers")
    with CaptureQueriesContext(connection) as queries:
        item = client.get("/api/v1/suppliers").json()["items"][0]
    in_order = [s.key for s in Segment.objects.filter(key__in=row["segments"].split(";"))]
    assert item["segments"] == in_order and len(in_order) == 3
    assert item["frameworks"] == [
        f.key for f in Framework.objects.filter(key__in=["dos", "g-cloud"])
    ]
    # Nothing reads the segments or frameworks apart from the list's one query.
    catalogue = [q["sql"] for q in queries.captured_queries if "suppliers_" in q["sql"]]
    assert len(catalogue) == 1 and '"suppliers_supplier"' in catalogue[0]
    none = client.get("/api/v1/suppliers", {"segment": "hardware-resellers"}).json()
    assert none["count"] == 0 and none["items"] == []  # a known segment with no supplier
