"""Periods of the district's activity rules: which periods a frequency requires and when each is due."""

from datetime import date

from apps.core.periods import Period, period_containing

from .models import Frequency

FREQUENCY_KIND = {Frequency.MONTHLY: "month", Frequency.QUARTERLY: "quarter", Frequency.YEARLY: "year"}


def period_start(frequency: str, d: date) -> date | None:
    """Start of the period of `frequency` that holds day `d` (None for activities with no requirement)."""
    kind = FREQUENCY_KIND.get(frequency)
    return period_containing(kind, d).start if kind else None


def required_periods(frequency: str, period: Period, today: date) -> list[Period]:
    """The periods of `frequency` that overlap `period` and have begun by `today`.

    A quarterly rule looked at for one month is that month's quarter; a monthly rule looked at for a
    year is each month of it so far.
    """
    kind = FREQUENCY_KIND.get(frequency)
    if not kind:
        return []
    found, current = [], period_containing(kind, period.start)
    while current.start <= period.end and current.start <= today:
        found.append(current)
        current = current.next()
    return found


def deadline(activity_type, required: Period) -> date:
    """The day by which the activity of a period must be recorded: its fixed day (主题党日: the 10th)
    for a monthly rule, otherwise the last day of the period."""
    if activity_type.due_day and activity_type.frequency == Frequency.MONTHLY:
        return required.start.replace(day=activity_type.due_day)
    return required.end

