"""A ruleset approval (four eyes) is append-only as the records are: UPDATE, DELETE and
TRUNCATE refused for everyone on PostgreSQL, and the application role may only read and insert
it. Idempotent; nothing on SQLite; no grants when the owner and the application are one role."""

from django.db import migrations

TABLE = "decisions_rulesetapproval"


def forward(apps, schema_editor):
    from decisions.integrity.dbroles import app_role_name, append_only_triggers, grants_apply

    append_only_triggers(schema_editor.connection)
    grants_apply(schema_editor.connection, app_role=app_role_name())


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for trigger in (f"{TABLE}_append_only", f"{TABLE}_no_truncate"):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {TABLE};", params=None)


class Migration(migrations.Migration):
    dependencies = [("decisions", "0013_record_answers_column")]
    operations = [migrations.RunPython(forward, backward)]
