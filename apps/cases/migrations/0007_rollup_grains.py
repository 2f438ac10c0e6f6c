from django.conf import settings
from django.db import migrations, models


def add_the_grains(apps, schema_editor):
    """The rows held so far are the full grain (the field's default): the narrower grains are their sums, written
    now so that the rankings do not read them as zero. Calls the app's own derivation (apps.cases.rollups.regrain),
    written for this migration's schema, as 0005 does."""
    CaseMonthRollup = apps.get_model("cases", "CaseMonthRollup")
    if not CaseMonthRollup.objects.using(schema_editor.connection.alias).exists():
        return
    from apps.cases import rollups

    rollups.regrain()


def drop_the_grains(apps, schema_editor):
    CaseMonthRollup = apps.get_model("cases", "CaseMonthRollup")
    CaseMonthRollup.objects.using(schema_editor.connection.alias).exclude(grain="full").delete()


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0006_live_cases_covering'),
        ('orgs', '0007_domain_rollups'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='casemonthrollup',
            name='grain',
            field=models.CharField(default='full', max_length=8),
        ),
        migrations.RemoveIndex(
            model_name='casemonthrollup',
            name='cases_rollup_month_unit_idx',
        ),
        migrations.AddIndex(
            model_name='casemonthrollup',
            index=models.Index(fields=['grain', 'month'], name='cases_rollup_grain_month_idx'),
        ),
        migrations.AddIndex(
            model_name='casemonthrollup',
            index=models.Index(fields=['grain', 'area', 'month'], name='cases_rollup_grain_area_idx'),
        ),
        migrations.RunPython(add_the_grains, drop_the_grains),
    ]
