"""A trigram index for the supplier search on PostgreSQL (pg_trgm, GIN): `search_text LIKE
'%words%'` (suppliers.selectors.supplier_search) reads the index instead of every row. The
embedded SQLite default has no such index and scans, with the same results.

pg_trgm is a trusted extension (PostgreSQL 13 and later): a role with CREATE on the database
may add it. Where the migrating role may not, the index is left out (a warning says so) and
the search scans, with the same results; an administrator can add both later with the SQL
below.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations, transaction

INDEX = "suppliers_supplier_search_trgm"
CREATE = (
    f"CREATE INDEX IF NOT EXISTS {INDEX} ON suppliers_supplier USING gin (search_text gin_trgm_ops)"
)


def add_index(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            schema_editor.execute(CREATE)
    except Exception as exc:  # no CREATE on the database: the search scans instead
        print(f"\n  supplier search: no trigram index ({exc}); the search scans the catalogue")


def drop_index(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("suppliers", "0004_company_numbers_normalised")]

    operations = [migrations.RunPython(add_index, drop_index, elidable=False)]
