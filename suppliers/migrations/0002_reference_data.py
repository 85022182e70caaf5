"""Load the shipped market segments and frameworks (suppliers/data/*.json)."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def load(apps: Any, schema_editor: Any) -> None:
    from suppliers.reference import load_reference_data

    load_reference_data(apps.get_model("suppliers", "Segment"), apps.get_model("suppliers", "Framework"))


class Migration(migrations.Migration):
    dependencies = [("suppliers", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
