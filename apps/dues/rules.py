"""The dues rules of rules.md §1 as pure functions: the monthly amount from a category and a base, and the months.

Boundaries exactly as the 2008 规定 writes them: in-service ≤ 3000 → 0.5%, 3000 < base ≤ 5000 → 1%,
5000 < base ≤ 10000 → 1.5%, > 10000 → 2%; retired ≤ 5000 → 0.5%, > 5000 → 1%. Amounts are yuan with two decimals,
rounded half up (0.005 → 0.01): the rounding the finance offices use for fen. Flat categories pay a fixed amount
(farmers: `DUES_FARMER_MONTHLY`, a local figure between 0.2 and 1; students, laid-off or unemployed members and
members on relief: `DUES_FLAT_MONTHLY`, 0.2). Money is Decimal everywhere, never float.
"""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

CENT = Decimal("0.01")


class DuesCategory(models.TextChoices):
    IN_SERVICE = "in_service", _("在职")
    RETIRED = "retired", _("离退休")
    FARMER = "farmer", _("农民")
    STUDENT = "student", _("学生")
    UNEMPLOYED = "unemployed", _("下岗失业")
    RELIEF = "relief", _("低保或救济")


# Categories whose amount is a percentage of a monthly base: they need the base.
BASED = (DuesCategory.IN_SERVICE, DuesCategory.RETIRED)

IN_SERVICE_BRACKETS = ((Decimal("3000"), Decimal("0.005")), (Decimal("5000"), Decimal("0.01")),
                       (Decimal("10000"), Decimal("0.015")), (None, Decimal("0.02")))
RETIRED_BRACKETS = ((Decimal("5000"), Decimal("0.005")), (None, Decimal("0.01")))


def money(value) -> Decimal:
    """A Decimal in yuan, rounded half up to the fen. Floats are refused: they cannot hold fen exactly."""
    if isinstance(value, float):
        raise TypeError("money is Decimal, never float")
    amount = Decimal(value)
    if not amount.is_finite():  # NaN and Infinity pass Decimal() and quantize quietly: never an amount
        raise ValueError("money is a finite amount")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def rate_for(category: str, base: Decimal) -> Decimal | None:
    """The percentage (as a fraction) for a based category; None for a flat one."""
    brackets = {DuesCategory.IN_SERVICE: IN_SERVICE_BRACKETS, DuesCategory.RETIRED: RETIRED_BRACKETS}.get(category)
    if brackets is None:
        return None
    for upper, rate in brackets:
        if upper is None or base <= upper:
            return rate
    raise AssertionError("unreachable")


def flat_amount(category: str) -> Decimal:
    if category == DuesCategory.FARMER:
        return money(settings.DUES_FARMER_MONTHLY)
    return money(settings.DUES_FLAT_MONTHLY)


def monthly_amount(category: str, base: Decimal | None) -> Decimal:
    """The monthly dues by the brackets (based categories) or the flat figure."""
    if isinstance(base, float):
        raise TypeError("a dues base is Decimal, never float")
    if category in BASED:
        if base is None or base < 0:
            raise ValueError("a based category needs a base of 0 or more")
        return money(Decimal(base) * rate_for(category, Decimal(base)))
    return flat_amount(category)


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> int:
    """How many months from `first`'s month to `last`'s month (0 when the same month; negative when before)."""
    return (last.year - first.year) * 12 + last.month - first.month
