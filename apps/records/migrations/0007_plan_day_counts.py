"""The stored per-day counts of planned activities (PlanDayCount), filled set-based as `plan_counts.rebuild` does:
each organization's own plans by day, then level by level from the deepest each organization's rows added to its
parent's; no rows pass through Python."""

import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    from apps.records.plan_counts import fill as fill_rows

    q = schema_editor.quote_name
    Organization = apps.get_model("orgs", "Organization")
    deepest = Organization.objects.aggregate(n=models.Max("depth"))["n"] or 0
    with schema_editor.connection.cursor() as cursor:
        fill_rows(cursor, table=q(apps.get_model("records", "PlanDayCount")._meta.db_table),
                  plans=q(apps.get_model("records", "ActivityPlan")._meta.db_table),
                  orgs=q(Organization._meta.db_table), deepest=deepest, step=4)  # 4: steplen


class Migration(migrations.Migration):

    dependencies = [
        ('orgs', '0007_domain_rollups'),
        ('records', '0006_record_list_order'),
    ]

    operations = [
        migrations.CreateModel(
            name='PlanDayCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField()),
                ('plans', models.IntegerField(default=0)),
                ('organization', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='plan_day_counts', to='orgs.organization')),
            ],
            options={
                'verbose_name': '活动计划每日计数',
                'verbose_name_plural': '活动计划每日计数',
                'constraints': [models.UniqueConstraint(fields=('organization', 'day'), name='records_plandaycount_once')],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
