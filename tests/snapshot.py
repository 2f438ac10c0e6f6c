"""Keep a copy of every table's rows in the test database and put it back in a fraction of the time it took to write.

The browser tests use it for the demo district: seeded once per test session (per xdist worker), copied aside, and put
back before each test that asks for it, whatever the test before it wrote. The copies are ordinary tables of the test
database (snapshot_0, snapshot_1 ...), so the live server's thread (its own connection on PostgreSQL, the shared one on
SQLite) sees the restored rows; Django's flush never touches them, since they belong to no model. Plain SQL that
SQLite and PostgreSQL both run: CREATE TABLE ... AS SELECT, INSERT ... SELECT, then the sequences set past the rows.
"""

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import connection, transaction

PREFIX = "snapshot_"


def _model_tables():
    return sorted(connection.introspection.django_table_names(only_existing=True, include_views=False))


def _columns(table) -> str:
    """The model's own columns of `table`, quoted: a column the database computes (the cases' generated search vector
    on PostgreSQL, their lapse_at) is neither copied nor written back."""
    quote = connection.ops.quote_name
    for model in apps.get_models(include_auto_created=True):
        if model._meta.db_table == table:
            return ", ".join(quote(f.column) for f in model._meta.concrete_fields if not f.generated)
    return "*"


class DatabaseSnapshot:
    """take() copies the rows of every model table aside; restore() empties the model tables and copies them back."""

    def __init__(self):
        self.tables = {}  # model table -> its copy; only the tables that had rows

    def take(self):
        quote = connection.ops.quote_name
        unlogged = "UNLOGGED " if connection.vendor == "postgresql" else ""
        self.drop()
        with transaction.atomic(), connection.cursor() as cursor:
            for table in _model_tables():
                cursor.execute(f"SELECT 1 FROM {quote(table)} LIMIT 1")
                if cursor.fetchone() is None:
                    continue
                copy = f"{PREFIX}{len(self.tables)}"
                cursor.execute(f"DROP TABLE IF EXISTS {quote(copy)}")
                cursor.execute(f"CREATE {unlogged}TABLE {quote(copy)} AS SELECT {_columns(table)} FROM {quote(table)}")
                self.tables[table] = copy
        return self

    def restore(self):
        quote = connection.ops.quote_name
        tables = _model_tables()
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # The rows are a copy of a consistent database: a superuser (as in CI) skips the foreign-key triggers,
                # which would otherwise check every restored row at the commit (most of the time a restore takes).
                cursor.execute("SELECT current_setting('is_superuser') = 'on'")
                if cursor.fetchone()[0]:
                    cursor.execute("SET LOCAL session_replication_role = replica")
            # DELETE, not Django's flush: on PostgreSQL a TRUNCATE of every table costs seconds (new files for each
            # table and index), a DELETE of a few thousand rows a fraction. Foreign keys are checked at the commit.
            for table in tables:
                cursor.execute(f"DELETE FROM {quote(table)}")
            for table, copy in self.tables.items():
                columns = _columns(table)
                target = "" if columns == "*" else f" ({columns})"
                cursor.execute(f"INSERT INTO {quote(table)}{target} SELECT {columns} FROM {quote(copy)}")
            # New rows continue after the restored ones (PostgreSQL; SQLite needs nothing).
            for sql in connection.ops.sequence_reset_sql(no_style(), apps.get_models(include_auto_created=True)):
                cursor.execute(sql)
        ContentType.objects.clear_cache()  # the content types' ids are the snapshot's again

    def drop(self):
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            for name in connection.introspection.table_names(cursor):
                if name.startswith(PREFIX):
                    cursor.execute(f"DROP TABLE {quote(name)}")
        self.tables = {}
