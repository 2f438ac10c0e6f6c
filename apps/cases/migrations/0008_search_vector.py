"""PostgreSQL: the search tokens' tsvector stored in a generated column (`search_vector`, kept by the database on every
write, bulk ones included) with the GIN index on it, replacing the GIN index on the expression to_tsvector('simple',
search_tokens) of migration 0002. A search of a common word (18 万 hits in a province) walks the list's date index and
tests each row: against the expression, each test parsed the row's tokens again (to_tsvector, per row: the page and
the capped count took 250 ms); against the stored vector it is a lookup. The column is not a model field: the ORM never
reads or writes it (apps/cases/search.py names it in its match). SQLite keeps its FTS5 table (0002)."""

from django.db import migrations

FORWARDS = [
    "ALTER TABLE cases_case ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_tokens)) STORED",
    "CREATE INDEX IF NOT EXISTS cases_case_search_vector_gin ON cases_case USING gin (search_vector)",
    "DROP INDEX IF EXISTS cases_case_search_gin",
]
BACKWARDS = [
    "CREATE INDEX IF NOT EXISTS cases_case_search_gin ON cases_case USING gin (to_tsvector('simple', search_tokens))",
    "DROP INDEX IF EXISTS cases_case_search_vector_gin",
    "ALTER TABLE cases_case DROP COLUMN IF EXISTS search_vector",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARDS:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in BACKWARDS:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("cases", "0007_rollup_grains")]
    operations = [migrations.RunPython(forwards, backwards)]
