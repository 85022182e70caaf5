"""Company numbers stored before they were normalised, written as Companies House writes them
(suppliers.company_numbers.company_number_normalise, the one place a typed number becomes the
stored one): NFKC, upper case, no spaces, all-digit numbers that a spreadsheet shortened padded
back to 8. A number that cannot be read, or whose normal form another supplier already has, is
left as it is and named on the console, for a person to look at; nothing is merged or lost."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.db import migrations

from suppliers.company_numbers import company_number_normalise


def _key(text: str) -> str:
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def normalise(apps: Any, schema_editor: Any) -> None:
    Supplier = apps.get_model("suppliers", "Supplier")
    taken = set(Supplier.objects.values_list("company_number", flat=True))
    changed = []
    for supplier in Supplier.objects.only("name", "company_number", "capabilities").iterator():
        checked = company_number_normalise(supplier.company_number)
        number = checked.number
        if not number or number == supplier.company_number:
            if checked.error:
                print(f"\n  supplier {supplier.pk}: company number {supplier.company_number!r} "
                      f"left as it is ({checked.error})")
            continue
        if number in taken:
            print(f"\n  supplier {supplier.pk}: company number {supplier.company_number!r} left "
                  f"as it is: {number} is another supplier's")
            continue
        taken.discard(supplier.company_number)
        taken.add(number)
        supplier.company_number = number
        supplier.search_text = _key(" | ".join([supplier.name, number, *supplier.capabilities]))
        changed.append(supplier)
    Supplier.objects.bulk_update(changed, ["company_number", "search_text"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("suppliers", "0003_names_nfc_search_key")]

    operations = [migrations.RunPython(normalise, migrations.RunPython.noop)]
