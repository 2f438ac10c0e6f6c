"""PostgreSQL: statistics of the column 0008 added. Adding it rewrote cases_case without modifying a row, so autovacuum
sees nothing to analyze, and the planner took a common word for a rare one (its default selectivity): it counted
a search's hits through a bitmap of all 180,000 of a province's matches (70 ms) where a scan stops at the cap's
1,001st (a few ms). ANALYZE samples the table (seconds) and blocks no reads or writes."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ANALYZE cases_case")


class Migration(migrations.Migration):
    dependencies = [("cases", "0008_search_vector")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
