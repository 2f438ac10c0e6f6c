"""Plain multi-row INSERTs for the demo's cases, assignments and events (a model instance and bulk_create's generic
path for each of some 400,000 rows would take minutes), and a larger SQLite page cache while they are written."""

import sqlite3
from datetime import datetime

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import JSONField

from apps.cases.models import Case, CaseAssignment, CaseEvent
from apps.core.crypto import EncryptedTextField

INSERT_FIELDS = {
    Case: [f.name for f in Case._meta.concrete_fields if not f.generated],  # Record.row()
    CaseAssignment: ("case", "unit", "role", "status", "dispatched_at", "signed_at", "returned_at", "return_reason"),
    CaseEvent: ("case", "kind", "at", "actor", "unit", "is_public", "text", "data"),
}
# Values of these fields are not what the database takes: they go through the field's get_db_prep_save.
CONVERTED = ("DateTimeField", "JSONField", "UUIDField", "DecimalField")


def insert_rows(model, rows):
    """Plain multi-row INSERTs of rows (values in the order of INSERT_FIELDS): a district's year is 43,000 cases and
    some 300,000 events, and bulk_create spends most of its time on the generic path of each value. Values that need
    it go through their field's conversion for the database, as in bulk_create; plain strings, numbers and ids go as
    they are. (Multi-row, not executemany: SQLite would flush the cases' full-text index after every single row.)"""
    db = connections[DEFAULT_DB_ALIAS]  # the connection itself: the proxy's lookup, a million times, would count
    fields = [model._meta.get_field(name) for name in INSERT_FIELDS[model]]
    converting = [(i, f) for i, f in enumerate(fields)
                  if f.get_internal_type() in CONVERTED or isinstance(f, EncryptedTextField)]
    adapt_moment, adapt_json = db.ops.adapt_datetimefield_value, db.ops.adapt_json_value
    moments = {}  # the timestamps of a case repeat (submitted = accepted = dispatched, …): adapt each once
    values = []
    for row in rows:
        row = list(row)
        for i, f in converting:
            value = row[i]
            if isinstance(value, datetime):  # aware, in UTC: what DateTimeField.get_prep_value would pass on
                if value not in moments:
                    moments[value] = adapt_moment(value)
                row[i] = moments[value]
            elif isinstance(f, JSONField):
                row[i] = adapt_json(value, f.encoder)
            elif value is not None:
                row[i] = f.get_db_prep_save(value, db)
        values.append(row)
    qn = db.ops.quote_name
    head = f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) VALUES "
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    size = max(1, min(1000, _max_params(db) // len(fields)))
    with db.cursor() as cursor:
        for start in range(0, len(values), size):
            batch = values[start:start + size]
            cursor.execute(head + ", ".join([one] * len(batch)), [v for row in batch for v in row])


def _max_params(db):
    """Parameters a statement may have: SQLite's own limit (Django assumes the old default of 999; rows in larger
    statements keep the full-text index in fewer, larger segments), PostgreSQL's."""
    if db.vendor == "sqlite":
        db.ensure_connection()
        return db.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return db.features.max_query_params or 65535

