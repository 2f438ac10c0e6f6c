"""Subtree roll-ups of the Fulfilment rows (FulfilmentRollup), filled set-based as `fulfilment_rollups.rebuild` does
(its SQL as of this migration, frozen here): each organization's own Fulfilment rows by (type, period, domain, class),
then level by level from the deepest each organization's rows added to its parent's, then the sums over the domains
(domain ''); no rows pass through Python."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

STEP = 4
ALL_DOMAINS = ""


def _class_sql(org, count, threshold):
    """orgs.counting.org_class as of this migration."""
    return (f"CASE WHEN NOT {org}.is_active THEN 'dissolved' WHEN {org}.kind = 'group' THEN 'group' "
            f"WHEN {org}.kind IN ('branch', 'joint_branch', 'temporary_branch') THEN "
            f"CASE WHEN COALESCE({count}.current_full, 0) >= {int(threshold)} THEN 'committee_branch' ELSE 'branch' END "
            f"ELSE 'other' END")


def fill(apps, schema_editor):
    q = schema_editor.quote_name
    Organization = apps.get_model("orgs", "Organization")
    table = q(apps.get_model("records", "FulfilmentRollup")._meta.db_table)
    fulfil = q(apps.get_model("records", "Fulfilment")._meta.db_table)
    orgs = q(Organization._meta.db_table)
    counts = q(apps.get_model("orgs", "OrgMemberCount")._meta.db_table)
    klass = _class_sql("o", "c", settings.BRANCH_COMMITTEE_THRESHOLD)
    deepest = Organization.objects.aggregate(n=models.Max("depth"))["n"] or 0
    columns = "organization_id, activity_type_id, period_start, domain, org_class, held"
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) "
            f"SELECT f.organization_id, f.activity_type_id, f.period_start, o.domain, {klass}, COUNT(*) "
            f"FROM {fulfil} f JOIN {orgs} o ON o.id = f.organization_id "
            f"LEFT JOIN {counts} c ON c.organization_id = o.id WHERE 1 = 1 "
            f"GROUP BY f.organization_id, f.activity_type_id, f.period_start, o.domain, {klass}")
        for depth in range(deepest - 1, 0, -1):
            cursor.execute(
                f"INSERT INTO {table} ({columns}) "
                f"SELECT p.id, r.activity_type_id, r.period_start, r.domain, r.org_class, SUM(r.held) "
                f"FROM {table} r JOIN {orgs} ch ON ch.id = r.organization_id "
                f"JOIN {orgs} p ON p.path = substr(ch.path, 1, %s) WHERE ch.depth = %s "
                f"GROUP BY p.id, r.activity_type_id, r.period_start, r.domain, r.org_class "
                f"ON CONFLICT (organization_id, activity_type_id, period_start, domain, org_class) "
                f"DO UPDATE SET held = {table}.held + excluded.held", [depth * STEP, depth + 1])
        cursor.execute(
            f"INSERT INTO {table} ({columns}) "
            f"SELECT r.organization_id, r.activity_type_id, r.period_start, '{ALL_DOMAINS}', r.org_class, SUM(r.held) "
            f"FROM {table} r WHERE r.domain <> '{ALL_DOMAINS}' "
            f"GROUP BY r.organization_id, r.activity_type_id, r.period_start, r.org_class")


class Migration(migrations.Migration):

    dependencies = [
        ('orgs', '0008_domain_class_counts'),
        ('records', '0007_plan_day_counts'),
    ]

    operations = [
        migrations.CreateModel(
            name='FulfilmentRollup',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('period_start', models.DateField()),
                ('domain', models.CharField(max_length=24)),
                ('org_class', models.CharField(max_length=20)),
                ('held', models.IntegerField(default=0)),
                ('activity_type', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='records.activitytype')),
                ('organization', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='orgs.organization')),
            ],
            options={
                'verbose_name': '组织生活完成情况汇总',
                'verbose_name_plural': '组织生活完成情况汇总',
                'constraints': [models.UniqueConstraint(fields=('organization', 'activity_type', 'period_start', 'domain', 'org_class'), name='records_fulfilmentrollup_key')],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
