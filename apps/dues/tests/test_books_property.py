"""Property: random payments, voids, remittances up the tree and reversals over a small tree keep, for every
organization and month, collected + received = remitted + held (the ledger agreeing with the records), DUES_CASH never
below zero, and every transaction's legs summing to zero; a refused operation leaves nothing behind."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.dues import book_selectors, book_services, ledger
from apps.dues.ledger_models import AccountKind, LedgerLeg, LedgerTransaction
from apps.dues.models import DuesPayment, PaymentKind, Remittance
from tests.factories import make_member

from .books_helpers import FEB, JAN, pay, void

MONTHS = (JAN, FEB)
cents = st.integers(min_value=1, max_value=5000).map(lambda c: Decimal(c) / 100)
operation = st.one_of(
    st.tuples(st.just("pay"), st.integers(0, 2), st.integers(0, 1), cents),
    st.tuples(st.just("void"), st.integers(0, 20)),
    st.tuples(st.just("remit"), st.integers(0, 5), st.integers(0, 1), cents, st.booleans()),
    st.tuples(st.just("reverse"), st.integers(0, 20)),
)


def _footprint():
    return (Remittance.objects.count(), LedgerTransaction.objects.count(), LedgerLeg.objects.count(),
            DuesPayment.objects.filter(voided_at__isnull=False).count())


def _check(orgs):
    unbalanced = LedgerLeg.objects.values("transaction").annotate(s=Sum("amount")).exclude(s=0)
    assert not unbalanced.exists()
    for org in orgs:
        assert ledger.balance(ledger.account(org.pk, AccountKind.DUES_CASH)) >= 0, org
        for month in MONTHS:
            books = book_selectors.reconcile(org, month)
            assert books.balanced, (org, month, books.differences)
            assert books.collected + books.received == books.remitted + books.held
            for child in book_selectors.reconcile_children(org, month):
                assert child.balanced, (child.organization, month, child.differences)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(ops=st.lists(operation, min_size=1, max_size=14))
def test_random_books_stay_balanced(tree, ops):
    admin = tree.users["district_admin"]
    orgs = [tree.group_a, tree.branch_a, tree.branch_b, tree.town_a, tree.town_b, tree.district]
    with transaction.atomic():
        members = [tree.member_a, tree.member_b, make_member(tree.group_a, "王五")]
        for op in ops:
            before = _footprint()
            try:
                if op[0] == "pay":
                    _, who, month, amount = op
                    pay(admin, members[who], amount, MONTHS[month], kind=PaymentKind.VOLUNTARY)
                elif op[0] == "void":
                    live = list(DuesPayment.objects.filter(voided_at__isnull=True).order_by("pk"))
                    if live:
                        void(admin, live[op[1] % len(live)])
                elif op[0] == "remit":
                    _, where, month, amount, to_centre = op
                    book_services.remittance_record(actor=admin, organization=orgs[where], month=MONTHS[month],
                                                    amount=amount, remitted_on=date(2026, 3, 1), to_centre=to_centre)
                else:
                    done = list(Remittance.objects.order_by("pk"))
                    if done:
                        book_services.remittance_reverse(actor=admin, remittance=done[op[1] % len(done)], reason="冲正")
            except ValidationError:
                assert _footprint() == before, op  # refused: nothing written
        _check(orgs)
        transaction.set_rollback(True)
