"""The per-organization member count moves from the member app to the organization app (it is a figure of the
organization). State only: the table keeps its name (Meta.db_table) and its rows; members/0006 drops the model
from the member app's state."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('orgs', '0004_name_pinyin'),
        # The table is created by members/0003; it must exist before this app claims it.
        ('members', '0003_org_member_count'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='OrgMemberCount',
                    fields=[
                        ('organization', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='member_count', serialize=False, to='orgs.organization')),
                        ('current', models.IntegerField(default=0, verbose_name='现有党员')),
                        ('current_full', models.IntegerField(default=0, verbose_name='其中正式党员')),
                    ],
                    options={
                        'verbose_name': '组织党员数',
                        'verbose_name_plural': '组织党员数',
                        'db_table': 'members_orgmembercount',
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
