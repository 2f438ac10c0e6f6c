"""What an outside review of the dues app found, each held by a test: a hardship case approved by whoever applied or
agreed to it (or by the member), standards and waivers reaching into closed months, arrears hidden by paying a
later month, a statement whose total overflows its column, "NaN" as an amount, beneficiaries' names and salary bases
readable in the audit trail, aid approved by its own beneficiary — and sums that SQLite returned with float noise."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.access.models import Role
from apps.audit.display import Reader
from apps.audit.models import AuditEvent
from apps.core.money import MoneySum
from apps.dues import book_services, fund_services, payment_services, rules, standard_services, standing
from apps.dues.models import DuesPayment, DuesStandard, DuesStanding, MonthClose
from apps.dues.sheet_excel import _amount
from apps.dues.statement_services import statement_import
from tests.factories import make_member, make_user

from .pay_helpers import frozen

pytestmark = pytest.mark.django_db


@pytest.fixture(name="today")
def _today(settings):
    yield from frozen(settings)  # 2026-06-15, dues owed from 2025-01


def _standard(tree, member=None, since=date(2025, 1, 1)):
    return standard_services.standard_set(actor=tree.users["secretary_a"], member=member or tree.member_a,
                                          category="in_service", base=D("4200"), effective_from=since)


def _agreed(tree, first=date(2026, 5, 1), applicant="secretary_a"):
    d = standard_services.hardship_apply(actor=tree.users[applicant], member=tree.member_a, first_month=first,
                                         last_month=None, monthly_amount=D("0"), reason="因病致贫")
    return standard_services.hardship_agree(actor=tree.users["secretary_a"], decision=d)


def test_nobody_approves_a_hardship_case_they_applied_for_agreed_to_or_benefit_from(tree, today):
    _standard(tree)
    # The district administrator applied and (holding the branch's duty too) agreed: someone else approves.
    d = standard_services.hardship_apply(actor=tree.users["district_admin"], member=tree.member_a,
                                         first_month=date(2026, 5, 1), last_month=None, monthly_amount=D("0"),
                                         reason="困难")
    d = standard_services.hardship_agree(actor=tree.users["district_admin"], decision=d)
    with pytest.raises(PermissionDenied, match="申请或同意该申请的人不能再审批"):
        standard_services.hardship_approve(actor=tree.users["district_admin"], decision=d)
    # The member themself, even holding an approver's role above their branch.
    cadre = make_member(tree.branch_a, "王五")
    _standard(tree, member=cadre)
    own = make_user("cadre", Role.ORG_ADMIN, tree.town_a, member=cadre)
    d2 = standard_services.hardship_apply(actor=tree.users["secretary_a"], member=cadre, first_month=date(2026, 7, 1),
                                          last_month=None, monthly_amount=D("0"), reason="困难")
    d2 = standard_services.hardship_agree(actor=tree.users["secretary_a"], decision=d2)
    with pytest.raises(PermissionDenied, match="不能审批本人"):
        standard_services.hardship_approve(actor=own, decision=d2)
    # A third person above the branch approves.
    standard_services.hardship_approve(actor=tree.users["town_a_admin"], decision=d)


def test_closed_months_are_closed_to_standards_and_waivers(tree, today):
    _standard(tree)
    d = _agreed(tree, first=date(2026, 3, 1))
    MonthClose.objects.create(organization=tree.district, month=date(2026, 3, 1), closed_by=tree.users["district_admin"])
    with pytest.raises(ValidationError, match="已由示范区委结账"):
        _standard(tree, since=date(2026, 3, 1))
    with pytest.raises(ValidationError, match="已由示范区委结账"):
        standard_services.hardship_apply(actor=tree.users["secretary_a"], member=tree.member_a,
                                         first_month=date(2026, 3, 1), last_month=None, monthly_amount=D("0"),
                                         reason="困难")
    with pytest.raises(ValidationError, match="已由示范区委结账"):  # agreed before the close: still not approved
        standard_services.hardship_approve(actor=tree.users["town_a_admin"], decision=d)
    assert standing.amount_due(tree.member_a, date(2026, 3, 1)) == D("42.00")
    _standard(tree, since=date(2026, 4, 1))  # an open month is fine


def test_paying_a_later_month_never_hides_the_earlier_ones(tree, today, settings):
    settings.DUES_START_MONTH = "2026-01"
    _standard(tree)
    for month in (1, 2):
        payment_services.payment_record(actor=tree.users["secretary_a"], member=tree.member_a,
                                        month=date(2026, month, 1), amount="42.00", method="cash", paid_on=today)
    payment_services.payment_record(actor=tree.users["secretary_a"], member=tree.member_a, month=date(2026, 6, 1),
                                    amount="42.00", method="cash", paid_on=today)
    row = DuesStanding.objects.get(member=tree.member_a)
    assert row.last_covered == date(2026, 2, 1) and standing.months_behind(row, today) == 3  # March to May


def test_a_statement_beyond_its_columns_is_refused_not_stored(tree, today):
    lines = "日期,金额,流水号,付款人\n" + "".join(f"2026-06-10,99999999.00,R{i},张三\n" for i in range(12))
    upload = SimpleUploadedFile("s.csv", lines.encode(), content_type="text/csv")
    with pytest.raises(ValidationError, match="合计金额过大"):
        statement_import(actor=tree.users["secretary_a"], organization=tree.branch_a, method="wechat",
                         first_day=date(2026, 6, 1), last_day=date(2026, 6, 30), upload=upload)


@pytest.mark.parametrize("value", ["NaN", "nan", "Infinity", "-inf", "sNaN"])
def test_not_a_number_is_not_an_amount(value):
    with pytest.raises(ValueError):
        rules.money(value)
    with pytest.raises(Exception, match="不是数字|须大于0"):
        _amount(value)


def test_the_audit_trail_keeps_bases_and_beneficiaries_to_themselves(tree, today):
    _standard(tree)
    event = AuditEvent.objects.filter(object_type="dues.duesstandard").latest("id")
    shown = " ".join(f"{c.before} {c.after}" for c in Reader([event]).changes(event)) + event.object_repr
    assert "4200" not in shown and "42.00" not in shown and "在职" not in shown
    fund = fund_services.fund_open(actor=tree.users["district_admin"], organization=tree.branch_a, name="关怀基金",
                                   opened_on=date(2026, 1, 1))
    fund_services.fund_entry_create(actor=tree.users["town_a_admin"], fund=fund, direction="spending",
                                    kind="emergency_aid", amount=D("100"), occurred_on=today,
                                    beneficiary=tree.member_a, reason="住院")
    event = AuditEvent.objects.filter(object_type="dues.fundentry").latest("id")
    shown = " ".join(f"{c.before} {c.after}" for c in Reader([event]).changes(event)) + event.object_repr
    assert "张三" not in shown and "住院" not in shown


def test_nobody_enters_or_approves_aid_for_themself(tree, today):
    fund = fund_services.fund_open(actor=tree.users["district_admin"], organization=tree.branch_a, name="关怀基金",
                                   opened_on=date(2026, 1, 1))
    income = fund_services.fund_entry_create(actor=tree.users["town_a_admin"], fund=fund, direction="income",
                                             kind="donation", amount=D("500"), occurred_on=today, reason="捐赠")
    fund_services.fund_entry_approve(actor=tree.users["district_admin"], entry=income)
    cadre = make_member(tree.branch_a, "王五")
    himself = make_user("cadre", Role.ORG_ADMIN, tree.town_a, member=cadre)
    with pytest.raises(ValidationError, match="不能为本人登记支出"):
        fund_services.fund_entry_create(actor=himself, fund=fund, direction="spending", kind="emergency_aid",
                                        amount=D("100"), occurred_on=today, beneficiary=cadre, reason="x")
    entry = fund_services.fund_entry_create(actor=tree.users["town_a_admin"], fund=fund, direction="spending",
                                            kind="emergency_aid", amount=D("100"), occurred_on=today,
                                            beneficiary=cadre, reason="住院")
    with pytest.raises(ValidationError, match="受助党员本人不能审批"):
        fund_services.fund_entry_approve(actor=himself, entry=entry)
    fund_services.fund_entry_approve(actor=tree.users["district_admin"], entry=entry)


def test_money_sums_come_back_to_the_fen(tree, today):
    _standard(tree, member=make_member(tree.branch_a, "王五"))
    for i, m in enumerate(range(1, 6)):
        DuesPayment.objects.create(member=tree.member_a, organization=tree.branch_a, month=date(2026, m, 1),
                                   amount=D("0.10") if i % 2 else D("0.20"), paid_on=today,
                                   recorded_by=tree.users["secretary_a"])
    total = DuesPayment.objects.aggregate(s=MoneySum("amount"))["s"]
    assert total == D("0.80") and str(total) == "0.80"
    assert DuesStandard.objects.count() == 1
    assert book_services  # the books read their sums the same way (book_selectors._q)


def test_a_townships_books_list_the_months_closed_above_it(client, tree, today):
    MonthClose.objects.create(organization=tree.district, month=date(2026, 3, 1), closed_by=tree.users["district_admin"])
    client.force_login(tree.users["town_a_admin"])
    r = client.get(f"/dues/books/?org={tree.town_a.pk}&month=2026-05")
    assert r.status_code == 200
    assert [(c.organization_id, c.month) for c in r.context["closes"]] == [(tree.district.pk, date(2026, 3, 1))]
    client.force_login(tree.users["secretary_b"])  # another township's branch: its own books, no other close
    r = client.get(f"/dues/books/?org={tree.branch_b.pk}&month=2026-05")
    assert [c.organization_id for c in r.context["closes"]] == [tree.district.pk]
