"""The monthly subtree roll-ups of the submitted records, filled set-based as `rollups.rebuild` does: each
organization's own records by month (one INSERT … SELECT … GROUP BY), then level by level from the deepest each
organization's rows added to its parent's (INSERT … SELECT … ON CONFLICT DO UPDATE); no rows pass through Python."""

import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    connection = schema_editor.connection
    q = schema_editor.quote_name
    table = q(apps.get_model("records", "RecordMonthRollup")._meta.db_table)
    records = q(apps.get_model("records", "ActivityRecord")._meta.db_table)
    orgs = q(apps.get_model("orgs", "Organization")._meta.db_table)
    if connection.vendor == "postgresql":
        month = "CAST(date_trunc('month', held_on) AS date)"
    else:
        month = "date(held_on, 'start of month')"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (organization_id, month, records, late, expected, present) "
            f"SELECT organization_id, {month}, COUNT(*), SUM(CASE WHEN is_late THEN 1 ELSE 0 END), "
            f"SUM(expected_count), SUM(present_count) FROM {records} WHERE status IN (%s) "
            f"GROUP BY organization_id, {month}", ["submitted"])
        cursor.execute(f"SELECT MAX(depth) FROM {orgs}")
        deepest = cursor.fetchone()[0] or 0
        added = ", ".join(f"{f} = {table}.{f} + excluded.{f}" for f in ("records", "late", "expected", "present"))
        for depth in range(deepest - 1, 0, -1):
            cursor.execute(
                f"INSERT INTO {table} (organization_id, month, records, late, expected, present) "
                f"SELECT p.id, r.month, SUM(r.records), SUM(r.late), SUM(r.expected), SUM(r.present) "
                f"FROM {table} r JOIN {orgs} c ON c.id = r.organization_id JOIN {orgs} p ON p.path = substr(c.path, 1, %s) "
                f"WHERE c.depth = %s GROUP BY p.id, r.month "
                f"ON CONFLICT (organization_id, month) DO UPDATE SET {added}", [depth * 4, depth + 1])  # 4: steplen


class Migration(migrations.Migration):

    dependencies = [
        ('orgs', '0007_domain_rollups'),
        ('records', '0004_member_attendance_mark'),
    ]

    operations = [
        migrations.CreateModel(
            name='RecordMonthRollup',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField()),
                ('records', models.IntegerField(default=0)),
                ('late', models.IntegerField(default=0)),
                ('expected', models.IntegerField(default=0)),
                ('present', models.IntegerField(default=0)),
                ('organization', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='record_rollups', to='orgs.organization')),
            ],
            options={
                'verbose_name': '组织生活月度汇总',
                'verbose_name_plural': '组织生活月度汇总',
                'constraints': [models.UniqueConstraint(fields=('organization', 'month'), name='records_monthrollup_once')],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
