"""Case numbers (QG + date + the day's sequence) and query codes (what a resident needs to follow and rate a case)."""

import secrets

from django.db import connection

from apps.core.crypto import keyed_hash

from .models import CaseNumberCounter

# No 0/O, 1/I/L: a code read out over the phone or copied by hand survives.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def next_number(day) -> str:
    """The next number of `day`, e.g. QG2026120100042; numbers of one day are consecutive. One statement: an upsert of
    the day's counter returning its new value (the row stays locked by the caller's transaction, so parallel
    submissions take the next numbers one after another and a rolled-back one leaves no gap)."""
    meta = CaseNumberCounter._meta
    qn = connection.ops.quote_name
    table = qn(meta.db_table)
    sql = (f"INSERT INTO {table} ({qn('day')}, {qn('last')}) VALUES (%s, 1) "
           f"ON CONFLICT ({qn('day')}) DO UPDATE SET {qn('last')} = {table}.{qn('last')} + 1 RETURNING {qn('last')}")
    with connection.cursor() as cursor:
        cursor.execute(sql, [meta.get_field("day").get_db_prep_value(day, connection)])
        last = cursor.fetchone()[0]
    return f"QG{day:%Y%m%d}{last:05d}"


def new_query_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(code) -> str:
    return "".join((code or "").split()).upper()


def hash_code(code) -> str:
    return keyed_hash("case-query:" + normalize_code(code))
