"""OrgMemberCount now belongs to the organization app (orgs/0005): dropped from this app's state only; the table
(members_orgmembercount) and its rows stay, owned by orgs.OrgMemberCount."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('members', '0005_remask_phones'),
        ('orgs', '0005_org_member_count'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='OrgMemberCount')],
            database_operations=[],
        ),
    ]
