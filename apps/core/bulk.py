"""A lean INSERT for large imports: `insert_returning_pks` writes model instances the way `bulk_create` does (every
concrete field, auto_now/auto_now_add set, primary keys returned and set), without the per-value cost of Django's
SQL compiler, which at 63,000 members and as many audit rows took longer than reading the whole file.

Values go through the same conversions Django applies (`get_db_prep_save`: encryption of an EncryptedTextField,
JSON, dates as the backend wants them); only text, numbers and booleans, which need none, are passed as they are.
No signals are sent (as bulk_create). SQLite: multi-row INSERT … RETURNING (≥ 3.35), which returns the keys in the
rows' order, as Django's own bulk_create relies on. PostgreSQL: keys from the sequence, then COPY (below)."""

from contextlib import contextmanager

from django.db import connections, models, router
from django.utils import timezone

# Above this, a PostgreSQL statement gains nothing and the parameter list grows large (65,535 parameters at most).
MAX_ROWS_PER_STATEMENT = 1000
# PostgreSQL: from this many rows, COPY (two round trips) beats one INSERT … RETURNING (a public submission's 2 rows).
COPY_MIN_ROWS = 200


def _converter(field, connection):
    """None where the value goes to the driver as it is; else the conversion Django's INSERT applies."""
    if isinstance(field, models.ForeignKey):
        plain = isinstance(field.target_field, (models.AutoField, models.IntegerField))
        return None if plain else (lambda value: field.get_db_prep_save(value, connection))
    own = type(field)
    if own in (models.CharField, models.TextField):
        # TextChoices members and lazy strings become plain str, as CharField.to_python makes them.
        return lambda value: value if value is None or type(value) is str else str(value)
    if own is models.DateField:
        return connection.ops.adapt_datefield_value
    if own in (models.BooleanField, models.IntegerField, models.BigIntegerField, models.PositiveIntegerField,
               models.SmallIntegerField, models.PositiveSmallIntegerField):
        return None
    # Dates, JSON, encrypted text, IP addresses, subclasses with conversions of their own: Django's conversion.
    return lambda value: field.get_db_prep_save(value, connection)


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
    fields = [f for f in meta.concrete_fields if not f.primary_key]
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
    max_params = connection.features.max_query_params or 65535
    per_statement = max(1, min(MAX_ROWS_PER_STATEMENT, max_params // len(fields)))
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    pairs = list(zip(attnames, converters))
    if connection.vendor == "postgresql" and len(objs) >= COPY_MIN_ROWS:
        _copy_with_keys(connection, meta, objs, fields, pairs, using)
        return
    with connection.cursor() as cursor:
        for start in range(0, len(objs), per_statement):
            batch = objs[start:start + per_statement]
            params = []
            for obj in batch:
                values = obj.__dict__
                for attname, convert in pairs:
                    value = values[attname]
                    params.append(value if convert is None else convert(value))
            cursor.execute(head + "VALUES " + ", ".join([row_sql] * len(batch)) + tail, params)
            ids = cursor.fetchall()
            if len(ids) != len(batch):
                raise RuntimeError(f"INSERT into {meta.db_table} returned {len(ids)} keys for {len(batch)} rows")
            for obj, (pk_value,) in zip(batch, ids):
                setattr(obj, pk.attname, pk_value)
                obj._state.adding = False
                obj._state.db = using


def _copy_with_keys(connection, meta, objs, fields, pairs, using):
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
            for obj, key in zip(objs, keys):
                values = obj.__dict__
                row = [key]
                for attname, convert in pairs:
                    value = values[attname]
                    row.append(value if convert is None else convert(value))
                copy.write_row(row)
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
