"""Supplier pages: search and filters, constant queries with 2,000 suppliers, maintenance,
segments."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from decisions.audit.models import AuditEvent
from decisions.presenter import date_text
from decisions.records.models import DecisionRecord
from sourcing.models import User
from suppliers.catalogue import catalogue_import, supplier_save, supplier_values
from suppliers.contracts import contract_record
from suppliers.demo import demo_catalogue_csv
from suppliers.models import Supplier
from suppliers.selectors import supplier_for_form, supplier_search
from tests.factories import approved_case, catalogue_bytes, catalogue_row

ClientAs = Callable[[User | None], Client]


def _html(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_search_filters_by_text_segment_framework_and_size(
    users: dict[str, User], client_as: ClientAs
) -> None:
    catalogue_import(
        by=users["admin"],
        raw=catalogue_bytes(
            catalogue_row(),
            catalogue_row(
                company_number="SC123456",
                name="Highland Integrators plc",
                segments="systems-integrators",
                sme="no",
                frameworks="tech-services",
                capabilities="payroll",
            ),
        ),
    )
    client = client_as(users["commercial"])
    assert "2 suppliers" in _html(client.get("/suppliers/"))
    for query, found, hidden in [
        ({"q": "highland"}, "Highland", "Example Software"),
        ({"q": "payroll"}, "Highland", "Example Software"),
        ({"q": "sc123456"}, "Highland", "Example Software"),
        ({"segment": "saas-platforms"}, "Example Software", "Highland"),
        ({"framework": "tech-services"}, "Highland", "Example Software"),
        ({"sme": "yes"}, "Example Software", "Highland"),
    ]:
        html = _html(client.get("/suppliers/", query))
        assert found in html and hidden not in html, query
    bad = _html(client.get("/suppliers/", {"segment": "nonsense", "q": "x" * 101}))
    assert "There is a problem" in bad


def test_the_search_query_count_is_the_same_with_2000_suppliers(
    users: dict[str, User], client_as: ClientAs, django_assert_num_queries: Any
) -> None:
    catalogue_import(by=users["admin"], raw=demo_catalogue_csv(20))
    client = client_as(users["auditor"])
    client.get("/suppliers/")  # warm the session
    with CaptureQueriesContext(connection) as few:
        _html(client.get("/suppliers/", {"segment": "specialist-smes"}))
    started = time.perf_counter()
    catalogue_import(by=users["admin"], raw=demo_catalogue_csv(2000))
    assert time.perf_counter() - started < 10
    assert Supplier.objects.count() == 2000
    with django_assert_num_queries(len(few.captured_queries)):
        html = _html(client.get("/suppliers/", {"segment": "specialist-smes", "page": 3}))
    assert "govuk-pagination" in html
    with django_assert_num_queries(len(few.captured_queries)):
        _html(client.get("/suppliers/", {"segment": "specialist-smes"}))


def test_the_centre_of_excellence_changes_a_supplier(
    users: dict[str, User], client_as: ClientAs
) -> None:
    catalogue_import(by=users["admin"], raw=catalogue_bytes(catalogue_row()))
    client = client_as(users["reviewer"])
    form = _html(client.get("/suppliers/01234567/edit/"))
    assert 'value="Example Software Ltd"' in form
    refused = client.post(
        "/suppliers/01234567/edit/",
        {"name": "", "primary_segment": "saas-platforms", "sme": "yes"},
    )
    assert "Enter the supplier&#x27;s name" in _html(refused)
    saved = client.post(
        "/suppliers/01234567/edit/",
        {
            "name": "Example Cloud Ltd",
            "primary_segment": "saas-platforms",
            "other_segments": ["specialist-smes"],
            "sme": "yes",
            "frameworks": ["g-cloud", "dos"],
            "capabilities": "crm, workflow",
            "classification": "official_sensitive",
            "clearance": "sc",
            "regions": ["london"],
        },
    )
    assert saved.status_code == 302
    supplier = Supplier.objects.get()
    assert supplier.name == "Example Cloud Ltd" and supplier.capabilities == ["crm", "workflow"]
    assert supplier.classification == "official_sensitive"
    assert AuditEvent.objects.filter(action="supplier.changed").count() == 1
    detail = _html(client_as(users["commercial"]).get("/suppliers/01234567/"))
    assert "Example Cloud Ltd" in detail and "OFFICIAL-SENSITIVE" in detail
    assert "/edit/" not in detail


def test_the_edit_form_shows_a_suppliers_segments_and_frameworks_as_stored(
    users: dict[str, User], client_as: ClientAs
) -> None:
    # The main segment is the first in the catalogue's order, the others checked, the
    # frameworks checked: from the supplier's one query (supplier_for_form), the same as
    # supplier_values reads them from the supplier's relations.
    row = catalogue_row(segments="specialist-smes;saas-platforms", frameworks="dos;g-cloud")
    supplier = supplier_save(by=users["admin"], values=row)
    found = supplier_for_form("01234567")
    assert found is not None and found[0] == supplier
    assert supplier_values(supplier, segments=found[1], frameworks=found[2]) == (
        supplier_values(Supplier.objects.get(pk=supplier.pk))
    )
    assert supplier_for_form("76543210") is None
    client = client_as(users["reviewer"])
    form = _html(client.get("/suppliers/01234567/edit/"))
    primary = re.search(r'<select[^>]*id="id_primary_segment".*?</select>', form, re.S)
    assert primary is not None
    selected = re.findall(r'<option value="([^"]*)" selected>', primary.group(0))
    assert selected == [found[1][0]] and found[1][0] in {"saas-platforms", "specialist-smes"}
    checked = set(re.findall(r'value="([^"]*)"[^>]*checked', form))
    assert {*found[1][1:], "dos", "g-cloud"} <= checked
    with CaptureQueriesContext(connection) as edit:
        client.get("/suppliers/01234567/edit/")
    # The supplier with its keys, and every segment and framework's key and name: two reads.
    assert len([q for q in edit.captured_queries if '"suppliers_' in q["sql"]]) == 2


def test_a_new_supplier_is_added_through_the_form(
    users: dict[str, User], client_as: ClientAs
) -> None:
    client = client_as(users["admin"])
    empty = _html(client.post("/suppliers/new/", {}))
    assert "Enter the company number" in empty and "Enter at least one segment" in empty
    done = client.post(
        "/suppliers/new/",
        {
            "company_number": "12345678",
            "name": "New Ltd",
            "primary_segment": "specialist-smes",
            "sme": "yes",
        },
    )
    assert done.status_code == 302 and done["Location"] == "/suppliers/12345678/"


def test_segments_show_business_model_incentives_and_approach(
    users: dict[str, User], client_as: ClientAs
) -> None:
    client = client_as(users["steward"])
    listing = _html(client.get("/suppliers/segments/"))
    assert "8 segments" in listing and "Systems integrators" in listing
    detail = _html(client.get("/suppliers/segments/systems-integrators/"))
    assert "Procure in lots" in detail and "Incentives" in detail and "Exit points" in detail
    assert client.get("/suppliers/segments/nonsense/").status_code == 404


def test_a_segments_page_counts_its_suppliers_and_smes_in_one_query(
    users: dict[str, User], client_as: ClientAs
) -> None:
    rows = [
        catalogue_row(company_number="01000001", name="A", segments="saas-platforms", sme="yes"),
        catalogue_row(
            company_number="01000002", name="B", segments="specialist-smes;saas-platforms"
        ),
        catalogue_row(company_number="01000003", name="C", segments="saas-platforms", sme="no"),
        catalogue_row(company_number="01000004", name="D", segments="specialist-smes", sme="no"),
    ]
    catalogue_import(by=users["admin"], raw=catalogue_bytes(*rows))
    client = client_as(users["commercial"])
    saas = _html(client.get("/suppliers/segments/saas-platforms/"))
    assert "The catalogue has 3 suppliers in this segment, 2 of them SMEs." in saas
    empty = _html(client.get("/suppliers/segments/hardware-resellers/"))
    assert "The catalogue has 0 suppliers in this segment, 0 of them SMEs." in empty
    with CaptureQueriesContext(connection) as queries:
        client.get("/suppliers/segments/specialist-smes/")
    assert len([q for q in queries.captured_queries if '"suppliers_' in q["sql"]]) == 1


def test_the_text_search_matches_parts_of_words_and_postgresql_reads_the_trigram_index(
    users: dict[str, User], client_as: ClientAs
) -> None:
    catalogue_import(by=users["admin"], raw=demo_catalogue_csv(200))
    catalogue_import(
        by=users["admin"],
        # "Digital" typed in full-width letters
        raw=catalogue_bytes(
            catalogue_row(name="Straßenbahn \uff24\uff49\uff47\uff49\uff54\uff41\uff4c")
        ),
    )
    client = client_as(users["commercial"])
    # Case-folded (ß is ss), across the middle of words, typed in full-width letters.
    for typed in ("STRASSENBAHN", "enbahn dig", "\uff42\uff41\uff48\uff4e DIGITAL"):
        assert "Straßenbahn" in _html(client.get("/suppliers/", {"q": typed})), typed
    assert "Straßenbahn" not in _html(client.get("/suppliers/", {"q": "strassenbahn%"}))
    if connection.vendor != "postgresql":
        return  # the embedded default scans, with the same results
    with connection.cursor() as cursor:
        # A small table: make the planner choose between the indexes for the search.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    plan = supplier_search(q="enbahn dig").explain()
    assert "suppliers_supplier_search_trgm" in plan, plan


def test_the_list_shows_each_suppliers_segments_frameworks_size_and_classification(
    users: dict[str, User], client_as: ClientAs
) -> None:
    catalogue_import(
        by=users["admin"],
        raw=catalogue_bytes(
            catalogue_row(
                segments="systems-integrators;saas-platforms",
                frameworks="tech-services;g-cloud",
                classification="official_sensitive",
                sme="no",
            ),
            catalogue_row(company_number="SC123456", name="Zeta Builders Ltd", frameworks=""),
        ),
    )
    html = _html(client_as(users["commercial"]).get("/suppliers/"))
    example, zeta = html.split("Example Software Ltd</a>")[1].split("Zeta Builders Ltd</a>")
    # Segments and frameworks in their order (position), whatever order the row gave them in.
    assert "Productivity and SaaS platforms; Systems integrators" in example, example
    assert "G-Cloud; Technology Services" in example, example
    assert "Large" in example and "OFFICIAL-SENSITIVE" in example
    assert "None" in zeta.split("</tr>")[0] and "SME" in zeta.split("</tr>")[0]


def test_the_contract_page_lists_the_case_s_contracts_and_their_review_dates_soonest_first(
    users: dict[str, User], client_as: Callable[[User | None], Client]
) -> None:
    owner = users["commercial"]
    case = approved_case(owner, users["reviewer"])
    first = supplier_save(by=users["admin"], values=catalogue_row())
    second = supplier_save(
        by=users["admin"],
        values=catalogue_row(company_number="07654321", name="Second Supplier Ltd"),
    )
    contract_record(
        case=case,
        by=owner,
        supplier=first,
        value_gbp=250_000,
        start=date(2026, 4, 1),
        end=date(2029, 3, 31),
        break_points=[date(2027, 4, 1)],
    )
    contract_record(
        case=case,
        by=owner,
        supplier=second,
        value_gbp=90_000,
        start=date(2026, 6, 1),
        end=date(2028, 5, 31),
    )
    page = client_as(owner).get(f"/cases/{case.reference}/contracts/").content.decode()
    html = " ".join(page.split())
    review_by = DecisionRecord.objects.get(case=case).review_by
    listed = html.split("bring the decision up for review", 1)[1].split("</ul>", 1)[0]
    assert re.findall(r"<li>([^<]+)</li>", listed) == [
        f"{date_text(review_by)}: the decision's review-by date",
        f"{date_text(date(2027, 4, 1))}: Break point of the Example Software Ltd contract",
        f"{date_text(date(2028, 5, 31))}: End of the Second Supplier Ltd contract",
        f"{date_text(date(2029, 3, 31))}: End of the Example Software Ltd contract",
    ]
    table = html.split("Contracts recorded for this case", 1)[1]
    assert table.index("Second Supplier Ltd") < table.index(
        "Example Software Ltd"
    )  # latest start first
    assert "£250,000" in table and "£90,000" in table


def test_each_supplier_lists_its_segments_and_frameworks_in_their_order(
    users: dict[str, User], client_as: ClientAs
) -> None:
    catalogue_import(
        by=users["admin"],
        raw=catalogue_bytes(
            catalogue_row(
                segments="systems-integrators;saas-platforms;specialist-smes",
                frameworks="tech-services;g-cloud",
            ),
            catalogue_row(company_number="SC123456", name="No Frameworks Ltd", frameworks=""),
        ),
    )
    html = _html(client_as(users["commercial"]).get("/suppliers/"))
    supplier = Supplier.objects.get(company_number="01234567")
    segments = "; ".join(s.name for s in supplier.segments.order_by("position", "key"))
    frameworks = "; ".join(f.name for f in supplier.frameworks.order_by("position", "key"))
    assert segments.count(";") == 2 and frameworks.count(";") == 1
    assert f'<td class="govuk-table__cell">{segments}</td>' in html
    assert f'<td class="govuk-table__cell">{frameworks}</td>' in html
    assert '<td class="govuk-table__cell">None</td>' in html  # no frameworks
    api = client_as(users["commercial"]).get("/api/v1/suppliers", {"q": "example"}).json()
    assert api["count"] == 1
    assert api["items"][0]["segments"] == [
        s.key for s in supplier.segments.order_by("position", "key")
    ]
    assert api["items"][0]["frameworks"] == [
        f.key for f in supplier.frameworks.order_by("position", "key")
    ]


def test_the_kept_supplier_rows_show_each_change_to_what_they_show_at_once(
    users: dict[str, User], client_as: ClientAs
) -> None:
    supplier = supplier_save(by=users["admin"], values=catalogue_row())
    client = client_as(users["commercial"])

    def row() -> str:
        html = _html(client.get("/suppliers/"))
        return html.split('<tbody class="govuk-table__body">')[1].split("</tr>")[0]

    assert "Example Software Ltd" in row() and "G-Cloud" in row()
    for changes, shown in [
        ({"name": "Renamed Software Ltd"}, "Renamed Software Ltd"),
        ({"sme": "no"}, "Large"),
        ({"frameworks": "g-cloud;tech-services"}, "G-Cloud; Technology Services"),
        ({"segments": "saas-platforms;systems-integrators"}, "; Systems integrators"),
        ({"classification": "official_sensitive"}, "OFFICIAL-SENSITIVE"),
    ]:
        values = {**catalogue_row(name="Renamed Software Ltd"), **changes}
        supplier = supplier_save(by=users["admin"], values=values, supplier=supplier)
        assert shown in row(), changes
