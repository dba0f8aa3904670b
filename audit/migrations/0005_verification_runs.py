# A verification started from the integrity page: its request, the worker's progress notes and the outcome, each a row
# of its own (the audit tables are insert-only for the desk's database role).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_no_maintenance_bypass"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="auditverification",
            name="kind",
            field=models.CharField(
                choices=[
                    ("requested", "requested"),
                    ("progress", "in progress"),
                    ("finished", "finished"),
                    ("interrupted", "interrupted"),
                ],
                default="finished",
                max_length=16,
                verbose_name="kind",
            ),
        ),
        migrations.AddField(
            model_name="auditverification",
            name="run",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="audit.auditverification",
            ),
        ),
        migrations.AddField(
            model_name="auditverification",
            name="requested_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="requested by",
            ),
        ),
        migrations.AddField(
            model_name="auditverification",
            name="follows",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="auditverification",
            name="finished_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="finished"),
        ),
        migrations.AddField(
            model_name="auditverification",
            name="noted_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="noted"),
        ),
        migrations.AddField(
            model_name="auditverification",
            name="to_check",
            field=models.BigIntegerField(blank=True, null=True, verbose_name="entries to check"),
        ),
        migrations.AddConstraint(
            model_name="auditverification",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind", "requested")), fields=("follows",), name="audit_one_verification_at_a_time"
            ),
        ),
    ]
