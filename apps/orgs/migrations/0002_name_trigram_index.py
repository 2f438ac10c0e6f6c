from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS orgs_organization_name_trgm ON orgs_organization USING gin (name gin_trgm_ops)",
]
DROP = ["DROP INDEX IF EXISTS orgs_organization_name_trgm"]


def forwards(apps, schema_editor):
    # Substring search on organization names: a trigram index on PostgreSQL. SQLite has no
    # equivalent; there the subtree prefix bounds the rows searched.
    if schema_editor.connection.vendor == "postgresql":
        for sql in CREATE:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("orgs", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
