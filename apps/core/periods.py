"""Periods of time: a month, a quarter or a year, how to name, parse and step through them."""

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _

from apps.core.dates import add_months


@dataclass(frozen=True)
class Period:
    kind: str  # "month" | "quarter" | "year"
    start: date
    end: date  # inclusive

    @property
    def key(self) -> str:
        if self.kind == "range":
            return f"{self.start.isoformat()}~{self.end.isoformat()}"
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        if self.kind == "quarter":
            return f"{self.start.year}Q{(self.start.month - 1) // 3 + 1}"
        return str(self.start.year)

    @property
    def label(self) -> str:
        if self.kind == "range":
            return _("{start} 至 {end}").format(start=self.start.isoformat(), end=self.end.isoformat())
        if self.kind == "month":
            return _("{year}年{month}月").format(year=self.start.year, month=self.start.month)
        if self.kind == "quarter":
            return _("{year}年第{quarter}季度").format(year=self.start.year, quarter=(self.start.month - 1) // 3 + 1)
        return _("{year}年").format(year=self.start.year)

    def contains(self, d: date) -> bool:
        return self.start <= d <= self.end

    def previous(self) -> "Period":
        if self.kind == "range":
            return Period("range", self.start - (self.end - self.start) - timedelta(days=1), self.start - timedelta(days=1))
        return period_containing(self.kind, self.start - timedelta(days=1))

    def next(self) -> "Period":
        if self.kind == "range":
            return Period("range", self.end + timedelta(days=1), self.end + (self.end - self.start) + timedelta(days=1))
        return period_containing(self.kind, self.end + timedelta(days=1))


_KEY = re.compile(r"^(\d{4})(?:-(\d{1,2})|[Qq]([1-4]))?$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*(?:~|至|--)\s*(\d{4}-\d{2}-\d{2})$")
MAX_RANGE_DAYS = 366 * 5


def parse_period(value: str) -> Period:
    """'2026-11' (a month), '2026Q4' (a quarter), '2026' (a year) or '2026-03-01~2026-08-31' (any span of days);
    ValueError with a Chinese message otherwise."""
    value = (value or "").strip()
    span = _RANGE.match(value)
    if span:
        try:
            start, end = date.fromisoformat(span.group(1)), date.fromisoformat(span.group(2))
        except ValueError:
            raise ValueError(_("日期不正确")) from None
        if not (2000 <= start.year and end.year <= 2100):
            raise ValueError(_("年份超出范围"))
        if end < start:
            raise ValueError(_("结束日期不能早于开始日期"))
        if (end - start).days > MAX_RANGE_DAYS:
            raise ValueError(_("期间不能超过5年"))
        return Period("range", start, end)
    match = _KEY.match(value)
    if not match:
        raise ValueError(_("期间格式不正确：请使用 2026-11（月）、2026Q4（季度）、2026（年）或 2026-03-01~2026-08-31"))
    year = int(match.group(1))
    if not 2000 <= year <= 2100:
        raise ValueError(_("年份超出范围"))
    if match.group(2):
        month = int(match.group(2))
        if not 1 <= month <= 12:
            raise ValueError(_("月份应在1至12之间"))
        return period_containing("month", date(year, month, 1))
    if match.group(3):
        return period_containing("quarter", date(year, (int(match.group(3)) - 1) * 3 + 1, 1))
    return period_containing("year", date(year, 1, 1))


def period_containing(kind: str, d: date) -> Period:
    if kind == "month":
        start = d.replace(day=1)
        return Period(kind, start, d.replace(day=calendar.monthrange(d.year, d.month)[1]))
    if kind == "quarter":
        start = date(d.year, (d.month - 1) // 3 * 3 + 1, 1)
        return Period(kind, start, add_months(start, 3) - timedelta(days=1))
    return Period("year", date(d.year, 1, 1), date(d.year, 12, 31))
