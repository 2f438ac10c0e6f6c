"""Stored roll-ups by domain (OrgDomainCount): each organization's subtree totals per domain, filled from the tree and
the direct member counts (one pass over the organizations, a bulk insert)."""

from collections import defaultdict

import django.db.models.deletion
from django.db import migrations, models

STEP = 4


def fill(apps, schema_editor):
    Organization = apps.get_model("orgs", "Organization")
    OrgMemberCount = apps.get_model("orgs", "OrgMemberCount")
    OrgDomainCount = apps.get_model("orgs", "OrgDomainCount")
    orgs = list(Organization.objects.order_by().values_list("pk", "path", "is_active", "domain"))
    pks = {path: pk for pk, path, _, _ in orgs}
    direct = dict(OrgMemberCount.objects.order_by().values_list("organization_id", "current"))
    totals = defaultdict(lambda: [0, 0])
    for pk, path, active, domain in orgs:
        for end in range(STEP, len(path) + 1, STEP):
            if path[:end] in pks:
                row = totals[pks[path[:end]], domain]
                row[0] += direct.get(pk, 0)
                row[1] += 1 if active else 0
    OrgDomainCount.objects.bulk_create(
        [OrgDomainCount(organization_id=pk, domain=domain, members=members, orgs=count)
         for (pk, domain), (members, count) in sorted(totals.items()) if members or count], batch_size=2000)


class Migration(migrations.Migration):

    dependencies = [
        ('orgs', '0006_subtree_rollups'),
    ]

    operations = [
        migrations.CreateModel(
            name='OrgDomainCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('domain', models.CharField(choices=[('organ', '机关'), ('institution', '事业单位'), ('state_enterprise', '国有企业'), ('private_enterprise', '非公有制企业'), ('social_org', '社会组织'), ('village', '村'), ('community', '社区'), ('school', '学校'), ('health', '医疗卫生'), ('retired', '离退休'), ('other', '其他')], max_length=24, verbose_name='所属领域')),
                ('orgs', models.IntegerField(default=0, verbose_name='含下级现存组织')),
                ('members', models.IntegerField(default=0, verbose_name='含下级现有党员')),
                ('organization', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='domain_counts', to='orgs.organization')),
            ],
            options={
                'verbose_name': '组织分领域统计',
                'verbose_name_plural': '组织分领域统计',
                'constraints': [models.UniqueConstraint(fields=('organization', 'domain'), name='orgs_domaincount_org_domain')],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
