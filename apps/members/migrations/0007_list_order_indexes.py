"""PostgreSQL: indexes in the member list's order (the sort key in code-point order, then id), carrying the
columns the list's filters read, so a page — of the whole list or of a search by pinyin, initials or the start of a
name — is a short index walk, and a capped count an index-only scan, not a table page per match.
SQLite orders and compares in code-point order already; its indexes on name / name_pinyin (with the rowid) serve."""

from django.db import migrations

INDEXES = {
    "members_member_pinyin_c_key": 'ON members_member ((name_pinyin COLLATE "C"), id) INCLUDE (name_initials, status, organization_id)',
    "members_member_name_c_key": 'ON members_member ((name COLLATE "C"), id) INCLUDE (status, organization_id)',
}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, spec in INDEXES.items():
            # Concurrently: 2 million rows at province scale, and member writes go on meanwhile.
            schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} {spec}")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("members", "0006_org_member_count_to_orgs")]
    operations = [migrations.RunPython(forwards, backwards)]
