"""Signed heads and the append-only hashes of rendered record PDFs.

PDFs rendered before this migration get their hash row from the outbox row, as it stands.
"""

import django.db.models.deletion
from django.db import migrations, models


def backfill_pdf_hashes(apps, schema_editor):
    RecordPdf = apps.get_model("decisions", "RecordPdf")
    RecordPdfHash = apps.get_model("decisions", "RecordPdfHash")
    done = RecordPdf.objects.using(schema_editor.connection.alias).filter(status="done")
    RecordPdfHash.objects.using(schema_editor.connection.alias).bulk_create(
        RecordPdfHash(
            record_id=pdf.record_id,
            path=pdf.path,
            sha256=pdf.sha256,
            size=pdf.size or 0,
            rendered_at=pdf.rendered_at or pdf.created_at,
        )
        for pdf in done.iterator()
    )


class Migration(migrations.Migration):

    dependencies = [
        ('decisions', '0006_exports_governance'),
    ]

    operations = [
        migrations.CreateModel(
            name='SignedHead',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('seq', models.PositiveBigIntegerField(help_text='The audit event at the head.', unique=True)),
                ('head_sha256', models.CharField(max_length=64)),
                ('records', models.PositiveBigIntegerField(help_text='How many records the Merkle root covers.')),
                ('records_root', models.CharField(max_length=64)),
                ('signed_at', models.CharField(help_text='UTC, e.g. 2026-11-23T08:05:00Z.', max_length=20)),
                ('key_id', models.CharField(max_length=16)),
                ('signature', models.CharField(help_text='Ed25519, standard base64.', max_length=100)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'ordering': ['-seq'],
            },
        ),
        migrations.CreateModel(
            name='RecordPdfHash',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('path', models.CharField(help_text='Relative to MEDIA_ROOT.', max_length=300)),
                ('sha256', models.CharField(max_length=64)),
                ('size', models.PositiveIntegerField()),
                ('rendered_at', models.DateTimeField()),
                ('record', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='pdf_hash', to='decisions.decisionrecord')),
            ],
        ),
        migrations.RunPython(backfill_pdf_hashes, migrations.RunPython.noop),
    ]
