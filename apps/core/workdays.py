"""Working days (工作日): Monday to Friday, less the public holidays, plus the weekend days worked in their place
(调休). Both lists are settings (`PUBLIC_HOLIDAYS`, `WORKING_WEEKENDS`: ISO dates, comma-separated), since the State
Council publishes them year by year and a deployment adds its own."""

from datetime import date, timedelta

from django.conf import settings


def _dates(raw) -> set[date]:
    out = set()
    for part in (raw or "").replace("\n", ",").split(","):
        if part.strip():
            out.add(date.fromisoformat(part.strip()))
    return out


def is_working_day(day: date) -> bool:
    if day in _dates(settings.WORKING_WEEKENDS):
        return True
    return day.weekday() < 5 and day not in _dates(settings.PUBLIC_HOLIDAYS)


def add_working_days(start: date, n: int) -> date:
    """The n-th working day after `start` (a 公示 of 5 working days published on a Friday ends on the next Friday)."""
    day, left = start, n
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day
