"""Two approvals of spendings that together exceed the balance, at once in two threads: the fund's row lock queues
them, so one is posted and the other refused with the balance (PostgreSQL: parallel connections)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from apps.dues import fund_selectors
from apps.dues.fund_models import FundEntry, FundEntryStatus
from tests.parallel import run_parallel

from .fund_helpers import approve, enter, open_fund, posted

pytestmark = [pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel connections need PostgreSQL"),
              pytest.mark.django_db(transaction=True)]


def test_two_spendings_over_the_balance(tree):
    fund = open_fund(tree)
    posted(tree, fund, "100")
    waiting = [enter(tree, fund, "70", spending=True) for _ in range(2)]

    def work(i):
        try:
            approve(tree, waiting[i])
        except ValidationError as exc:
            return exc.messages[0]
        return "posted"

    results = run_parallel(2, work)
    assert sorted(results) == ["posted", "余额不足：基金余额为 30.00 元，不足以支出 70.00 元"]
    assert FundEntry.objects.filter(fund=fund, status=FundEntryStatus.POSTED, direction="spending").count() == 1
    assert fund_selectors.balance(fund) == Decimal("30.00")
