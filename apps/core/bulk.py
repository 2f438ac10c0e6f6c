"""A lean INSERT for large imports: `insert_returning_pks` writes model instances the way `bulk_create` does (every
concrete field, auto_now/auto_now_add set, primary keys returned and set), without the per-value cost of Django's
SQL compiler, which at 63,000 members and as many audit rows took longer than reading the whole file.

Values go through the same conversions Django applies (`get_db_prep_save`: encryption of an EncryptedTextField,
JSON, dates as the backend wants them); only text, numbers and booleans, which need none, are passed as they are.
No signals are sent (as bulk_create). SQLite: multi-row INSERT … RETURNING (≥ 3.35), which returns the keys in the
rows' order, as Django's own bulk_create relies on. PostgreSQL: keys from the sequence, then COPY (below)."""

import json
import operator
import sqlite3
from contextlib import contextmanager
from functools import cache

from django.db import connections, models, router
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init
from django.utils import timezone

# Above this, a PostgreSQL statement gains nothing and the parameter list grows large (65,535 parameters at most).
MAX_ROWS_PER_STATEMENT = 1000
# PostgreSQL: from this many rows, COPY (two round trips) beats one INSERT … RETURNING (a public submission's 2 rows).
COPY_MIN_ROWS = 200


@cache
def instance_factory(model):
    """A function returning what `model()` returns — an unsaved instance, every field at its default — for building
    tens of thousands of rows: Model.__init__ works each default out field by field on every call, about as long as
    the row's INSERT. The defaults are taken from one `model()`; callable ones are called for each instance, as
    Model.__init__ does. While pre_init/post_init receivers for the model are connected (they must run): `model()`."""
    proto = model()
    defaults = {key: value for key, value in proto.__dict__.items() if key != "_state"}
    dynamic = [(f.attname, f.get_default) for f in model._meta.concrete_fields
               if f.attname in defaults and f.has_default() and callable(f.default)]
    new = model.__new__

    def make():
        if pre_init.has_listeners(model) or post_init.has_listeners(model):
            return model()
        obj = new(model)
        values = obj.__dict__
        values["_state"] = ModelState()
        values.update(defaults)
        for attname, default in dynamic:
            values[attname] = default()
        return obj

    return make


# The conversion of text fields, applied inline by _rows (a function call per value cost more than the check).
_TEXT = object()


def _converter(field, connection):
    """None where the value goes to the driver as it is; _TEXT for text; else the conversion Django's INSERT applies."""
    if isinstance(field, models.ForeignKey):
        plain = isinstance(field.target_field, (models.AutoField, models.IntegerField))
        return None if plain else (lambda value: field.get_db_prep_save(value, connection))
    own = type(field)
    if own in (models.CharField, models.TextField):
        return _TEXT
    if own is models.DateField:
        return connection.ops.adapt_datefield_value
    if own in (models.BooleanField, models.IntegerField, models.BigIntegerField, models.PositiveIntegerField,
               models.SmallIntegerField, models.PositiveSmallIntegerField):
        return None
    # Dates, JSON, encrypted text, IP addresses, subclasses with conversions of their own: Django's conversion.
    return lambda value: field.get_db_prep_save(value, connection)


def _rows(objs, attnames, converters):
    """Each object's values in field order, as the driver takes them: read by one itemgetter; TextChoices members and
    lazy strings made plain str, as CharField.to_python makes them; the other conversions applied."""
    get = operator.itemgetter(*attnames)
    single = len(attnames) == 1
    text = [i for i, c in enumerate(converters) if c is _TEXT]
    other = [(i, c) for i, c in enumerate(converters) if c is not None and c is not _TEXT]
    for obj in objs:
        row = [get(obj.__dict__)] if single else list(get(obj.__dict__))
        for i in text:
            value = row[i]
            if type(value) is not str and value is not None:
                row[i] = str(value)
        for i, convert in other:
            row[i] = convert(row[i])
        yield row


