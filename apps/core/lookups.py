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
