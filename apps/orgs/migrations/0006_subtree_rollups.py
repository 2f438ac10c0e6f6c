"""Stored subtree roll-ups on the per-organization counts (the tree pages read one row per organization shown
instead of summing every organization below it), filled from the direct counts."""

from django.db import migrations, models

STEP = 4


def fill(apps, schema_editor):
    Organization = apps.get_model("orgs", "Organization")
    OrgMemberCount = apps.get_model("orgs", "OrgMemberCount")
    orgs = list(Organization.objects.order_by().values_list("pk", "path", "is_active"))
    direct = dict(OrgMemberCount.objects.order_by().values_list("organization_id", "current"))
    totals = {path: [0, 0] for _, path, _ in orgs}
    for pk, path, active in orgs:
        for end in range(STEP, len(path) + 1, STEP):
            if path[:end] in totals:
                totals[path[:end]][0] += direct.get(pk, 0)
                totals[path[:end]][1] += 1 if active else 0
    OrgMemberCount.objects.bulk_create([OrgMemberCount(organization_id=pk) for pk, _, _ in orgs],
                                       ignore_conflicts=True, batch_size=2000)
    rows = [OrgMemberCount(organization_id=pk, subtree_current=totals[path][0], subtree_orgs=totals[path][1])
            for pk, path, _ in orgs]
    OrgMemberCount.objects.bulk_update(rows, ["subtree_current", "subtree_orgs"], batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ('orgs', '0005_org_member_count'),
    ]

    operations = [
        migrations.AddField(
            model_name='orgmembercount',
            name='subtree_current',
            field=models.IntegerField(default=0, verbose_name='含下级现有党员'),
        ),
        migrations.AddField(
            model_name='orgmembercount',
            name='subtree_orgs',
            field=models.IntegerField(default=0, verbose_name='含下级现存组织'),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
