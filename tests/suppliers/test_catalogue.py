"""Catalogue import: good files upsert by company number; bad files import nothing and name
every problem by line and field."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from decisions.audit.models import AuditEvent
from sourcing.errors import ValidationFailed
from sourcing.models import User
from suppliers.catalogue import COLUMNS, CatalogueInvalid, catalogue_import, supplier_save
from suppliers.models import CatalogueImport, Supplier
from suppliers.reference import SAMPLE_CATALOGUE_PATH
from tests.factories import catalogue_bytes, catalogue_row

ClientAs = Callable[[User | None], Client]


def _problems(users: dict[str, User], raw: bytes) -> list[tuple[int, str]]:
    with pytest.raises(CatalogueInvalid) as caught:
        catalogue_import(by=users["admin"], raw=raw)
    assert Supplier.objects.count() == 0
    return [(p.line, p.field) for p in caught.value.problems]


def test_the_sample_file_imports_and_a_second_import_changes_nothing(
    users: dict[str, User],
) -> None:
    raw = SAMPLE_CATALOGUE_PATH.read_bytes()
    first = catalogue_import(by=users["admin"], raw=raw, filename="sample.csv")
    rows = raw.decode().count("\n") - 1
    assert len(first.created) == rows and Supplier.objects.count() == rows
    again = catalogue_import(by=users["reviewer"], raw=raw)
    assert again.created == [] and again.updated == [] and len(again.unchanged) == rows
    event = AuditEvent.objects.filter(action="catalogue.imported").first()
    assert event is not None and event.payload["rows"] == rows


def test_an_import_upserts_by_company_number(users: dict[str, User]) -> None:
    catalogue_import(
        by=users["admin"],
        raw=catalogue_bytes(catalogue_row(), catalogue_row(company_number="SC123456")),
    )
    result = catalogue_import(
        by=users["admin"],
        raw=catalogue_bytes(
            catalogue_row(name="Renamed Ltd", segments="saas-platforms;specialist-smes"),
            catalogue_row(company_number="SC123456"),
            catalogue_row(company_number="07654321"),
        ),
    )
    assert (result.created, result.updated, result.unchanged) == (
        ["07654321"],
        ["01234567"],
        ["SC123456"],
    )
    renamed = Supplier.objects.get(company_number="01234567")
    assert renamed.name == "Renamed Ltd"
    assert sorted(s.key for s in renamed.segments.all()) == ["saas-platforms", "specialist-smes"]
    assert renamed.primary_segment.key == "saas-platforms"


def test_wrong_columns_are_reported_on_the_header_line(users: dict[str, User]) -> None:
    raw = b"company_number,name,colour\n01234567,Acme,blue\n"
    problems = _problems(users, raw)
    assert problems and all(p == (1, "header") for p in problems)


def test_a_bad_encoding_is_reported_with_its_line(users: dict[str, User]) -> None:
    good = catalogue_bytes(
        catalogue_row(), catalogue_row(company_number="07654321", name="Café Ltd")
    )  # UTF-8
    raw = good + "01111111,Caf\xe9 Ltd,saas-platforms,yes,,,,,,,,\n".encode("latin-1")
    assert _problems(users, raw) == [(4, "file")]


def test_every_bad_row_is_reported_by_line_and_field_and_nothing_is_imported(
    users: dict[str, User],
) -> None:
    raw = catalogue_bytes(
        catalogue_row(),  # line 2: fine
        catalogue_row(company_number="07654321", segments="quantum-brokers"),  # 3
        catalogue_row(company_number="01234567"),  # 4: duplicate of line 2
        catalogue_row(company_number="02222222", name="N" * 161),  # 5
        catalogue_row(company_number="03333333", sme="maybe", classification="top_secret"),  # 6
        catalogue_row(company_number="not-a-number"),  # 7
        catalogue_row(company_number="04444444", capabilities="x" * 51),  # 8
        catalogue_row(company_number="05555555", description="d" * 1001, website="ftp://x"),  # 9
    )
    assert _problems(users, raw) == [
        (3, "segments"),
        (4, "company_number"),
        (5, "name"),
        (6, "sme"),
        (6, "classification"),
        (7, "company_number"),
        (8, "capabilities"),
        (9, "website"),
        (9, "description"),
    ]


def test_short_rows_empty_files_and_nul_bytes_are_refused(users: dict[str, User]) -> None:
    header = ",".join(COLUMNS).encode()
    assert _problems(users, header + b"\n01234567,Acme\n") == [(2, "row")]
    assert _problems(users, b"") == [(1, "file")]
    assert _problems(users, header + b"\n") == [(1, "file")]
    assert _problems(users, catalogue_bytes(catalogue_row(name="Ac\x00me"))) == [(2, "name")]


def test_only_the_centre_of_excellence_and_admins_import(users: dict[str, User]) -> None:
    with pytest.raises(ValidationFailed):
        catalogue_import(by=users["commercial"], raw=catalogue_bytes(catalogue_row()))
    assert Supplier.objects.count() == 0


def test_a_supplier_change_is_audited_and_no_change_is_not(users: dict[str, User]) -> None:
    supplier = supplier_save(by=users["reviewer"], values=catalogue_row())
    supplier_save(by=users["reviewer"], values=catalogue_row(name="Changed Ltd"), supplier=supplier)
    supplier_save(by=users["reviewer"], values=catalogue_row(name="Changed Ltd"), supplier=supplier)
    actions = list(
        AuditEvent.objects.filter(object_type="supplier").values_list("action", flat=True)
    )
    assert actions == ["supplier.created", "supplier.changed"]
    with pytest.raises(ValidationFailed) as caught:
        supplier_save(by=users["reviewer"], values=catalogue_row())
    assert "company_number" in caught.value.errors


def test_the_import_page_shows_what_was_created_or_every_problem(
    users: dict[str, User], client_as: ClientAs
) -> None:

    client = client_as(users["reviewer"])
    bad = SimpleUploadedFile(
        "bad.csv", catalogue_bytes(catalogue_row(), catalogue_row(segments="nope")), "text/csv"
    )
    page = client.post("/suppliers/import/", {"file": bad})
    html = page.content.decode()
    assert page.status_code == 200 and "nothing was imported" in html
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">3</td>' in html
    good = SimpleUploadedFile("good.csv", catalogue_bytes(catalogue_row()), "text/csv")
    done = client.post("/suppliers/import/", {"file": good})
    record = CatalogueImport.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/suppliers/import/{record.pk}/"
    detail = client.get(done["Location"]).content.decode()
    assert 'id="created-count">1<' in detail and "Example Software Ltd" in detail


def test_the_command_imports_or_lists_every_problem(users: dict[str, User], tmp_path) -> None:  # type: ignore[no-untyped-def]

    good = tmp_path / "good.csv"
    good.write_bytes(catalogue_bytes(catalogue_row()))
    out = StringIO()
    call_command("import_catalogue", str(good), by=users["reviewer"].username, stdout=out)
    assert "1 created" in out.getvalue()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(catalogue_bytes(catalogue_row(company_number="07654321", sme="perhaps")))
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_catalogue", str(bad), by=users["reviewer"].username, stderr=err)
    assert "Line 2, sme" in err.getvalue()
