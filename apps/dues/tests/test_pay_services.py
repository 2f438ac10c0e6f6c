"""Recording and voiding dues payments: every refusal with its reason, the voluntary large payment, one regular
payment per member and month, the ledger's legs (each transaction sums to zero; DUES_CASH equals the non-voided
payments), the standing after a payment and a void, several months at once (all or nothing), closed months."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum

from apps.audit.models import AuditEvent
from apps.dues import ledger, payment_services
from apps.dues.ledger_models import AccountKind, LedgerLeg, LedgerTransaction, TransactionKind
from apps.dues.models import DuesPayment, DuesStanding, HardshipDecision, MonthClose
from tests.factories import make_member

from .pay_helpers import JUNE, TODAY, frozen, standard

pytestmark = pytest.mark.django_db


@pytest.fixture(name="today")
def _today(settings):
    yield from frozen(settings)


def pay(tree, month=JUNE, amount="12.50", member=None, actor=None, **kw):
    kw.setdefault("method", "cash")
    kw.setdefault("paid_on", TODAY)
    return payment_services.payment_record(actor=actor or tree.users["secretary_a"], member=member or tree.member_a,
                                           month=month, amount=amount, **kw)


def refused(tree, **kw):
    with pytest.raises(ValidationError) as exc:
        pay(tree, **kw)
    return " ".join(exc.value.messages)


@pytest.fixture
def setup(tree, today):
    standard(tree.member_a, by=tree.users["secretary_a"])
    standard(tree.member_b, "3.00", by=tree.users["secretary_b"])
    return tree


def test_record_posts_ledger_and_refreshes_standing(setup, settings):
    settings.DUES_START_MONTH = "2026-06"  # owed from June: paying it covers every month owed
    tree = setup
    p = pay(tree, month=date(2026, 6, 20))
    assert p.month == JUNE and p.organization == tree.branch_a and p.amount == D("12.50") and not p.remit_in_full
    txn = LedgerTransaction.objects.get(payment=p)
    assert txn.kind == TransactionKind.PAYMENT
    legs = {(leg.account.kind, leg.amount) for leg in txn.legs.select_related("account")}
    assert legs == {(AccountKind.DUES_CASH, D("12.50")), (AccountKind.DUES_COLLECTED, D("-12.50"))}
    assert DuesStanding.objects.get(member=tree.member_a).last_covered == JUNE
    assert AuditEvent.objects.filter(object_type="dues.duespayment", object_id=str(p.pk), action="create").exists()


def test_refusals(setup):
    tree = setup
    assert "起缴月份" in refused(tree, month=date(2024, 12, 1))
    assert "补缴不能超过6个月" in refused(tree, month=date(2025, 11, 1))
    assert "支部同意" in refused(tree, month=date(2026, 7, 1))
    assert "提前缴纳不能超过3个月" in refused(tree, month=date(2026, 10, 1), ahead_consent="支委会同意")
    assert "应缴12.50元" in refused(tree, amount="10")
    assert "缴纳日期不能晚于今天" in refused(tree, paid_on=date(2026, 6, 16))
    assert "金额须大于0" in refused(tree, amount="0", kind="voluntary")
    assert "金额格式不正确" in refused(tree, amount="abc", kind="voluntary")
    assert "缴纳方式" in refused(tree, method="gold")
    no_standard = make_member(tree.branch_a, "王五")
    assert "未核定党费标准" in refused(tree, member=no_standard)
    assert not DuesPayment.objects.exists() and not LedgerTransaction.objects.exists()


def test_limits_accepted_at_the_edges(setup):
    tree = setup
    assert pay(tree, month=date(2025, 12, 1)).month == date(2025, 12, 1)  # 6 months back: allowed
    ahead = pay(tree, month=date(2026, 9, 1), ahead_consent="经6月支委会同意")  # 3 months ahead with consent
    assert ahead.ahead_consent == "经6月支委会同意"


def test_second_regular_payment_refused(setup):
    tree = setup
    pay(tree)
    assert "该党员该月党费已登记" in refused(tree)
    assert DuesPayment.objects.count() == 1 and LedgerTransaction.objects.count() == 1


def test_constraint_caught_in_a_savepoint(setup, monkeypatch):
    """The check skipped (as if a concurrent writer committed between it and the insert): the database's constraint
    refuses, the service answers the same way and the caller's transaction stays usable."""
    tree = setup
    pay(tree)
    real = DuesPayment.objects.filter

    def blind(*args, **kwargs):
        qs = real(*args, **kwargs)
        return qs.none() if kwargs.get("kind") == "regular" and "month" in kwargs else qs

    monkeypatch.setattr(DuesPayment.objects, "filter", blind)
    assert "该党员该月党费已登记" in refused(tree)
    monkeypatch.undo()
    assert DuesPayment.objects.count() == 1


def test_voluntary_large_marked_for_remittance(setup, settings):
    tree = setup
    small = pay(tree, amount="200", kind="voluntary")
    large = pay(tree, amount="1000", kind="voluntary")
    assert not small.remit_in_full and large.remit_in_full
    pay(tree)  # a voluntary payment does not cover the month's regular dues
    assert DuesPayment.objects.filter(kind="regular").count() == 1