def _max_params(connection) -> int:
    if connection.vendor == "sqlite":
        # Django assumes SQLite's old default of 999 parameters (38 members a statement); the library's own limit
        # (32,766 since SQLite 3.32) lets one statement carry MAX_ROWS_PER_STATEMENT rows: a fifth less time.
        connection.ensure_connection()
        getlimit = getattr(connection.connection, "getlimit", None)  # Python 3.11+
        if getlimit is not None:
            return getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return connection.features.max_query_params or 65535


def insert_returning_pks(model, objs, *, using=None) -> None:
    """INSERT `objs` (unsaved instances of `model`, auto-increment primary key) in multi-row statements; set each
    one's primary key. Call inside the caller's transaction."""
    if not objs:
        return
    using = using or router.db_for_write(model)
    connection = connections[using]
    meta = model._meta
    if not isinstance(meta.pk, models.AutoField | models.BigAutoField | models.SmallAutoField):
        raise TypeError(f"insert_returning_pks needs an auto-increment primary key ({meta.label})")
    fields = [f for f in meta.concrete_fields if not f.primary_key and not f.generated]
    now = timezone.now()
    converters = []
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            # One timestamp for the whole insert, set on the instances as pre_save would, converted once.
            for obj in objs:
                setattr(obj, f.attname, now)
            stored = f.get_db_prep_save(now, connection)
            converters.append(lambda value, stored=stored: stored)
        else:
            converters.append(_converter(f, connection))
    attnames = [f.attname for f in fields]
    qn = connection.ops.quote_name
    table, pk = qn(meta.db_table), meta.pk
    head = f"INSERT INTO {table} ({', '.join(qn(f.column) for f in fields)}) "
    tail = f" RETURNING {table}.{qn(pk.column)}"
    max_params = _max_params(connection)
    per_statement = max(1, min(MAX_ROWS_PER_STATEMENT, max_params // len(fields)))
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    if connection.vendor == "postgresql" and len(objs) >= COPY_MIN_ROWS:
        _copy_with_keys(connection, meta, objs, fields, attnames, converters, using)
        return
    with connection.cursor() as cursor:
        for start in range(0, len(objs), per_statement):
            batch = objs[start:start + per_statement]
            params = []
            for row in _rows(batch, attnames, converters):
                params += row
            cursor.execute(head + "VALUES " + ", ".join([row_sql] * len(batch)) + tail, params)
            ids = cursor.fetchall()
            if len(ids) != len(batch):
                raise RuntimeError(f"INSERT into {meta.db_table} returned {len(ids)} keys for {len(batch)} rows")
            for obj, (pk_value,) in zip(batch, ids):
                setattr(obj, pk.attname, pk_value)
                obj._state.adding = False
                obj._state.db = using


def _copy_with_keys(connection, meta, objs, fields, attnames, converters, using):
    """PostgreSQL: the keys drawn from the table's sequence in one statement, then the rows by COPY with those keys.
    Any INSERT with parameters costs psycopg (Django's client-side binding) a Python quoting of every value — longer
    than the write itself at 63,000 rows; COPY's rows are formatted by psycopg's C code. Same transaction, same
    connection; the COPY is not a cursor.execute, so execute_wrapper counters see only the key statement."""
    qn = connection.ops.quote_name
    pk = meta.pk
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                       [meta.db_table, pk.column, len(objs)])
        keys = [row[0] for row in cursor.fetchall()]
        columns = ", ".join(qn(c) for c in [pk.column, *(f.column for f in fields)])
        # Django's error classes (IntegrityError on a duplicate ID hash), as cursor.execute raises them.
        with connection.wrap_database_errors, cursor.cursor.copy(f"COPY {qn(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for key, row in zip(keys, _rows(objs, attnames, converters)):
                copy.write_row([key, *row])
    for obj, key in zip(objs, keys):
        setattr(obj, pk.attname, key)
        obj._state.adding = False
        obj._state.db = using


@contextmanager
def large_write_cache(using="default", kib=131_072):
    """SQLite: a larger page cache for one bulk write (the default 2 MB holds little of the ten indexes a member
    import updates: 63,000 rows took 2–3 s longer), restored afterwards, which frees the pages above the old size.
    PostgreSQL: nothing (shared buffers are the server's)."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{int(kib)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


def add_increments(model, *, keys, figures, rows, chunk=150) -> None:
    """Add increments to stored counters: `rows` [(*key values, *figure values)] upserted into `model`'s table, a
    missing row inserted with the values, an existing one raised by them (INSERT … ON CONFLICT (keys) DO UPDATE SET
    figure = figure + excluded.figure: SQLite and PostgreSQL; `keys` must be a unique constraint's columns). In the
    order given: callers pass the rows in key order, so two writers sharing rows lock them in the same order and queue
    instead of deadlocking. The roll-ups of the organization tree, the records and the calendar all write this way."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    columns = ", ".join(qn(c) for c in (*keys, *figures))
    one = "(" + ", ".join(["%s"] * (len(keys) + len(figures))) + ")"
    conflict = ", ".join(qn(c) for c in keys)
    added = ", ".join(f"{qn(f)} = {table}.{qn(f)} + excluded.{qn(f)}" for f in figures)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), chunk):
            part = rows[start:start + chunk]
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * len(part))} "
                           f"ON CONFLICT ({conflict}) DO UPDATE SET {added}", [x for row in part for x in row])


