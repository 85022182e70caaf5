"""Case.content_version: bumped by every change a signatory signs (answers, explanations,
title, summary), so a sign-off goes stale when any of them changes, not only the answers.
Existing rows start from their answers version, which keeps today's stale sign-offs stale and
today's current ones current."""

from django.db import migrations, models
from django.db.models import F


def from_answers_version(apps, schema_editor):  # type: ignore[no-untyped-def]
    # On the migration's own connection (the owner's, MIGRATE_DATABASE_URL): through the
    # default alias it would wait for this very migration's lock on the table.
    alias = schema_editor.connection.alias
    for name in ("Case", "SignOff", "SignOffRequest"):
        model = apps.get_model("sourcing", name)
        model.objects.using(alias).update(content_version=F("answers_version"))


class Migration(migrations.Migration):

    dependencies = [
        ("sourcing", "0005_signoff_requests_and_returns"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="content_version",
            field=models.PositiveIntegerField(default=1),
        ),
        migrations.AddField(
            model_name="signoff",
            name="content_version",
            field=models.PositiveIntegerField(default=1),
        ),
        migrations.AddField(
            model_name="signoffrequest",
            name="content_version",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.RunPython(from_answers_version, migrations.RunPython.noop),
    ]
