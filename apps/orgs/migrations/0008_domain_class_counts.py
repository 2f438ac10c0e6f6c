"""The class figures of the domain roll-ups (OrgDomainCount.groups / branches / committee_branches: the compliance
watch's denominators), filled like 0007: one pass over the organizations and their direct counts, every row anew."""

from collections import defaultdict

from django.conf import settings
from django.db import migrations, models

STEP = 4
BRANCH_KINDS = {"branch", "joint_branch", "temporary_branch"}


def _class_figures(kind, active, full):
    """(orgs, groups, branches, committee_branches): orgs.counting.class_figures(org_class(…)) as of this migration."""
    if not active:
        return (0, 0, 0, 0)
    if kind == "group":
        return (1, 1, 0, 0)
    if kind in BRANCH_KINDS:
        return (1, 0, 1, int(full >= settings.BRANCH_COMMITTEE_THRESHOLD))
    return (1, 0, 0, 0)


def fill(apps, schema_editor):
    Organization = apps.get_model("orgs", "Organization")
    OrgMemberCount = apps.get_model("orgs", "OrgMemberCount")
    OrgDomainCount = apps.get_model("orgs", "OrgDomainCount")
    orgs = list(Organization.objects.order_by().values_list("pk", "path", "is_active", "domain", "kind"))
    pks = {path: pk for pk, path, *_rest in orgs}
    direct = {pk: (c, f) for pk, c, f in OrgMemberCount.objects.order_by().values_list("organization_id", "current",
                                                                                        "current_full")}
    totals = defaultdict(lambda: [0, 0, 0, 0, 0])
    for pk, path, active, domain, kind in orgs:
        members, full = direct.get(pk, (0, 0))
        figures = (members, *_class_figures(kind, active, full))
        for end in range(STEP, len(path) + 1, STEP):
            if path[:end] in pks:
                row = totals[pks[path[:end]], domain]
                for i, value in enumerate(figures):
                    row[i] += value
    OrgDomainCount.objects.all().delete()
    OrgDomainCount.objects.bulk_create(
        [OrgDomainCount(organization_id=pk, domain=domain, members=m, orgs=o, groups=g, branches=b, committee_branches=c)
         for (pk, domain), (m, o, g, b, c) in sorted(totals.items()) if any((m, o, g, b, c))], batch_size=2000)


class Migration(migrations.Migration):

    dependencies = [
        ('orgs', '0007_domain_rollups'),
    ]

    operations = [
        migrations.AddField(
            model_name='orgdomaincount',
            name='branches',
            field=models.IntegerField(default=0, verbose_name='含下级现存党支部'),
        ),
        migrations.AddField(
            model_name='orgdomaincount',
            name='committee_branches',
            field=models.IntegerField(default=0, verbose_name='其中设支部委员会的'),
        ),
        migrations.AddField(
            model_name='orgdomaincount',
            name='groups',
            field=models.IntegerField(default=0, verbose_name='含下级现存党小组'),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
