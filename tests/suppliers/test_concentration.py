"""The concentration radar's figures on small, hand-computed examples."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from decisions.cases.services import case_submit
from sourcing.models import Department, User
from suppliers.catalogue import supplier_save
from suppliers.concentration import hhi, hhi_level, joint_demand, percent, radar, totals
from suppliers.contracts import contract_record
from suppliers.models import Contract, Segment
from tests.factories import approved_case, assessed_case, catalogue_row

ClientAs = Callable[[User | None], Client]


def test_hhi_is_the_sum_of_squared_percentage_shares() -> None:
    assert hhi([600, 300, 100]) == 60**2 + 30**2 + 10**2 == 4600
    assert hhi([1, 1, 1, 1]) == 2500
    assert hhi([5]) == 10_000
    assert hhi([1, 2]) == round((100 / 3) ** 2 + (200 / 3) ** 2) == 5556
    assert hhi([]) is None and hhi([0, 0]) is None
    assert hhi_level(2501) == "Highly concentrated" and hhi_level(2500) == "Moderately concentrated"
    assert hhi_level(1499) == "Not concentrated" and percent(1, 3) == 33 and percent(2, 3) == 67


def _contract(supplier, department, case_id, value):  # type: ignore[no-untyped-def]
    return Contract(
        supplier=supplier,
        department=department,
        case_id=case_id,
        segment_id=supplier.primary_segment_id,
        value_gbp=value,
    )


def test_segment_figures_and_warnings_on_a_hand_computed_example(
    users: dict[str, User], dept_a: Department, dept_b: Department
) -> None:
    def make(number: str, name: str, segment: str):  # type: ignore[no-untyped-def]
        return supplier_save(
            by=users["admin"],
            values=catalogue_row(company_number=number, name=name, segments=segment),
        )

    a, b, c = (make(f"0000000{n}", f"SI {n}", "systems-integrators") for n in (1, 2, 3))
    quarter = [make(f"1000000{n}", f"SaaS {n}", "saas-platforms") for n in range(4)]
    contracts = [
        _contract(a, dept_a, 1, 400_000),
        _contract(a, dept_b, 2, 200_000),  # A: 600k of 1m = 60%
        _contract(b, dept_a, 3, 300_000),
        _contract(c, dept_b, 4, 100_000),
        *(_contract(s, dept_a, 10 + i, 50_000) for i, s in enumerate(quarter)),  # 25% each
    ]
    suppliers, segments = totals(contracts)
    by_key = {s.segment.key: s for s in segments}
    si, saas = by_key["systems-integrators"], by_key["saas-platforms"]
    assert (si.value, si.contracts, si.decisions, si.suppliers) == (1_000_000, 4, 4, 3)
    assert (si.hhi, si.top_name, si.top_share, si.top_n_share) == (4600, "SI 1", 60, 100)
    assert si.level == "Highly concentrated"
    assert si.warnings == [
        "SI 1 holds 60% of the contract value in this segment (over 25%)",
        "Highly concentrated: HHI 4,600 is over 2,500",
    ]
    assert (saas.hhi, saas.top_share, saas.warnings) == (2500, 25, [])  # 25% is not over 25%
    assert by_key["hardware-resellers"].hhi is None
    assert suppliers[0].supplier == a and suppliers[0].value == 600_000
    assert suppliers[0].decisions == 2 and suppliers[0].department_names == [
        "Department A",
        "Department B",
    ]
    shown = radar(contracts)
    assert [s.segment.key for s, _ in shown["warnings"]] == ["systems-integrators"] * 2
    assert shown["charts"]["hhi"]["bars"][2]["warn"] is True
    assert Segment.objects.count() == len(shown["charts"]["segments"]["bars"]) == 8


def test_the_same_need_in_two_departments_is_joint_demand(users: dict[str, User]) -> None:
    for who in ("commercial", "outsider"):
        case_submit(case=assessed_case(users[who]), by=users[who])
    assessed_case(users["commercial"])  # a draft is not counted
    groups = joint_demand()
    assert len(groups) == 1
    assert groups[0].departments == ("Department A", "Department B")
    assert len(groups[0].cases) == 2


def test_the_radar_page_flags_a_concentrated_segment_for_reviewers(
    users: dict[str, User], client_as: ClientAs
) -> None:

    supplier = supplier_save(by=users["admin"], values=catalogue_row())
    case = approved_case(users["commercial"], users["reviewer"])

    contract_record(
        case=case,
        by=users["commercial"],
        supplier=supplier,
        value_gbp=900_000,
        start=date(2026, 1, 1),
        end=date(2028, 1, 1),
    )
    html = client_as(users["reviewer"]).get("/concentration/").content.decode()
    assert "Example Software Ltd holds 100% of the contract value" in html
    assert 'role="img"' in html and '<title id="chart-hhi-title">' in html
    assert "£900,000" in html and "10,000" in html
    assert client_as(users["commercial"]).get("/concentration/").status_code == 403


def test_the_radar_page_takes_the_same_queries_however_many_contracts_and_needs(
    users: dict[str, User], client_as: ClientAs
) -> None:
    supplier = supplier_save(by=users["admin"], values=catalogue_row())
    client = client_as(users["reviewer"])

    def contract(owner: str, value: int) -> None:
        contract_record(
            case=approved_case(users[owner], users["reviewer"]),
            by=users[owner],
            supplier=supplier,
            value_gbp=value,
            start=date(2026, 1, 1),
            end=date(2028, 1, 1),
        )

    contract("commercial", 100_000)
    with CaptureQueriesContext(connection) as one:
        client.get("/concentration/")
    contract("outsider", 200_000)
    contract("commercial", 300_000)
    with CaptureQueriesContext(connection) as three:
        html = client.get("/concentration/").content.decode()
    assert "£600,000" in html and "Department A, Department B" in html
    assert len(three.captured_queries) == len(one.captured_queries)


def test_the_radar_page_shows_a_renamed_supplier_and_a_new_need_at_once(
    users: dict[str, User], client_as: ClientAs
) -> None:
    # The radar's figures are kept under every value they are made from: a change to any of
    # them is a new key, never the old page.
    supplier = supplier_save(by=users["admin"], values=catalogue_row())
    contract_record(
        case=approved_case(users["commercial"], users["reviewer"]),
        by=users["commercial"],
        supplier=supplier,
        value_gbp=500_000,
        start=date(2026, 1, 1),
        end=date(2028, 1, 1),
    )
    client = client_as(users["reviewer"])
    first = client.get("/concentration/").content.decode()
    assert client.get("/concentration/").content.decode().count("Example Software Ltd") == (
        first.count("Example Software Ltd")
    )
    supplier_save(
        by=users["admin"], values=catalogue_row(name="Renamed Software Ltd"), supplier=supplier
    )
    renamed = client.get("/concentration/").content.decode()
    assert "Example Software Ltd" not in renamed and "Renamed Software Ltd holds 100%" in renamed
    assert "No need has been raised by more than one department" in renamed
    for who in ("commercial", "outsider"):
        case_submit(case=assessed_case(users[who]), by=users[who])
    joint = client.get("/concentration/").content.decode()
    assert "No need has been raised by more than one department" not in joint
    assert "Department A, Department B" in joint
