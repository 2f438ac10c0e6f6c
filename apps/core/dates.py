"""Date helpers shared by the apps."""

from datetime import date


def add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def add_months(d: date, months: int) -> date:
    month_index = d.month - 1 + months
    year, month = d.year + month_index // 12, month_index % 12 + 1
    import calendar

    day = min(d.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def whole_years_between(start: date, end: date) -> int:
    years = end.year - start.year
    if (end.month, end.day) < (start.month, start.day):
        years -= 1
    return years


# Every date the platform accepts lies in these years: births from 1900, terms and plans to 2100. Refusing the rest
# where dates come in (form and API date fields, month and period parameters) means date arithmetic on stored or
# requested dates — next month, a quarter's end, a day after — can never leave Python's years 1–9999 (a 500).
MIN_YEAR, MAX_YEAR = 1900, 2100


def date_range_message() -> str:
    from django.utils.translation import gettext as _

    return _("日期超出范围：应在{min}年至{max}年之间").format(min=MIN_YEAR, max=MAX_YEAR)


def validate_date_in_range(value):
    """Validator of every date (and date-time) field of forms, filters and the API (installed by `CoreConfig`)."""
    from django.core.exceptions import ValidationError

    if value is not None and not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValidationError(date_range_message(), code="date_range")


def parse_month(value: str) -> date:
    """'2026-11' (or '2026-1') as the first day of that month; ValueError with a Chinese message otherwise —
    month 13, year 99999 or year 0 included."""
    import re

    from django.utils.translation import gettext as _

    match = re.fullmatch(r"(\d{4})-(\d{1,2})", (value or "").strip())
    if not match:
        raise ValueError(_("月份格式不正确，应为 2026-11"))
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise ValueError(_("月份应在1至12之间"))
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(date_range_message())
    return date(year, month, 1)
