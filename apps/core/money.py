"""Sums of money that come back exact on both databases.

SQLite adds DECIMAL columns as floats, and Django turns an aggregate's float into a Decimal of 15 significant digits
without rounding it to the column's places (it does that for plain columns only): a sum of 421,839.30 yuan came back
as 421839.300000001, so "balance < 0" or "statement total == recorded total" could be decided by float noise.
`MoneySum` rounds the result to the fen after the backend's conversion (half up); on PostgreSQL, where numeric sums
are exact, the rounding changes nothing.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import DecimalField, Sum

CENT = Decimal("0.01")


class MoneySum(Sum):
    def __init__(self, *expressions, **extra):
        extra.setdefault("output_field", DecimalField(max_digits=18, decimal_places=2))
        super().__init__(*expressions, **extra)

    def get_db_converters(self, connection):
        return [*super().get_db_converters(connection), _to_fen]


def _to_fen(value, expression, connection):
    return None if value is None else Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
