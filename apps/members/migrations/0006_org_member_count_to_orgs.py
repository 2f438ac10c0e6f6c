"""OrgMemberCount now belongs to the organization app (orgs/0005): dropped from this app's state only; the table
(members_orgmembercount) and its rows stay, owned by orgs.OrgMemberCount."""

from django.db import migrations


def _relabel(apps, schema_editor, old, new):
    """The content type (and the permissions hanging on it) follows the model; where the new one exists already
    (created after an earlier run), the old one is stale and goes."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    stale = ContentType.objects.using(db).filter(app_label=old, model="orgmembercount")
    if ContentType.objects.using(db).filter(app_label=new, model="orgmembercount").exists():
        stale.delete()
    else:
        stale.update(app_label=new)


def forwards(apps, schema_editor):
    _relabel(apps, schema_editor, "members", "orgs")


def backwards(apps, schema_editor):
    _relabel(apps, schema_editor, "orgs", "members")


class Migration(migrations.Migration):

    dependencies = [
        ('members', '0005_remask_phones'),
        ('orgs', '0005_org_member_count'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='OrgMemberCount')],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]
