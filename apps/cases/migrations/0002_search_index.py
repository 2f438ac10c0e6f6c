from django.db import migrations

# SQLite: an FTS5 index over cases_case.search_tokens (external content), kept by triggers, so that bulk inserts
# (the demo, imports) are indexed like single writes. PostgreSQL: a GIN index on the tsvector of the same tokens.
SQLITE = [
    "CREATE VIRTUAL TABLE cases_case_fts USING fts5(search_tokens, content='cases_case', content_rowid='id', "
    "tokenize='unicode61')",
    "CREATE TRIGGER cases_case_fts_ai AFTER INSERT ON cases_case BEGIN "
    "INSERT INTO cases_case_fts(rowid, search_tokens) VALUES (new.id, new.search_tokens); END",
    "CREATE TRIGGER cases_case_fts_ad AFTER DELETE ON cases_case BEGIN "
    "INSERT INTO cases_case_fts(cases_case_fts, rowid, search_tokens) VALUES ('delete', old.id, old.search_tokens); END",
    "CREATE TRIGGER cases_case_fts_au AFTER UPDATE OF search_tokens ON cases_case "
    "WHEN old.search_tokens IS NOT new.search_tokens BEGIN "
    "INSERT INTO cases_case_fts(cases_case_fts, rowid, search_tokens) VALUES ('delete', old.id, old.search_tokens); "
    "INSERT INTO cases_case_fts(rowid, search_tokens) VALUES (new.id, new.search_tokens); END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS cases_case_fts_au",
    "DROP TRIGGER IF EXISTS cases_case_fts_ad",
    "DROP TRIGGER IF EXISTS cases_case_fts_ai",
    "DROP TABLE IF EXISTS cases_case_fts",
]
POSTGRES = ["CREATE INDEX IF NOT EXISTS cases_case_search_gin ON cases_case "
            "USING gin (to_tsvector('simple', search_tokens))"]
POSTGRES_DROP = ["DROP INDEX IF EXISTS cases_case_search_gin"]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in SQLITE if vendor == "sqlite" else POSTGRES if vendor == "postgresql" else []:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in SQLITE_DROP if vendor == "sqlite" else POSTGRES_DROP if vendor == "postgresql" else []:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
