"""Two remittances of the same money at once (PostgreSQL, real parallel connections): the sender's cash account is
locked before its balance is read, so the second waits, sees the first and is refused; and two reversals of one
remittance: one wins."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from apps.dues import book_services, ledger
from apps.dues.ledger_models import AccountKind
from apps.dues.models import Remittance
from tests.parallel import run_parallel

from .books_helpers import JAN, pay

pytestmark = [pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel connections need PostgreSQL"),
              pytest.mark.django_db(transaction=True)]


def _outcome(fn):
    def work(_i):
        try:
            fn()
        except ValidationError as exc:
            return exc.messages[0][:4]
        return "ok"
    return work


def test_two_remittances_of_the_same_money(tree):
    admin = tree.users["district_admin"]
    pay(admin, tree.member_a, "30.00")
    results = run_parallel(2, _outcome(lambda: book_services.remittance_record(
        actor=admin, organization=tree.branch_a, month=JAN, amount=Decimal("30"), remitted_on=date(2026, 2, 1))))
    assert sorted(results) == ["ok", "余额不足"]
    assert Remittance.objects.count() == 1
    assert ledger.balance(ledger.account(tree.branch_a.pk, AccountKind.DUES_CASH)) == 0


def test_two_reversals_of_one_remittance(tree):
    admin = tree.users["district_admin"]
    pay(admin, tree.member_a, "30.00")
    r = book_services.remittance_record(actor=admin, organization=tree.branch_a, month=JAN, amount=Decimal("30"),
                                        remitted_on=date(2026, 2, 1))
    results = run_parallel(2, _outcome(lambda: book_services.remittance_reverse(actor=admin, remittance=r, reason="错")))
    assert sorted(results) == ["ok", "该上缴记"]
    assert Remittance.objects.filter(reverses=r).count() == 1
