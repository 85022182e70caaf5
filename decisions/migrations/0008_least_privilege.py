"""Least privilege on PostgreSQL: TRUNCATE refused on the append-only tables (the owner too),
UPDATE and DELETE refused on the new ones, and the application role's grants.

Idempotent; nothing on SQLite; no grants when the owner and the application are one role.
The same grants are applied again after every migrate (decisions.apps), so tables that later
migrations create are covered.
"""

from django.db import migrations

NEW_TABLES = ("decisions_signedhead", "decisions_recordpdfhash")


def forward(apps, schema_editor):
    from decisions.integrity.dbroles import app_role_name, append_only_triggers, grants_apply

    append_only_triggers(schema_editor.connection)
    grants_apply(schema_editor.connection, app_role=app_role_name())


def backward(apps, schema_editor):
    from decisions.integrity.dbroles import truncate_triggers_drop

    truncate_triggers_drop(schema_editor.connection, NEW_TABLES)


class Migration(migrations.Migration):
    dependencies = [("decisions", "0007_signed_heads_pdf_hashes")]
    operations = [migrations.RunPython(forward, backward)]
