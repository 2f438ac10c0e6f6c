"""The dues rules (rules.md §1) as pure functions: the monthly amount at, just under and just over every boundary of
the brackets with the exact amounts and the fen rounding (half up), the flat categories from the settings, floats
refused, the standard in force for a month, from when a (probationary) member owes, and properties of the amount
(monotonic in the base within a category, never negative) tested with hypothesis."""

from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apps.dues import standing
from apps.dues.models import DuesStandard
from apps.dues.rules import DuesCategory, monthly_amount
from apps.dues.standard_selectors import explain

IN = DuesCategory.IN_SERVICE
RET = DuesCategory.RETIRED


@pytest.mark.parametrize(("base", "amount"), [
    ("0", "0.00"), ("1.00", "0.01"),  # 0.005 rounds half up to 0.01 (half-even would give 0.00)
    ("2999.99", "15.00"), ("3000.00", "15.00"), ("3000.01", "30.00"),
    ("4200.00", "42.00"), ("4200.50", "42.01"),  # 42.005 → 42.01
    ("4999.99", "50.00"), ("5000.00", "50.00"), ("5000.01", "75.00"),
    ("9999.99", "150.00"), ("10000.00", "150.00"), ("10000.01", "200.00"),
    ("12345.67", "246.91"),
])
def test_in_service_brackets(base, amount):
    assert monthly_amount(IN, D(base)) == D(amount)
    assert str(monthly_amount(IN, D(base))) == amount  # two decimals, always


@pytest.mark.parametrize(("base", "amount"), [
    ("0", "0.00"), ("3000.00", "15.00"), ("4999.99", "25.00"), ("5000.00", "25.00"), ("5000.01", "50.00"),
    ("5000.10", "50.00"), ("8000.50", "80.01"),  # 80.005 → 80.01
])
def test_retired_brackets(base, amount):
    assert monthly_amount(RET, D(base)) == D(amount)


def test_flat_categories_from_settings(settings):
    settings.DUES_FARMER_MONTHLY = "0.80"
    settings.DUES_FLAT_MONTHLY = "0.20"
    assert monthly_amount(DuesCategory.FARMER, None) == D("0.80")
    for category in (DuesCategory.STUDENT, DuesCategory.UNEMPLOYED, DuesCategory.RELIEF):
        assert monthly_amount(category, None) == D("0.20")


def test_based_category_needs_a_base_and_floats_are_refused():
    with pytest.raises(ValueError):
        monthly_amount(IN, None)
    with pytest.raises(ValueError):
        monthly_amount(IN, D("-0.01"))
    with pytest.raises(TypeError):
        monthly_amount(IN, 4200.0)
    with pytest.raises(TypeError):
        monthly_amount(RET, 0.1)


def test_explained_with_bracket_and_rate():
    assert explain(IN, D("4200"), D("42.00")) == "在职 · 税后月收入 4,200.00 元 · 3000 < 基数 ≤ 5000 · 1% · 每月 42.00 元"
    assert explain(IN, D("2000"), D("10.00")).endswith("基数 ≤ 3000 · 0.5% · 每月 10.00 元")
    assert "10000 < 基数 · 2%" in explain(IN, D("20000"), D("400.00"))
    assert explain(RET, D("6000"), D("60.00")) == "离退休 · 离退休费 6,000.00 元 · 5000 < 基数 · 1% · 每月 60.00 元"
    assert explain(DuesCategory.FARMER, None, D("0.50")) == "农民 · 固定金额 · 每月 0.50 元"


bases = st.decimals(min_value=0, max_value=D("1000000"), places=2, allow_nan=False, allow_infinity=False)


@given(category=st.sampled_from([IN, RET]), a=bases, b=bases)
def test_amount_monotonic_in_base(category, a, b):
    low, high = sorted((a, b))
    assert monthly_amount(category, low) <= monthly_amount(category, high)


@given(category=st.sampled_from(list(DuesCategory)), base=bases)
def test_amount_never_negative_and_in_fen(category, base):
    amount = monthly_amount(category, base if category in (IN, RET) else None)
    assert amount >= 0
    assert amount == amount.quantize(D("0.01"))


def _s(day, amount):
    return DuesStandard(effective_from=day, monthly_amount=D(amount), category=IN, base=D(0))


def test_standard_in_force_changes_the_month_after_or_on_the_first():
    old, mid, first = _s(date(2026, 1, 1), "10.00"), _s(date(2026, 3, 15), "20.00"), _s(date(2026, 5, 1), "30.00")
    standards = [mid, first, old]
    assert standing.standard_in_force(standards, date(2026, 3, 1)) is old  # dated mid-March: not March
    assert standing.standard_in_force(standards, date(2026, 3, 31)) is old
    assert standing.standard_in_force(standards, date(2026, 4, 1)) is mid  # the month after
    assert standing.standard_in_force(standards, date(2026, 5, 1)) is first  # dated on the 1st: that month
    assert standing.standard_in_force(standards, date(2025, 12, 1)) is None


def test_admission_month_uses_its_own_standard():
    admitted = _s(date(2026, 6, 10), "15.00")
    assert standing.standard_in_force([admitted], date(2026, 6, 1)) is admitted
    assert standing.standard_in_force([admitted], date(2026, 7, 1)) is admitted
    assert standing.standard_in_force([admitted], date(2026, 5, 1)) is None


def test_covered_through_counts_the_unbroken_run_from_the_first_month_owed():
    from apps.dues.standing import FOREVER, covered_through

    jan, feb, mar, apr, may = (date(2026, m, 1) for m in range(1, 6))
    assert covered_through(jan, {jan, feb, mar}, []) == mar
    assert covered_through(jan, {jan, mar, apr}, []) == jan  # paying later months never hides February
    assert covered_through(jan, {feb, mar}, []) is None  # January itself unpaid
    assert covered_through(jan, {jan}, [(feb, mar)]) == mar  # a waiver covers its months
    assert covered_through(jan, {jan}, [(feb, None)]) == FOREVER  # an open-ended one every month from its first
    assert covered_through(may, set(), [(jan, None)]) == FOREVER  # whenever the run starts after it
    assert covered_through(jan, set(), [(feb, None)]) is None
