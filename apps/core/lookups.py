"""A lookup that keeps numbers no database column can hold out of SQL.

`pk__in=[...]` with a value beyond 64 bits — what Django's ModelMultipleChoiceField sends for a posted
"999999999999999999999999" — made SQLite's driver raise OverflowError and PostgreSQL a DataError: a 500 for a typed
number. Django already answers an out-of-range `exact`/`gt`/`lt` as "no match"; `in` does the same here: such values
are dropped (they cannot equal any stored integer), and a list left empty matches nothing.
"""

from django.db.models import IntegerField, lookups

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


class IntegerIn(lookups.In):
    def get_prep_lookup(self):
        prepared = super().get_prep_lookup()
        if isinstance(prepared, (list, tuple)):
            prepared = [v for v in prepared if not isinstance(v, int) or INT64_MIN <= v <= INT64_MAX]
        return prepared


def register():
    # On IntegerField, so every integer, auto and foreign-key-to-integer column inherits it.
    IntegerField.register_lookup(IntegerIn)


_ASCII_DIGITS = frozenset("0123456789")


def parse_pk(value) -> int | None:
    """An id or count from the request (query string, form field, URL part) as an int, or None when it is not one.

    Only ASCII digits (surrounding spaces ignored), at most INT64_MAX: `str.isdigit()` is also true for "²", "٣" and
    "１２", on which `int()` either raises (a 500 where it was trusted) or quietly reads another script's digits, and
    a number beyond 64 bits makes the database driver fail. One function for every such parameter, so that they all
    treat the same strange input the same way: as nothing found."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= INT64_MAX else None
    text = str(value or "").strip()
    if not text or len(text) > 19 or not _ASCII_DIGITS.issuperset(text):
        return None
    number = int(text)
    return number if number <= INT64_MAX else None
