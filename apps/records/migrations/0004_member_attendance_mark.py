"""Each member's stored attendance dates (the follow-up list's source), filled from the attendance rows of
submitted records in one INSERT … SELECT … GROUP BY (no rows pass through Python)."""

import django.db.models.deletion
from django.db import migrations, models



def fill(apps, schema_editor):
    mark = apps.get_model("records", "MemberAttendanceMark")._meta.db_table
    attendance = apps.get_model("records", "Attendance")._meta.db_table
    q = schema_editor.quote_name
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {q(mark)} (member_id, first_counted_on, last_attended_on) "
            f"SELECT member_id, MIN(held_on), MAX(CASE WHEN status = %s THEN held_on END) "
            f"FROM {q(attendance)} WHERE counts = %s GROUP BY member_id", ["present", True])


class Migration(migrations.Migration):

    dependencies = [
        ('members', '0006_org_member_count_to_orgs'),
        ('records', '0003_record_type_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='MemberAttendanceMark',
            fields=[
                ('member', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='attendance_mark', serialize=False, to='members.member')),
                ('first_counted_on', models.DateField(blank=True, null=True)),
                ('last_attended_on', models.DateField(blank=True, null=True)),
            ],
            options={
                'verbose_name': '党员最近出席日期',
                'verbose_name_plural': '党员最近出席日期',
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