def update_rows(model, objs, fields, *, chunk=None) -> int:
    """Write `fields` of many saved instances at once, in primary-key order (two writers sharing rows lock them in the
    same order): what Model.objects.bulk_update does without its CASE WHEN per row and field, whose building took
    seconds for the ~26,000 scores of a district's assessment round. PostgreSQL: UPDATE … FROM unnest(one array a
    column) — a handful of parameters whatever the rows; SQLite (≥ 3.33): UPDATE … FROM (VALUES …), a few hundred
    rows a statement. Values go through the fields' own conversions (get_db_prep_save); no signals (as
    bulk_update). Returns the rows written."""
    objs = sorted(objs, key=lambda o: o.pk)
    if not objs:
        return 0
    connection = connections[router.db_for_write(model)]
    qn = connection.ops.quote_name
    meta = model._meta
    table, pk = qn(meta.db_table), meta.pk
    columns = [pk, *(meta.get_field(name) for name in fields)]
    postgresql = connection.vendor == "postgresql"
    chunk = chunk or (5000 if postgresql else 500)
    # SQLite names a VALUES list's columns column1, column2 …; PostgreSQL takes the names given.
    names = [f"c{i}" for i in range(len(columns))] if postgresql else [f"column{i + 1}" for i in range(len(columns))]
    assign = ", ".join(f"{qn(f.column)} = v.{n}" for f, n in zip(columns[1:], names[1:]))
    where = f"WHERE {table}.{qn(pk.column)} = v.{names[0]}"
    written = 0
    with connection.cursor() as cursor:
        for start in range(0, len(objs), chunk):
            part = objs[start:start + chunk]
            if postgresql:
                # One JSON document of every row (jsonb_to_recordset): the client binds one string, quoted once —
                # one array a column took seconds to quote element by element (the scores' JSON inputs).
                rows = [{n: _json_value(f, getattr(o, f.attname), connection) for f, n in zip(columns, names)} for o in part]
                types = ", ".join(f"{n} {f.db_type(connection)}" for f, n in zip(columns, names))
                sql = f"UPDATE {table} SET {assign} FROM jsonb_to_recordset(CAST(%s AS jsonb)) AS v ({types}) {where}"
                params = [json.dumps(rows, default=str, ensure_ascii=False)]
            else:
                values = [[f.get_db_prep_save(getattr(o, f.attname), connection) for o in part] for f in columns]
                one = "(" + ", ".join(["%s"] * len(columns)) + ")"
                sql = f"UPDATE {table} SET {assign} FROM (VALUES {', '.join([one] * len(part))}) AS v {where}"
                params = [row[i] for i in range(len(part)) for row in values]
            cursor.execute(sql, params)
            written += cursor.rowcount
    return written


def _json_value(field, value, connection):
    """A field's value as jsonb_to_recordset reads it into the field's column type: JSON as itself, the rest as the
    database would take it (decimals and datetimes as their text)."""
    if isinstance(field, models.JSONField) or value is None:
        return value
    return field.get_db_prep_save(value, connection)
