"""The activity records per day in the stored per-day counts (PlanDayCount.records), filled set-based as
`plan_counts.rebuild` does (its SQL as of this migration, frozen here): each organization's own records by day, then
level by level from the deepest each organization's rows added to its parent's; no rows pass through Python. The
column has a database default, so adding it rewrites nothing (PostgreSQL) and the plans' fill keeps working."""

from django.db import migrations, models

STEP = 4  # Organization.steplen


def fill(apps, schema_editor):
    q = schema_editor.quote_name
    Organization = apps.get_model("orgs", "Organization")
    table = q(apps.get_model("records", "PlanDayCount")._meta.db_table)
    records = q(apps.get_model("records", "ActivityRecord")._meta.db_table)
    orgs = q(Organization._meta.db_table)
    deepest = Organization.objects.aggregate(n=models.Max("depth"))["n"] or 0
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} (organization_id, day, plans, records) SELECT organization_id, held_on, 0, "
                       f"COUNT(*) FROM {records} GROUP BY organization_id, held_on "
                       f"ON CONFLICT (organization_id, day) DO UPDATE SET records = excluded.records")
        for depth in range(deepest - 1, 0, -1):
            cursor.execute(
                f"INSERT INTO {table} (organization_id, day, plans, records) SELECT p.id, r.day, 0, SUM(r.records) "
                f"FROM {table} r JOIN {orgs} c ON c.id = r.organization_id "
                f"JOIN {orgs} p ON p.path = substr(c.path, 1, %s) "
                f"WHERE c.depth = %s AND r.records <> 0 GROUP BY p.id, r.day "
                f"ON CONFLICT (organization_id, day) DO UPDATE SET records = {table}.records + excluded.records",
                [depth * STEP, depth + 1])


class Migration(migrations.Migration):

    dependencies = [
        ('records', '0008_fulfilment_rollup'),
    ]

    operations = [
        migrations.AddField(
            model_name='plandaycount',
            name='records',
            field=models.IntegerField(db_default=0, default=0),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
