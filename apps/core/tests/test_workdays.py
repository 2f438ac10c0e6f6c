"""Working days: weekends and the public holidays skipped, the 调休 weekends counted (both lists are settings)."""

from datetime import date

from apps.core import workdays


def test_five_working_days_skip_the_weekend(settings):
    settings.PUBLIC_HOLIDAYS, settings.WORKING_WEEKENDS = "", ""
    assert workdays.add_working_days(date(2026, 12, 4), 5) == date(2026, 12, 11)  # Friday → next Friday
    assert workdays.add_working_days(date(2026, 12, 5), 1) == date(2026, 12, 7)  # Saturday → Monday


def test_holidays_and_makeup_days(settings):
    settings.PUBLIC_HOLIDAYS = "2026-10-01,2026-10-02,2026-10-05,2026-10-06,2026-10-07"
    settings.WORKING_WEEKENDS = "2026-10-10"
    # published Wednesday 30 September: 1–7 October off (with the weekend), Thursday 8, Friday 9, Saturday 10 (调休),
    # Monday 12, Tuesday 13
    assert workdays.add_working_days(date(2026, 9, 30), 5) == date(2026, 10, 13)
    assert not workdays.is_working_day(date(2026, 10, 5)) and workdays.is_working_day(date(2026, 10, 10))
