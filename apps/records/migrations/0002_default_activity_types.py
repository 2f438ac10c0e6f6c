"""The activity types of rules.md §3 with their required frequencies; the district may change them."""

from django.db import migrations


def create(apps, schema_editor):
    from apps.records.defaults import ensure_default_types

    ensure_default_types(apps.get_model("records", "ActivityType"))


class Migration(migrations.Migration):
    dependencies = [("records", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
