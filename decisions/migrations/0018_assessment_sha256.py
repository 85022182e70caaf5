"""Each assessment's sha256 stored with it (Assessment.sha256).

The hash is decisions.assessments.selectors.assessment_sha256 (RFC 8785 canonical JSON of the
ruleset hash, answers and result), computed by that one function for the assessments already
there, in batches (their answers and results are about 50 KB each at the bench's data). The
column is added with an empty default that is not kept: every assessment made afterwards gets
its hash from assessment_run. Reversing drops the column; the backfill has nothing to undo.
"""

from django.db import migrations, models

from decisions.assessments.selectors import assessment_sha256

BATCH = 200


def backfill_sha256(apps, schema_editor):
    Assessment = apps.get_model("decisions", "Assessment")
    assessments = Assessment.objects.using(schema_editor.connection.alias)
    last = 0
    while True:
        batch = list(
            assessments.filter(pk__gt=last, sha256="")
            .order_by("pk")
            .only("pk", "ruleset_sha256", "answers", "result")[:BATCH]
        )
        if not batch:
            return
        for assessment in batch:
            # The historical model has the three fields the function reads.
            assessment.sha256 = assessment_sha256(assessment)
        assessments.bulk_update(batch, ["sha256"])
        last = batch[-1].pk


class Migration(migrations.Migration):

    dependencies = [
        ('decisions', '0017_record_reasons_summary_column'),
    ]

    operations = [
        migrations.AddField(
            model_name='assessment',
            name='sha256',
            field=models.CharField(default='', max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(backfill_sha256, migrations.RunPython.noop, elidable=False),
    ]
