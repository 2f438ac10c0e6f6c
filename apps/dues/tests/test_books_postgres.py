"""On PostgreSQL the database itself keeps the ledger: a transaction whose legs do not sum to zero, written past
`ledger.post`, is refused by the deferred trigger (fired here with SET CONSTRAINTS … IMMEDIATE, as COMMIT would), and
legs and transactions cannot be updated or deleted, even by raw SQL."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from apps.dues import ledger
from apps.dues.ledger_models import AccountKind, LedgerLeg, LedgerTransaction, TransactionKind

from .books_helpers import JAN, pay

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the ledger's triggers are PostgreSQL's")


def test_unbalanced_transaction_written_past_the_service_is_refused(tree):
    admin = tree.users["district_admin"]
    with pytest.raises(DatabaseError, match="does not balance"), transaction.atomic():
        txn = LedgerTransaction.objects.create(organization=tree.branch_a, kind=TransactionKind.PAYMENT,
                                               occurred_on=date(2026, 1, 5), month=JAN, created_by=admin)
        LedgerLeg.objects.create(transaction=txn, account=ledger.account(tree.branch_a.pk, AccountKind.DUES_CASH),
                                 amount=Decimal("5.00"), month=JAN)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS dues_ledger_leg_balanced IMMEDIATE")
    assert not LedgerTransaction.objects.exists()
    # A balanced one written the same way passes the same check.
    with transaction.atomic():
        pay(admin, tree.member_a, "5.00")
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS dues_ledger_leg_balanced IMMEDIATE")
    assert LedgerLeg.objects.count() == 2


def test_legs_and_transactions_cannot_be_changed_or_deleted(tree):
    pay(tree.users["district_admin"], tree.member_a, "5.00")
    leg = LedgerLeg.objects.first()
    for sql in ('UPDATE "dues_ledgerleg" SET amount = 0.01 WHERE id = %s',
                'DELETE FROM "dues_ledgerleg" WHERE id = %s',
                'UPDATE "dues_ledgertransaction" SET memo = \'x\' WHERE id = (SELECT transaction_id FROM "dues_ledgerleg" WHERE id = %s)',
                'DELETE FROM "dues_ledgertransaction" WHERE id = (SELECT transaction_id FROM "dues_ledgerleg" WHERE id = %s)'):
        with pytest.raises(DatabaseError, match="never changed or deleted"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [leg.pk])
    with pytest.raises(PermissionError):
        LedgerLeg.objects.filter(pk=leg.pk).update(amount=1)
    assert LedgerLeg.objects.get(pk=leg.pk).amount == Decimal("5.00")
