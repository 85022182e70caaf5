"""On PostgreSQL, decision records and audit checkpoints refuse UPDATE and DELETE too."""

from __future__ import annotations

from django.db import migrations

TABLES = ("decisions_decisionrecord", "decisions_auditcheckpoint")


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION sourcing_refuse_change();",
            params=None,
        )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};", params=None)


class Migration(migrations.Migration):
    dependencies = [("decisions", "0004_records_checkpoints")]
    operations = [migrations.RunPython(forward, backward)]
