"""Supplier names in Unicode NFC and the search text in the search key form (NFKC,
case-folded), as suppliers.catalogue now writes them; the search normalises queries the same."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.db import migrations


def _key(text: str) -> str:
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def normalise(apps: Any, schema_editor: Any) -> None:
    Supplier = apps.get_model("suppliers", "Supplier")
    changed = []
    for supplier in Supplier.objects.only("name", "company_number", "capabilities", "search_text").iterator():
        name = unicodedata.normalize("NFC", supplier.name)
        text = _key(" | ".join([name, supplier.company_number, *supplier.capabilities]))
        if (name, text) != (supplier.name, supplier.search_text):
            supplier.name, supplier.search_text = name, text
            changed.append(supplier)
    Supplier.objects.bulk_update(changed, ["name", "search_text"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("suppliers", "0002_reference_data")]

    operations = [migrations.RunPython(normalise, migrations.RunPython.noop)]
