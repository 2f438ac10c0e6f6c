"""The monthly collection summary: what is owed in SQL equals standing.amounts_due; the figures per child; the
same number of queries for 3 and 30 child organizations."""

from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.dues import book_selectors, book_services, standing
from apps.dues.models import HardshipStatus, PaymentKind
from tests.factories import make_member, make_org, refresh

from .books_helpers import FEB, JAN, MAR, hardship, pay, standard, void

D = Decimal


def test_amount_due_in_sql_equals_amounts_due_on_a_dozen_members(tree):
    admin = tree.users["district_admin"]
    members = [make_member(tree.branch_a, f"党员{i}") for i in range(12)]
    now = timezone.now()
    standard(admin, members[0], "10.00", date(2025, 6, 1))
    standard(admin, members[0], "15.00", FEB)  # a change of base: February on
    standard(admin, members[1], "8.00", date(2026, 2, 14))  # admitted within February: in force for February only
    standard(admin, members[1], "9.00", date(2026, 2, 20))
    standard(admin, members[2], "20.00", date(2026, 1, 1))
    hardship(admin, members[2], "0", FEB, MAR)  # waived two months
    standard(admin, members[3], "20.00", date(2025, 1, 1))
    hardship(admin, members[3], "5.00", JAN, None, decided_at=now - timedelta(days=3))
    hardship(admin, members[3], "2.00", FEB, FEB, decided_at=now)  # the later decision wins where both cover
    standard(admin, members[4], "30.00", date(2025, 1, 1))
    hardship(admin, members[4], "0", JAN, None, status=HardshipStatus.APPLIED)  # not approved: no effect
    hardship(admin, members[4], "1.00", JAN, None, status=HardshipStatus.REJECTED)
    standard(admin, members[5], "3.00", date(2026, 3, 31))  # only from March
    # members[6]: none at all (未核定)
    standard(admin, members[7], "0.20", date(2024, 1, 1), category="student")
    standard(admin, members[7], "0.50", date(2026, 1, 1), category="farmer")
    hardship(admin, members[8], "1.00", FEB, FEB)  # a decision without a standard
    for i in range(9, 12):
        standard(admin, members[i], f"{i}.50", date(2025, 12, 1) + timedelta(days=31 * (i - 9)))
    ids = [m.pk for m in members]
    for month in (date(2025, 12, 1), JAN, FEB, MAR, date(2026, 4, 1)):
        assert book_selectors.amounts_due_sql(ids, month) == standing.amounts_due(ids, month), month
    assert book_selectors.amounts_due_sql(ids, FEB)[members[1].pk] == D("8.00")
    assert book_selectors.amounts_due_sql(ids, FEB)[members[3].pk] == D("2.00")


def test_summary_figures_per_child(tree):
    admin = tree.users["district_admin"]
    standard(admin, tree.member_a, "30.00", date(2025, 1, 1))
    standard(admin, tree.member_b, "12.00", date(2025, 1, 1))
    other = make_member(tree.group_a, "王五")  # in branch A's group: rolled up into 甲镇
    standard(admin, other, "0", date(2025, 1, 1))  # owes nothing
    new = make_member(tree.branch_a, "赵六")  # no standard yet: owing, unassessed
    pay(admin, tree.member_a, "30.00")
    pay(admin, tree.member_a, "100.00", kind=PaymentKind.VOLUNTARY)
    void(admin, pay(admin, tree.member_b, "12.00"))
    book_services.remittance_record(actor=admin, organization=tree.branch_a, month=JAN, amount=D("100"),
                                    remitted_on=date(2026, 2, 2))
    book_services.remittance_record(actor=admin, organization=tree.town_a, month=JAN, amount=D("60"),
                                    remitted_on=date(2026, 2, 3))
    rows, total = book_selectors.monthly_summary(tree.district, JAN)
    by = {r.organization.pk: r for r in rows}
    a, b = by[tree.town_a.pk], by[tree.town_b.pk]
    assert (a.current, a.owing, a.unassessed, a.due) == (3, 2, 1, D("30.00"))
    assert (a.collected, a.paid, a.rate, a.remitted, a.held) == (D("130.00"), 1, D("50.0"), D("60.00"), D("70.00"))
    assert (b.current, b.owing, b.due, b.collected, b.paid, b.rate, b.held) == (1, 1, D("12.00"), 0, 0, D("0.0"), 0)
    own = by[tree.district.pk]  # its own row: what 甲镇 handed it
    assert (own.current, own.collected, own.remitted, own.held) == (0, 0, 0, D("60.00"))
    # The whole district: nothing left it, everything collected is held somewhere in it.
    assert (total.current, total.collected, total.remitted, total.held) == (4, D("130.00"), 0, D("130.00"))
    assert new.pk and other.pk
    # Before the platform's first month nobody owes.
    rows, total = book_selectors.monthly_summary(tree.district, date(2025, 12, 1))
    assert total.owing == 0 and total.due == 0


def test_summary_queries_do_not_grow_with_children(tree):
    admin = tree.users["district_admin"]

    def town_with(n):
        town = make_org(f"镇{n}", "committee", refresh(tree.district))
        for i in range(n):
            branch = make_org(f"村{n}-{i}", "branch", refresh(town))
            m = make_member(branch, f"员{n}-{i}")
            standard(admin, m, "5.00", date(2025, 1, 1))
            pay(admin, m, "5.00")
        return refresh(town)

    counts = []
    for town in (town_with(3), town_with(30)):
        with CaptureQueriesContext(connection) as ctx:
            rows, total = book_selectors.monthly_summary(town, JAN)
            book_selectors.reconcile_children(town, JAN)
        counts.append(len(ctx.captured_queries))
        assert total.collected == D("5.00") * len(rows) and total.paid == len(rows)
    assert counts[0] == counts[1], counts
