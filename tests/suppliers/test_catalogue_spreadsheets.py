"""Catalogue files as spreadsheets write them: the normalising step before validation
(suppliers.catalogue.normalise_csv), and Unicode NFC names and search everywhere."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from sourcing.models import User
from suppliers.catalogue import (
    COLUMNS,
    CatalogueInvalid,
    catalogue_import,
    notes_summary,
    supplier_save,
)
from suppliers.models import Supplier
from tests.factories import catalogue_row as row
from tests.pages import Api

ClientAs = Callable[[User | None], Client]


def full_width(text: str) -> str:
    """ASCII letters and digits as their full-width forms (U+FF01 onwards)."""
    return "".join(chr(ord(c) + 0xFEE0) for c in text)


def sheet(*rows: dict[str, str], delimiter: str = ",", trailing: int = 0) -> str:
    """A catalogue as a spreadsheet saves it: `trailing` unnamed empty columns at the end."""
    extra = delimiter * trailing
    lines = [delimiter.join(COLUMNS) + extra]
    for r in rows:
        cells = [r[c] if delimiter not in r[c] else f'"{r[c]}"' for c in COLUMNS]
        lines.append(delimiter.join(cells) + extra)
    return "\r\n".join(lines) + "\r\n"


def problems(users: dict[str, User], raw: bytes) -> list[str]:
    with pytest.raises(CatalogueInvalid) as caught:
        catalogue_import(by=users["admin"], raw=raw)
    assert not Supplier.objects.exists()
    return [str(p) for p in caught.value.problems]


def test_excel_s_trailing_empty_columns_are_dropped(users: dict[str, User]) -> None:
    raw = sheet(row(), row(company_number="07654321"), trailing=3).encode()
    result = catalogue_import(by=users["admin"], raw=raw)
    assert result.created == ["01234567", "07654321"] and result.notes == []


def test_rows_missing_their_trailing_empty_cells_are_read(users: dict[str, User]) -> None:
    text = sheet(row(), trailing=3) + ",".join(row(company_number="07654321").values()) + "\n"
    result = catalogue_import(by=users["admin"], raw=text.encode())
    assert result.created == ["01234567", "07654321"]


def test_an_unnamed_column_with_a_value_is_a_problem_naming_it(users: dict[str, User]) -> None:
    text = sheet(row(), trailing=2).replace("\r\n", "\r\n", 1)
    lines = text.split("\r\n")
    lines[1] = lines[1] + "oops"
    found = problems(users, "\r\n".join(lines).encode())
    assert found == [
        "Line 2, header: Column 14 has no name but this line has a value in it: name the "
        "column or delete it"
    ]


def test_repeated_and_unknown_columns_are_named_without_empty_ones(users: dict[str, User]) -> None:
    header = ",".join([*COLUMNS, "name", "colour", "", ""])
    values = ",".join([*row().values(), "Again", "blue", "", ""])
    found = problems(users, f"{header}\n{values}\n".encode())
    assert "Line 1, header: Unknown columns: 'colour'" in found
    assert "Line 1, header: Repeated columns: 'name'" in found
    assert not any("''" in p for p in found)


@pytest.mark.parametrize(
    ("delimiter", "words"),
    [(";", "semicolons (;)"), ("\t", "tabs"), ("|", "vertical bars (|)")],
)
def test_a_file_separated_by_another_character_is_read_and_the_separator_named(
    users: dict[str, User], delimiter: str, words: str
) -> None:
    raw = sheet(row(), row(company_number="SC123456"), delimiter=delimiter).encode()
    result = catalogue_import(by=users["admin"], raw=raw)
    assert result.created == ["01234567", "SC123456"]
    assert Supplier.objects.get(company_number="01234567").capabilities == [
        "case management",
        "crm",
    ]
    assert notes_summary(result.notes) == [
        f"The columns are separated by {words}, not commas: the file was read that way"
    ]


def test_a_semicolon_file_with_problems_names_the_separator_not_12_missing_columns(
    users: dict[str, User], client_as: ClientAs
) -> None:
    raw = sheet(row(sme="maybe"), delimiter=";").encode()
    upload = SimpleUploadedFile("catalogue.csv", raw, "text/csv")
    response = client_as(users["admin"]).post(reverse("catalogue_import"), {"file": upload})
    page = response.content.decode()
    assert response.status_code == 200 and "Missing columns" not in page
    assert "separated by semicolons (;), not commas" in page
    assert "Enter yes or no for whether it is an SME" in page


def test_column_names_in_any_case_with_spaces_and_a_bom_are_read(users: dict[str, User]) -> None:
    header = ",".join(c.replace("_", " ").title() for c in COLUMNS)
    raw = "\ufeff" + header + "\n" + ",".join(row().values()) + "\n"
    assert catalogue_import(by=users["admin"], raw=raw.encode()).created == ["01234567"]


def test_excel_unicode_text_utf16_with_tabs_is_read(users: dict[str, User]) -> None:
    raw = sheet(row(name="Café Ltd"), delimiter="\t").encode("utf-16")
    result = catalogue_import(by=users["admin"], raw=raw)
    assert Supplier.objects.get().name == "Café Ltd"
    assert "The file was read as UTF-16 text" in notes_summary(result.notes)


def test_a_windows_1252_file_is_read_with_a_note(users: dict[str, User]) -> None:
    raw = sheet(row(name="Café \u2013 Ltd")).encode("cp1252")
    result = catalogue_import(by=users["admin"], raw=raw)
    assert Supplier.objects.get().name == "Café \u2013 Ltd"
    assert "read as Windows-1252" in notes_summary(result.notes)[0]


def test_a_workbook_is_refused_saying_how_to_save_csv(users: dict[str, User]) -> None:
    found = problems(users, b"PK\x03\x04\x14\x00\x06\x00 rest of an xlsx zip")
    assert found == [
        "Line 1, file: The file is a spreadsheet workbook, not CSV: in the spreadsheet, choose "
        "Save As, 'CSV UTF-8 (Comma delimited)', and upload that"
    ]


def test_company_numbers_excel_shortened_are_padded_back_with_a_note(
    users: dict[str, User], client_as: ClientAs
) -> None:
    raw = sheet(row(company_number="1234567"), row(company_number="SC123456")).encode()
    upload = SimpleUploadedFile("catalogue.csv", raw, "text/csv")
    response = client_as(users["admin"]).post(
        reverse("catalogue_import"), {"file": upload}, follow=True
    )
    assert Supplier.objects.filter(company_number="01234567").exists()
    assert (
        "1 company number had lost leading zeros (spreadsheets drop them) and was padded back "
        "to 8 digits (line 2: Company number 1234567 was read as 01234567)"
    ) in response.content.decode()


def test_full_width_digits_do_not_create_a_look_alike(users: dict[str, User]) -> None:
    raw = sheet(row(company_number="09120001"), row(company_number=full_width("09120001"))).encode()
    assert problems(users, raw) == ["Line 3, company_number: 09120001 is also on line 2"]


def test_an_unknown_prefix_is_refused(users: dict[str, User]) -> None:
    found = problems(users, sheet(row(company_number="XY123456")).encode())
    assert found[0].startswith("Line 2, company_number: XY is not a Companies House prefix")


DECOMPOSED = "Cafe\u0301 Digital Ltd"  # e + COMBINING ACUTE ACCENT
COMPOSED = "Café Digital Ltd"


def test_names_are_stored_in_nfc_from_a_file_and_the_form(users: dict[str, User]) -> None:
    catalogue_import(by=users["admin"], raw=sheet(row(name=DECOMPOSED)).encode())
    assert Supplier.objects.get().name == COMPOSED
    values = {**row(company_number="07654321", name=DECOMPOSED)}
    supplier = supplier_save(by=users["admin"], values=values)
    assert supplier.name == COMPOSED


@pytest.mark.parametrize(
    "q", [DECOMPOSED[:5], COMPOSED[:4].upper(), full_width("CAF") + "É", "café digital"]
)
def test_search_matches_a_name_typed_in_either_unicode_form_on_pages_and_api(
    users: dict[str, User], client_as: ClientAs, q: str
) -> None:
    catalogue_import(by=users["admin"], raw=sheet(row(name=DECOMPOSED)).encode())
    page = client_as(users["auditor"]).get(reverse("supplier_list"), {"q": q})
    assert COMPOSED in page.content.decode()
    api = Api(users["auditor"]).get(f"suppliers?q={q}")
    assert [s["name"] for s in api.json()["items"]] == [COMPOSED]


def test_search_by_a_shortened_company_number_finds_the_supplier(
    users: dict[str, User], client_as: ClientAs
) -> None:
    catalogue_import(by=users["admin"], raw=sheet(row()).encode())
    api = Api(users["auditor"]).get("suppliers?q=1234567")
    assert [s["company_number"] for s in api.json()["items"]] == ["01234567"]
