"""Remittances, reversals, full remittances to the Centre, reconciliation and closing a month."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.audit.models import AuditEvent
from apps.dues import book_selectors, book_services, closing, ledger
from apps.dues.ledger_models import AccountKind, LedgerLeg, LedgerTransaction
from apps.dues.models import DuesPayment, MonthClose, PaymentKind, Remittance

from .books_helpers import FEB, JAN, pay, void

D = Decimal


def cash(org):
    return ledger.balance(ledger.account(org.pk, AccountKind.DUES_CASH))


def remit(tree, org, amount, month=JAN, **kw):
    return book_services.remittance_record(actor=tree.users["district_admin"], organization=org, month=month,
                                           amount=D(amount), remitted_on=date(2026, 2, 3), **kw)


def test_remittance_to_parent_posts_four_legs_and_is_audited(tree):
    admin = tree.users["district_admin"]
    pay(admin, tree.member_a, "30.00")
    r = remit(tree, tree.branch_a, "20.00")
    assert (r.to_organization, r.to_centre, r.amount) == (tree.town_a, False, D("20.00"))
    legs = {(leg.account.organization_id, leg.account.kind): leg.amount
            for leg in LedgerLeg.objects.filter(transaction__remittance=r).select_related("account")}
    assert legs == {(tree.branch_a.pk, AccountKind.DUES_REMITTED): D("20.00"),
                    (tree.branch_a.pk, AccountKind.DUES_CASH): D("-20.00"),
                    (tree.town_a.pk, AccountKind.DUES_CASH): D("20.00"),
                    (tree.town_a.pk, AccountKind.DUES_RECEIVED): D("-20.00")}
    assert (cash(tree.branch_a), cash(tree.town_a)) == (D("10.00"), D("20.00"))
    assert AuditEvent.objects.filter(object_type="dues.remittance", object_id=str(r.pk), action="create").exists()


def test_root_and_to_centre_remit_to_the_centre_with_two_legs(tree):
    admin = tree.users["district_admin"]
    pay(admin, tree.member_a, "50.00")
    remit(tree, tree.branch_a, "50.00")
    remit(tree, tree.town_a, "50.00")
    r = remit(tree, tree.district, "40.00")
    assert r.to_centre and r.to_organization is None
    assert LedgerLeg.objects.filter(transaction__remittance=r).count() == 2
    direct = remit(tree, tree.district, "10.00", to_centre=True)
    assert direct.to_centre and cash(tree.district) == 0


def test_remitting_more_than_held_is_refused_with_the_balance_and_leaves_nothing(tree):
    pay(tree.users["district_admin"], tree.member_a, "30.00")
    before = (Remittance.objects.count(), LedgerTransaction.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError, match="余额将为 -5"):
        remit(tree, tree.branch_a, "35.00")
    assert (Remittance.objects.count(), LedgerTransaction.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.parametrize("amount,message", [("0", "大于0"), ("-3", "大于0"), ("1.234", "两位小数"), ("abc", "数字")])
def test_bad_amounts_are_refused(tree, amount, message):
    with pytest.raises(ValidationError, match=message):
        book_services.remittance_record(actor=tree.users["district_admin"], organization=tree.branch_a, month=JAN,
                                        amount=amount, remitted_on=date(2026, 2, 1))


def test_remitting_needs_collect_on_the_organization(tree):
    with pytest.raises(PermissionDenied):
        book_services.remittance_record(actor=tree.users["secretary_b"], organization=tree.branch_a, month=JAN,
                                        amount=D(1), remitted_on=date(2026, 2, 1))


def test_reversal_once_and_never_of_a_reversal(tree):
    admin = tree.users["district_admin"]
    pay(admin, tree.member_a, "30.00")
    r = remit(tree, tree.branch_a, "30.00")
    back = book_services.remittance_reverse(actor=admin, remittance=r, reason="金额有误")
    assert (back.amount, back.reverses, back.month, back.to_organization) == (D("-30.00"), r, JAN, tree.town_a)
    assert (cash(tree.branch_a), cash(tree.town_a)) == (D("30.00"), D("0.00"))
    with pytest.raises(ValidationError, match="已冲正"):
        book_services.remittance_reverse(actor=admin, remittance=r, reason="再来")
    with pytest.raises(ValidationError, match="冲正记录不能再冲正"):
        book_services.remittance_reverse(actor=admin, remittance=back, reason="再来")
    assert book_selectors.reconcile(tree.branch_a, JAN).balanced
    assert book_selectors.reconcile(tree.town_a, JAN).remitted == 0


def test_reversal_refused_when_the_receiver_passed_the_money_on(tree):
    admin = tree.users["district_admin"]
    pay(admin, tree.member_a, "30.00")
    r = remit(tree, tree.branch_a, "30.00")
    remit(tree, tree.town_a, "30.00")
    with pytest.raises(ValidationError, match="余额不足"):
        book_services.remittance_reverse(actor=admin, remittance=r, reason="金额有误")
    assert not Remittance.objects.filter(reverses=r).exists()


def test_voluntary_large_payment_is_listed_and_remitted_in_full_once(tree):
    admin = tree.users["district_admin"]
    big = pay(admin, tree.member_a, "2000.00", kind=PaymentKind.VOLUNTARY, remit_in_full=True)
    pay(admin, tree.member_a, "30.00")
    awaiting = book_selectors.awaiting_full_remittance(DuesPayment.objects.all())
    assert list(awaiting) == [big]
    r = book_services.remit_in_full(actor=admin, payment=big)
    assert (r.to_centre, r.amount, r.organization) == (True, D("2000.00"), tree.branch_a)
    assert not book_selectors.awaiting_full_remittance(DuesPayment.objects.all()).exists()
    with pytest.raises(ValidationError, match="已全额上缴"):
        book_services.remit_in_full(actor=admin, payment=big)
    # Reversed, it waits again.
    book_services.remittance_reverse(actor=admin, remittance=r, reason="退回")
    assert list(book_selectors.awaiting_full_remittance(DuesPayment.objects.all())) == [big]


def test_reconciliation_figures_and_children(tree):
    admin = tree.users["district_admin"]
    p1 = pay(admin, tree.member_a, "30.00")
    pay(admin, tree.member_b, "12.00")
    void(admin, pay(admin, tree.member_a, "5.00", kind=PaymentKind.VOLUNTARY))
    remit(tree, tree.branch_a, "25.00")
    remit(tree, tree.town_a, "20.00")
    own = book_selectors.reconcile(tree.town_a, JAN)
    assert (own.collected, own.received, own.remitted, own.held) == (0, D("25.00"), D("20.00"), D("5.00"))
    assert own.balanced
    branch = book_selectors.reconcile(tree.branch_a, JAN)
    assert (branch.collected, branch.remitted, branch.held) == (D("30.00"), D("25.00"), D("5.00"))
    rows = {b.organization.pk: b for b in book_selectors.reconcile_children(tree.district, JAN)}
    a, b = rows[tree.town_a.pk], rows[tree.town_b.pk]
    assert (a.collected, a.received, a.remitted, a.held) == (D("30.00"), D("25.00"), D("45.00"), D("10.00"))
    assert (b.collected, b.held) == (D("12.00"), D("12.00")) and a.balanced and b.balanced
    assert p1.pk  # noqa


def test_a_payment_past_the_ledger_shows_what_differs(tree):
    DuesPayment.objects.create(member=tree.member_a, organization=tree.branch_a, month=JAN, amount=D("9.00"),
                               paid_on=date(2026, 1, 5), recorded_by=tree.users["district_admin"])
    books = book_selectors.reconcile(tree.branch_a, JAN)
    assert not books.balanced
    assert any("收缴：记录 9.00 元，账目 0.00 元" in d for d in books.differences)
    problems = book_selectors.subtree_problems(tree.town_a, JAN)
    assert [org for org, _p in problems] == [tree.branch_a]


def test_month_close_rules_and_closed_months_are_read_only(tree):
    admin = tree.users["district_admin"]
    pay(admin, tree.member_a, "30.00")
    with pytest.raises(ValidationError, match="已结束"):
        book_services.month_close(actor=admin, organization=tree.town_a, month=date(2026, 12, 1))
    close = book_services.month_close(actor=admin, organization=tree.town_a, month=JAN)
    assert AuditEvent.objects.filter(object_type="dues.monthclose", object_id=str(close.pk)).exists()
    with pytest.raises(ValidationError, match="已由甲镇党委结账"):
        book_services.month_close(actor=admin, organization=tree.town_a, month=JAN)
    for org in (tree.town_a, tree.branch_a, tree.group_a):
        with pytest.raises(ValidationError, match="结账"):
            closing.require_open(org, JAN)
    with pytest.raises(ValidationError, match="结账"):
        remit(tree, tree.branch_a, "10.00")
    closing.require_open(tree.branch_b, JAN)  # another township's subtree stays open
    closing.require_open(tree.branch_a, FEB)  # and another month
    assert MonthClose.objects.count() == 1


def test_month_close_refused_while_unbalanced_with_the_figures(tree):
    DuesPayment.objects.create(member=tree.member_a, organization=tree.branch_a, month=JAN, amount=D("9.00"),
                               paid_on=date(2026, 1, 5), recorded_by=tree.users["district_admin"])
    with pytest.raises(ValidationError, match="账目不平.*甲村党支部.*记录 9.00 元，账目 0.00 元"):
        book_services.month_close(actor=tree.users["district_admin"], organization=tree.district, month=JAN)
    assert not MonthClose.objects.exists()
