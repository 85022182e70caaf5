"""Contracts: recorded by the department for an approved case, refused by name when wrong,
seen by their own department only (and the Centre of Excellence and auditors), and their
break points and ends feed the review-by dates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from decisions.audit.models import AuditEvent
from decisions.records.models import DecisionRecord
from sourcing.errors import TransitionRefused, ValidationFailed
from sourcing.models import User
from suppliers.catalogue import supplier_save
from suppliers.contracts import (
    contract_due_record_ids,
    contract_record,
    contract_review_dates,
    contracts_visible_to,
    next_review_date,
)
from suppliers.models import Contract, Supplier
from tests.factories import approved_case, assessed_case, catalogue_row

ClientAs = Callable[[User | None], Client]
START = date(2026, 4, 1)
END = date(2029, 3, 31)


@pytest.fixture
def supplier(users: dict[str, User]) -> Supplier:
    return supplier_save(by=users["admin"], values=catalogue_row())


def _record(case, user, supplier_, **changes):  # type: ignore[no-untyped-def]
    values = {
        "case": case,
        "by": user,
        "supplier": supplier_,
        "value_gbp": 250_000,
        "start": START,
        "end": END,
        "break_points": [date(2027, 4, 1)],
        "extends_incumbent": False,
    }
    return contract_record(**{**values, **changes})


def test_a_department_records_a_contract_for_its_approved_case(
    users: dict[str, User], supplier: Supplier
) -> None:
    case = approved_case(users["commercial"], users["reviewer"])
    contract = _record(case, users["commercial"], supplier)
    assert contract.department == case.department and contract.segment.key == "saas-platforms"
    event = AuditEvent.objects.get(action="contract.recorded")
    assert event.payload["value_gbp"] == 250_000 and event.payload["supplier"] == "01234567"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"end": START}, "end"),
        ({"end": START - timedelta(days=1)}, "end"),
        ({"value_gbp": -1}, "value_gbp"),
        ({"value_gbp": 12.5}, "value_gbp"),
        ({"break_points": [END + timedelta(days=1)]}, "break_points"),
        ({"break_points": [START]}, "break_points"),
        ({"supplier": None}, "supplier"),
    ],
)
def test_bad_contracts_are_refused_by_name(
    users: dict[str, User], supplier: Supplier, changes: dict, field: str
) -> None:
    case = approved_case(users["commercial"], users["reviewer"])
    with pytest.raises(ValidationFailed) as caught:
        _record(case, users["commercial"], supplier, **changes)
    assert list(caught.value.errors) == [field]
    assert Contract.objects.count() == 0


def test_only_the_own_department_and_only_after_approval(
    users: dict[str, User], supplier: Supplier
) -> None:
    pending = assessed_case(users["commercial"])
    with pytest.raises(TransitionRefused):
        _record(pending, users["commercial"], supplier)
    approved = approved_case(users["commercial"], users["reviewer"])
    for someone in ("outsider", "reviewer"):
        with pytest.raises(TransitionRefused):
            _record(approved, users[someone], supplier)


def test_department_users_see_their_own_contracts_only(
    users: dict[str, User], supplier: Supplier, client_as: ClientAs
) -> None:
    own = approved_case(users["commercial"], users["reviewer"])
    foreign = approved_case(users["outsider"], users["reviewer"])
    _record(own, users["commercial"], supplier)
    _record(foreign, users["outsider"], supplier, value_gbp=777_777)
    assert contracts_visible_to(users["commercial"]).count() == 1
    assert contracts_visible_to(users["auditor"]).count() == 2
    assert contracts_visible_to(users["steward"]).count() == 0
    mine = client_as(users["commercial"]).get("/contracts/").content.decode()
    assert "£250,000" in mine and "£777,777" not in mine
    assert "£777,777" in client_as(users["reviewer"]).get("/contracts/").content.decode()
    supplier_page = client_as(users["commercial"]).get("/suppliers/01234567/").content.decode()
    assert "£777,777" not in supplier_page and "£250,000" in supplier_page
    every = client_as(users["auditor"]).get("/suppliers/01234567/").content.decode()
    assert "£777,777" in every and "£250,000" in every
    none = client_as(users["steward"]).get("/suppliers/01234567/").content.decode()
    assert "£" not in none and "Contracts with this supplier" not in none
    form = client_as(users["commercial"]).get(f"/cases/{foreign.reference}/contracts/")
    assert form.status_code == 404


def test_the_contract_form_records_and_refuses_by_field(
    users: dict[str, User], supplier: Supplier, client_as: ClientAs
) -> None:
    case = approved_case(users["commercial"], users["reviewer"])
    client = client_as(users["commercial"])
    url = f"/cases/{case.reference}/contracts/"
    bad = client.post(
        url,
        {
            "supplier": "01234567",
            "value_gbp": "-5",
            "start_day": "1",
            "start_month": "4",
            "start_year": "2026",
            "end_day": "1",
            "end_month": "3",
            "end_year": "2026",
            "extends_incumbent": "no",
        },
    )
    html = bad.content.decode()
    assert bad.status_code == 200 and "The contract value must be £0 or more" in html
    good = client.post(
        url,
        {
            "supplier": "01234567",
            "value_gbp": "£1,250,000",
            "start_day": "1",
            "start_month": "4",
            "start_year": "2026",
            "end_day": "1",
            "end_month": "3",
            "end_year": "2026",
            "extends_incumbent": "yes",
        },
    )
    assert (
        good.status_code == 200
        and "The end date must be after the start date" in good.content.decode()
    )
    done = client.post(
        url,
        {
            "supplier": "01234567",
            "value_gbp": "£1,250,000",
            "start_day": "1",
            "start_month": "4",
            "start_year": "2026",
            "end_day": "31",
            "end_month": "3",
            "end_year": "2029",
            "break_points": "1 4 2027\n2028-04-01",
            "extends_incumbent": "yes",
        },
    )
    assert done.status_code == 302
    contract = Contract.objects.get()
    assert contract.value_gbp == 1_250_000 and contract.break_points == ["2027-04-01", "2028-04-01"]
    assert contract.extends_incumbent


def test_break_points_and_ends_feed_the_review_dates(
    users: dict[str, User], supplier: Supplier
) -> None:
    case = approved_case(users["commercial"], users["reviewer"])
    record = DecisionRecord.objects.get(case=case)
    today = date.today()
    _record(
        case,
        users["commercial"],
        supplier,
        start=today - timedelta(days=10),
        end=today + timedelta(days=400),
        break_points=[today + timedelta(days=60)],
    )
    dates = contract_review_dates(record)
    assert [(d.when, d.kind) for d in dates] == [
        (today + timedelta(days=60), "break point"),
        (today + timedelta(days=400), "end"),
    ]
    assert next_review_date(record, today=today) == min(
        record.review_by, today + timedelta(days=60)
    )
    assert contract_due_record_ids(today=today, until=today + timedelta(days=90)) == {record.pk}
    assert contract_due_record_ids(today=today, until=today + timedelta(days=30)) == set()


def test_the_contract_list_renders_afresh_when_a_value_it_shows_changes(
    users: dict[str, User], supplier: Supplier, client_as: ClientAs
) -> None:
    """Its table is kept under a hash of the values shown: a renamed supplier or a changed end
    date is a new key, so the page never shows the table kept for the old values."""
    client = client_as(users["reviewer"])
    contract = _record(
        approved_case(users["commercial"], users["reviewer"]), users["commercial"], supplier
    )
    page = client.get("/contracts/").content.decode()
    assert "Example Software Ltd" in page and "31 March 2029" in page
    table = page[page.index("<table") : page.index("</table>")]
    assert table in client.get("/contracts/").content.decode()  # the kept table, same bytes
    supplier_save(
        by=users["admin"], values=catalogue_row(name="Renamed Software Ltd"), supplier=supplier
    )
    page = client.get("/contracts/").content.decode()
    assert "Renamed Software Ltd" in page and "Example Software Ltd" not in page
    # No service changes a contract once recorded; a corrected row must still show as it is.
    Contract.objects.filter(pk=contract.pk).update(end_date=date(2030, 3, 31))
    page = client.get("/contracts/").content.decode()
    assert "31 March 2030" in page and "31 March 2029" not in page


def test_the_contracts_let_are_a_fragment_of_the_record_page_and_a_page_without_javascript(
    users: dict[str, User], supplier: Supplier, client_as: ClientAs
) -> None:
    case = approved_case(users["commercial"], users["reviewer"])
    _record(case, users["commercial"], supplier, value_gbp=1_234_567)
    url = reverse("case_contracts", args=[case.reference])
    for role in ("commercial", "reviewer", "auditor"):
        client = client_as(users[role])
        fragment = client.get(url, HTTP_HX_REQUEST="true").content.decode()
        assert "<html" not in fragment and "Contracts let" in fragment
        assert "£1,234,567" in fragment and supplier.name in fragment
        page = client.get(url).content.decode()
        assert "<html" in page and "£1,234,567" in page
    assert client_as(users["outsider"]).get(url).status_code == 404
    record = DecisionRecord.objects.get(case=case)
    html = client_as(users["auditor"]).get(reverse("record_detail", args=[record.pk])).content
    assert f'hx-get="{url}"'.encode() in html and f'href="{url}"'.encode() in html


def test_a_break_point_brings_the_decision_onto_the_due_for_review_list(
    users: dict[str, User], supplier: Supplier, client_as: ClientAs
) -> None:
    case = approved_case(users["commercial"], users["reviewer"])
    record = DecisionRecord.objects.get(case=case)
    due = client_as(users["reviewer"]).get(reverse("review_due")).content.decode()
    assert record.reference not in due  # its review-by date is years away
    today = date.today()
    _record(
        case,
        users["commercial"],
        supplier,
        start=today - timedelta(days=10),
        end=today + timedelta(days=400),
        break_points=[today + timedelta(days=60)],
    )
    due = client_as(users["reviewer"]).get(reverse("review_due")).content.decode()
    assert record.reference in due
    point = today + timedelta(days=60)
    assert f"{point.day} {point:%B %Y}" in due and "Due in 60 days" in due


def test_the_supplier_page_shows_each_contract_in_the_same_queries_however_many(
    users: dict[str, User], supplier: Supplier, client_as: ClientAs
) -> None:
    client = client_as(users["reviewer"])
    first = approved_case(users["commercial"], users["reviewer"])
    _record(first, users["commercial"], supplier)
    with CaptureQueriesContext(connection) as one:
        page = client.get("/suppliers/01234567/").content.decode()
    assert first.reference in page and "Department A" in page and "£250,000" in page
    assert "1 April 2027" in page  # the break point
    for value in (300_000, 400_000):
        _record(
            approved_case(users["outsider"], users["reviewer"]),
            users["outsider"],
            supplier,
            value_gbp=value,
        )
    with CaptureQueriesContext(connection) as three:
        page = client.get("/suppliers/01234567/").content.decode()
    assert "£300,000" in page and "£400,000" in page and "Department B" in page
    assert len(three.captured_queries) == len(one.captured_queries)
