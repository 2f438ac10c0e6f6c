"""Shared set-up of the payment tests: a frozen today (2026-06-15: the current month June, back-payment from
December 2025, ahead up to September 2026, arrears counted through May), dues owed from 2025-01, and standards
created directly (the standards' own pages are another module's)."""

from datetime import date
from decimal import Decimal as D

from freezegun import freeze_time

from apps.dues.models import DuesStandard

TODAY = date(2026, 6, 15)
JUNE = date(2026, 6, 1)


def frozen(settings):
    """The body of each test module's `today` fixture (`@pytest.fixture(name="today")`)."""
    settings.DUES_START_MONTH = "2025-01"
    with freeze_time("2026-06-15 10:00:00+08:00", tick=True):
        yield TODAY


def standard(member, amount="12.50", *, since=date(2025, 1, 1), by=None, category="in_service", base=None):
    from apps.accounts.models import User

    by = by or User.objects.filter(is_superuser=False).first() or User.objects.first()
    return DuesStandard.objects.create(member=member, category=category, base=base if base is not None else D("2500"),
                                       effective_from=since, monthly_amount=D(amount), recorded_by=by)
