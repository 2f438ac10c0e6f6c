"""The care fund's services: second-person approval, the ledger legs, the balance never below zero, reversals once,
entries never edited, refusals leaving nothing."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.dues import fund_selectors, fund_services
from apps.dues.fund_models import FundEntry, FundEntryStatus
from apps.dues.ledger_models import AccountKind, LedgerLeg, LedgerTransaction, TransactionKind
from tests.factories import make_member

from .fund_helpers import approve, enter, open_fund, posted

pytestmark = pytest.mark.django_db


def test_one_fund_per_organization_and_manage_needed(tree):
    open_fund(tree)
    with pytest.raises(ValidationError, match="已设立"):
        open_fund(tree)
    with pytest.raises(PermissionDenied):
        fund_services.fund_open(actor=tree.users["secretary_a"], organization=tree.branch_a, name="x",
                                opened_on=date(2026, 1, 1))
    with pytest.raises(PermissionDenied):  # township A's administrator does not manage township B
        fund_services.fund_open(actor=tree.users["town_a_admin"], organization=tree.town_b, name="x",
                                opened_on=date(2026, 1, 1))


def test_income_posts_its_legs_after_a_second_person_approves(tree):
    fund = open_fund(tree)
    entry = enter(tree, fund, "100.00")
    assert entry.status == FundEntryStatus.PENDING and fund_selectors.balance(fund) == 0
    with pytest.raises(ValidationError, match="第二人"):
        approve(tree, entry, by="town_a_admin")
    assert not LedgerTransaction.objects.exists()
    approve(tree, entry)
    entry.refresh_from_db()
    assert entry.status == FundEntryStatus.POSTED and entry.decided_by == tree.users["district_admin"]
    legs = {(leg.account.kind, leg.amount) for leg in LedgerLeg.objects.select_related("account")}
    assert legs == {(AccountKind.FUND_CASH, Decimal("100.00")), (AccountKind.FUND_INCOME, Decimal("-100.00"))}
    assert fund_selectors.balance(fund) == Decimal("100.00")
    assert AuditEvent.objects.filter(object_type="dues.fundentry", object_id=str(entry.pk)).count() == 2


def test_the_database_refuses_the_enterer_as_approver(tree):
    fund = open_fund(tree)
    entry = enter(tree, fund, "5")
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {FundEntry._meta.db_table} SET decided_by_id = entered_by_id WHERE id = %s", [entry.pk])


def test_spending_never_takes_the_balance_below_zero(tree):
    fund = open_fund(tree)
    posted(tree, fund, "50")
    entry = enter(tree, fund, "80", spending=True)
    with pytest.raises(ValidationError, match="余额为 50.00 元，不足以支出 80.00 元"):
        approve(tree, entry)
    entry.refresh_from_db()
    assert entry.status == FundEntryStatus.PENDING and LedgerTransaction.objects.count() == 1
    posted(tree, fund, "50", spending=True)
    assert fund_selectors.balance(fund) == 0
    legs = {(leg.account.kind, leg.amount) for leg in LedgerLeg.objects.filter(
        transaction__kind=TransactionKind.FUND_SPENDING).select_related("account")}
    assert legs == {(AccountKind.FUND_SPENDING, Decimal("50.00")), (AccountKind.FUND_CASH, Decimal("-50.00"))}


@pytest.mark.parametrize("change, message", [
    ({"kind": "donation", "spending": True}, "不属于"),
    ({"kind": "festival_visit"}, "不属于"),
    ({"amount": "0"}, "大于0"),
    ({"amount": "-3"}, "大于0"),
    ({"amount": "1.005"}, "两位小数"),
    ({"amount": "abc"}, "数字"),
    ({"on": date(2025, 12, 31)}, "设立之后"),
])
def test_bad_entries_are_refused(tree, change, message):
    fund = open_fund(tree)
    with pytest.raises(ValidationError, match=message):
        enter(tree, fund, change.pop("amount", "10"), **change)
    assert not FundEntry.objects.exists()


def test_float_amounts_are_refused(tree):
    with pytest.raises(TypeError):
        fund_services.clean_amount(0.1)


def test_spending_names_a_current_member_of_the_subtree(tree):
    fund = open_fund(tree)
    with pytest.raises(ValidationError, match="现有党员"):
        enter(tree, fund, "10", spending=True, member=tree.member_b)  # township B's member
    gone = make_member(tree.branch_a, "王五", status="deceased")
    with pytest.raises(ValidationError, match="现有党员"):
        enter(tree, fund, "10", spending=True, member=gone)
    with pytest.raises(ValidationError, match="受助党员"):
        fund_services.fund_entry_create(actor=tree.users["town_a_admin"], fund=fund, direction="spending",
                                        kind="emergency_aid", amount=Decimal(1), occurred_on=date(2026, 2, 1),
                                        reason="x")
    assert not FundEntry.objects.exists()


def test_reject_by_a_second_person(tree):
    fund = open_fund(tree)
    entry = enter(tree, fund, "10")
    with pytest.raises(ValidationError):
        fund_services.fund_entry_reject(actor=tree.users["town_a_admin"], entry=entry)
    fund_services.fund_entry_reject(actor=tree.users["district_admin"], entry=entry, note="重复")
    entry.refresh_from_db()
    assert entry.status == FundEntryStatus.REJECTED
    with pytest.raises(ValidationError):
        approve(tree, entry)
    assert not LedgerTransaction.objects.exists()


def test_a_reversal_posts_the_opposite_legs_once(tree):
    fund = open_fund(tree)
    posted(tree, fund, "100")
    spent = posted(tree, fund, "30", spending=True)
    reversal = fund_services.fund_entry_reverse(actor=tree.users["town_a_admin"], entry=spent, reason="录错金额")
    assert reversal.status == FundEntryStatus.PENDING and reversal.occurred_on == timezone.localdate()
    with pytest.raises(ValidationError, match="一次"):
        fund_services.fund_entry_reverse(actor=tree.users["district_admin"], entry=spent, reason="再来")
    with pytest.raises(ValidationError, match="第二人"):
        approve(tree, reversal, by="town_a_admin")
    approve(tree, reversal)
    txn = LedgerTransaction.objects.get(fund_entry=reversal)
    assert txn.kind == TransactionKind.FUND_REVERSAL
    assert {(leg.account.kind, leg.amount) for leg in txn.legs.select_related("account")} == {
        (AccountKind.FUND_SPENDING, Decimal("-30.00")), (AccountKind.FUND_CASH, Decimal("30.00"))}
    assert fund_selectors.balance(fund) == Decimal("100.00")
    with pytest.raises(ValidationError, match="不能再冲正"):
        fund_services.fund_entry_reverse(actor=tree.users["town_a_admin"], entry=reversal, reason="x")
    pending = enter(tree, fund, "1")
    with pytest.raises(ValidationError):
        fund_services.fund_entry_reverse(actor=tree.users["town_a_admin"], entry=pending, reason="x")


def test_reversing_income_already_spent_is_refused(tree):
    fund = open_fund(tree)
    income = posted(tree, fund, "40")
    posted(tree, fund, "30", spending=True)
    reversal = fund_services.fund_entry_reverse(actor=tree.users["town_a_admin"], entry=income, reason="退回捐赠")
    with pytest.raises(ValidationError, match="余额不足"):
        approve(tree, reversal)
    assert fund_selectors.balance(fund) == Decimal("10.00")


def test_entries_are_never_edited_or_deleted(tree):
    fund = open_fund(tree)
    entry = posted(tree, fund, "10")
    entry.amount = Decimal("99")
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.save(update_fields=["amount"])
    with pytest.raises(PermissionError):  # a posted entry's status is never written again
        entry.save(update_fields=["status"])
    with pytest.raises(PermissionError):
        FundEntry.objects.filter(pk=entry.pk).update(amount=1)
    with pytest.raises(PermissionError):
        FundEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(PermissionError):
        entry.delete()
    entry.refresh_from_db()
    assert entry.amount == Decimal("10.00")


def test_closed_months_refuse_entries(tree):
    from apps.dues.models import MonthClose

    fund = open_fund(tree)
    MonthClose.objects.create(organization=tree.district, month=date(2026, 2, 1), closed_by=tree.users["district_admin"])
    with pytest.raises(ValidationError, match="结账"):
        enter(tree, fund, "10")
