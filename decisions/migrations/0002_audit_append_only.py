"""On PostgreSQL, a trigger refuses UPDATE and DELETE on the audit event table."""

from __future__ import annotations

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION sourcing_refuse_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'table % is append-only: % refused', TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER decisions_auditevent_append_only
  BEFORE UPDATE OR DELETE ON decisions_auditevent
  FOR EACH ROW EXECUTE FUNCTION sourcing_refuse_change();
"""
BACKWARD = "DROP TRIGGER IF EXISTS decisions_auditevent_append_only ON decisions_auditevent;"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("decisions", "0001_audit_event")]
    operations = [migrations.RunPython(forward, backward)]
