"""Data migrations of suppliers: company numbers stored before they were normalised."""

from __future__ import annotations

import importlib

from django.apps import apps

from sourcing.models import User
from suppliers.catalogue import catalogue_import
from suppliers.models import Supplier
from tests.factories import catalogue_bytes, catalogue_row

normalised = importlib.import_module("suppliers.migrations.0004_company_numbers_normalised")


def test_stored_company_numbers_are_normalised_and_clashes_left_for_a_person(
    users: dict[str, User], capsys
) -> None:  # type: ignore[no-untyped-def]
    rows = [
        catalogue_row(company_number="00001234", name="Shortened Ltd"),
        catalogue_row(company_number="SC123456", name="Lower Case Ltd"),
        catalogue_row(company_number="00005678", name="Kept Ltd"),
        catalogue_row(company_number="05678000", name="Clash Ltd"),
        catalogue_row(company_number="09999999", name="Broken Ltd"),
    ]
    catalogue_import(by=users["admin"], raw=catalogue_bytes(*rows))
    # As numbers were stored before: shortened by a spreadsheet, in lower case,
    # a shortened one whose padded form another supplier has, one that cannot be read.
    legacy = {
        "Shortened Ltd": "1234",
        "Lower Case Ltd": "sc123456",
        "Clash Ltd": "5678",
        "Broken Ltd": "12-34",
    }
    for name, number in legacy.items():
        Supplier.objects.filter(name=name).update(company_number=number)

    normalised.normalise(apps, None)

    numbers = dict(Supplier.objects.values_list("name", "company_number"))
    assert numbers["Shortened Ltd"] == "00001234"
    assert numbers["Lower Case Ltd"] == "SC123456"
    assert numbers["Kept Ltd"] == "00005678"
    assert numbers["Clash Ltd"] == "5678"  # 00005678 is Kept Ltd's: left for a person
    assert numbers["Broken Ltd"] == "12-34"
    shortened = Supplier.objects.get(name="Shortened Ltd")
    assert "00001234" in shortened.search_text
    said = capsys.readouterr().out
    assert "'5678' left as it is: 00005678 is another supplier's" in said
    assert "'12-34' left as it is" in said