def test_waived_month_refused(setup):
    tree = setup
    HardshipDecision.objects.create(member=tree.member_a, first_month=date(2026, 6, 1), last_month=date(2026, 6, 1),
                                    monthly_amount=D("0"), reason="病", status="approved",
                                    applied_by=tree.users["secretary_a"])
    assert "批准免交" in refused(tree)


def test_permission(setup):
    tree = setup
    with pytest.raises(PermissionDenied):
        pay(tree, actor=tree.users["secretary_b"])
    with pytest.raises(PermissionDenied):
        pay(tree, actor=tree.users["member_a"])
    assert pay(tree, actor=tree.users["district_admin"]).recorded_by == tree.users["district_admin"]


def test_closed_month_refused(setup):
    tree = setup
    MonthClose.objects.create(organization=tree.town_a, month=JUNE, closed_by=tree.users["town_a_admin"])
    assert "已由甲镇党委结账" in refused(tree)


def test_void_reverses_and_ledger_balances(setup, settings):
    settings.DUES_START_MONTH = "2026-05"  # owed from May
    tree = setup
    a = pay(tree)
    b = pay(tree, month=date(2026, 5, 1))
    v = pay(tree, amount="50", kind="voluntary")
    with pytest.raises(ValidationError, match="作废原因"):
        payment_services.payment_void(actor=tree.users["secretary_a"], payment=a, reason="  ")
    payment_services.payment_void(actor=tree.users["secretary_a"], payment=a, reason="重复收取，已退还")
    a.refresh_from_db()
    assert a.voided_at and a.voided_by == tree.users["secretary_a"] and a.void_reason == "重复收取，已退还"
    with pytest.raises(ValidationError, match="已作废"):
        payment_services.payment_void(actor=tree.users["secretary_a"], payment=a, reason="再次")
    assert DuesStanding.objects.get(member=tree.member_a).last_covered == date(2026, 5, 1)
    for txn in LedgerTransaction.objects.all():
        assert txn.legs.aggregate(s=Sum("amount"))["s"] == 0
    assert LedgerTransaction.objects.get(payment=a, kind=TransactionKind.PAYMENT_VOID)
    assert LedgerLeg.objects.aggregate(s=Sum("amount"))["s"] == 0
    cash = ledger.balance(ledger.account(tree.branch_a.pk, AccountKind.DUES_CASH))
    assert cash == b.amount + v.amount == DuesPayment.objects.filter(voided_at__isnull=True).aggregate(
        s=Sum("amount"))["s"]
    # the same month may be paid again after the void
    assert pay(tree).month == JUNE


def test_void_in_closed_month_refused(setup):
    tree = setup
    p = pay(tree)
    MonthClose.objects.create(organization=tree.branch_a, month=JUNE, closed_by=tree.users["secretary_a"])
    with pytest.raises(ValidationError, match="结账"):
        payment_services.payment_void(actor=tree.users["secretary_a"], payment=p, reason="错")


def test_quarter_all_or_nothing(setup, settings):
    settings.DUES_START_MONTH = "2026-03"  # owed from March
    tree = setup
    with pytest.raises(ValidationError) as exc:  # July–September ahead without consent: each month named
        payment_services.payments_record_quarter(actor=tree.users["secretary_a"], member=tree.member_a,
                                                 first_month=date(2026, 7, 1), method="cash", paid_on=TODAY)
    assert len(exc.value.messages) == 3 and exc.value.messages[0].startswith("2026年07月")
    pay(tree, month=date(2026, 8, 1), ahead_consent="同意")
    with pytest.raises(ValidationError, match="2026年08月：该党员该月党费已登记"):
        payment_services.payments_record_quarter(actor=tree.users["secretary_a"], member=tree.member_a,
                                                 first_month=date(2026, 7, 1), method="cash", paid_on=TODAY,
                                                 ahead_consent="同意")
    assert DuesPayment.objects.count() == 1
    done = payment_services.payments_record_quarter(actor=tree.users["secretary_a"], member=tree.member_a,
                                                    first_month=date(2026, 3, 1), count=4, method="bank",
                                                    paid_on=TODAY)
    assert [p.month.month for p in done] == [3, 4, 5, 6]
    # August was paid ahead, but July is not: the unbroken run of months covered ends in June.
    assert DuesStanding.objects.get(member=tree.member_a).last_covered == date(2026, 6, 1)


def test_batch_all_or_nothing(setup):
    tree = setup
    c = make_member(tree.branch_a, "王五")  # no standard: the whole batch refused
    with pytest.raises(ValidationError, match="王五：王五未核定党费标准"):
        payment_services.payments_record_batch(actor=tree.users["secretary_a"], members=[tree.member_a, c],
                                               month=JUNE, method="cash", paid_on=TODAY)
    assert not DuesPayment.objects.exists()
    standard(c, "0.50")
    done = payment_services.payments_record_batch(actor=tree.users["secretary_a"], members=[tree.member_a, c],
                                                  month=JUNE, method="wechat", paid_on=TODAY)
    assert sorted(p.amount for p in done) == [D("0.50"), D("12.50")]
