"""The demo's dues and care fund: twelve months written in bulk must read exactly as if the services had written them —
every organization's books balance every month, every ledger transaction sums to zero, the standings agree with the
payments, the demo secretary's branch has its members 3, 4 and 7 months behind, and the township's care fund was
approved entry by entry by a second person and never went below zero."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Count, Sum

from apps.access.models import Role, RoleAssignment
from apps.core.money import MoneySum
from apps.demo.seed import seed_demo
from apps.dues import book_selectors, ledger, standing
from apps.dues.fund_models import FundEntry, FundEntryStatus
from apps.dues.ledger_models import AccountKind, LedgerLeg
from apps.dues.models import DuesPayment, DuesStanding, MonthClose, PaymentKind, Remittance
from apps.orgs.models import Organization

pytestmark = [pytest.mark.django_db, pytest.mark.slow(10)]

TODAY = date(2026, 12, 4)


def test_the_demo_dues_reconcile_and_read_like_the_services_wrote_them():
    seed_demo(scale="small", today=TODAY, log=lambda line: None)
    root = Organization.objects.get(depth=1)

    months = sorted(set(DuesPayment.objects.values_list("month", flat=True)))
    assert months == [date(2026, m, 1) for m in range(1, 13)]  # twelve months ending this month
    for month in months:
        assert book_selectors.subtree_problems(root, month) == [], month
    unbalanced = LedgerLeg.objects.values("transaction_id").annotate(s=Sum("amount")).exclude(s=0)
    assert not unbalanced.exists()
    assert LedgerLeg.objects.values("transaction_id").annotate(n=Count("id")).filter(n__lt=2).count() == 0

    # The district holds what came up: its cash is what was collected everywhere and never remitted further.
    collected = DuesPayment.objects.filter(voided_at__isnull=True).aggregate(s=MoneySum("amount"))["s"]
    held = sum((ledger.balance(a) for a in ledger.LedgerAccount.objects.filter(kind=AccountKind.DUES_CASH)), Decimal(0))
    assert held == collected and held > 0
    assert Remittance.objects.filter(to_organization=root).exists()
    assert DuesPayment.objects.filter(kind=PaymentKind.VOLUNTARY, remit_in_full=True).exists()

    # Most paid, a tail behind; this month only partly in.
    last_month = DuesPayment.objects.filter(month=date(2026, 11, 1), kind=PaymentKind.REGULAR).count()
    this_month = DuesPayment.objects.filter(month=date(2026, 12, 1), kind=PaymentKind.REGULAR).count()
    owing = DuesStanding.objects.count()
    assert 0.8 * owing < last_month < owing and 0 < this_month < last_month
    call_command("dues_standings", "--check")  # exits 1 on any difference

    branch = RoleAssignment.objects.get(user__username="secretary", role=Role.SECRETARY).organization_id
    behind = [standing.months_behind(s, TODAY) for s in DuesStanding.objects.filter(member__organization_id=branch)]
    assert {3, 4, 7} <= set(behind) and 0 in behind

    # The care fund: approved by someone else, never below zero, one entry waiting.
    entries = FundEntry.objects.all()
    assert entries.filter(status=FundEntryStatus.PENDING).count() == 1
    posted = entries.filter(status=FundEntryStatus.POSTED)
    assert posted.count() > 20 and all(e.decided_by_id and e.decided_by_id != e.entered_by_id for e in posted)
    fund_cash = ledger.account(entries.first().fund.organization_id, AccountKind.FUND_CASH)
    assert ledger.balance(fund_cash) >= 0
    assert MonthClose.objects.filter(organization=root).count() == 5  # January to May: before the back-payment window

