"""The demo loader: at least 200 invented suppliers across every segment, contracts for the
approved demo decisions, a concentrated segment on the radar; safe to run again."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from sourcing.demo import seed_cases, seed_people, seed_suppliers
from sourcing.models import User
from suppliers.concentration import radar
from suppliers.demo import demo_catalogue_rows
from suppliers.models import Contract, Segment, Supplier
from suppliers.shortlist import shortlist_for

ClientAs = Callable[[User | None], Client]


def test_the_demo_catalogue_is_deterministic() -> None:
    assert demo_catalogue_rows() == demo_catalogue_rows()
    assert len(demo_catalogue_rows()) >= 200


def test_seed_suppliers_loads_a_catalogue_and_contracts_once(db: None, client_as: ClientAs) -> None:
    seed_people()
    seed_cases()
    seed_suppliers()
    suppliers, contracts = Supplier.objects.count(), Contract.objects.count()
    seed_suppliers()
    assert (Supplier.objects.count(), Contract.objects.count()) == (suppliers, contracts)
    assert suppliers >= 200 and contracts >= 4
    smes = Supplier.objects.filter(sme=True).count()
    assert 0.4 * suppliers < smes < 0.85 * suppliers
    for segment in Segment.objects.all():
        assert segment.suppliers.exists(), segment.key
    shown = radar(Contract.objects.select_related("supplier", "department"))
    assert any("holds" in warning for _, warning in shown["warnings"])
    carol = client_as(User.objects.get(username="carol"))
    assert "concentration warning" in carol.get("/concentration/").content.decode()
    alice = User.objects.get(username="alice")
    case = alice.department.cases.get(title="Case management system for benefit appeals")
    assert shortlist_for(case)
    page = client_as(alice).get(f"/cases/{case.reference}/shortlist/").content.decode()
    assert "Why it is on the list" in page
