"""Pages of dues payments: the access matrix of every route, the sheet's figures and its quick 登记 (htmx: the row and
the totals swapped) and 批量登记, the query counts (the same for 3 and 30 members), arrears at 2/3/5/6 months, a
member's own page, bad input (4xx, nothing saved)."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.dues import payment_services
from apps.dues.models import DuesPayment
from apps.members.models import Member
from tests.factories import make_member

from .pay_helpers import JUNE, TODAY, frozen, standard

pytestmark = pytest.mark.django_db


@pytest.fixture(name="today")
def _today(settings):
    yield from frozen(settings)

ROLES = ["district_admin", "town_a_admin", "secretary_a", "secretary_b", "member_a", "auditor"]
A_SIDE = {"district_admin", "town_a_admin", "secretary_a"}  # DUES_VIEW and DUES_COLLECT over branch A
DUES_ROLES = A_SIDE | {"secretary_b"}


def pay(tree, member, month=JUNE, amount="12.50"):
    return payment_services.payment_record(actor=tree.users["district_admin"], member=member, month=month,
                                           amount=amount, method="cash", paid_on=TODAY)


@pytest.fixture
def setup(tree, today):
    # 张三 was admitted in April 2026: owed from April (everyone else from the start month, 2025-01).
    Member.objects.filter(pk=tree.member_a.pk).update(joined_on=date(2026, 4, 10))
    tree.member_a.refresh_from_db()
    standard(tree.member_a, by=tree.users["secretary_a"])
    standard(tree.member_b, "3.00", by=tree.users["secretary_b"])
    return tree


def test_access_matrix(client, setup):
    tree = setup
    a = tree.branch_a.pk
    payment = pay(tree, tree.member_a, month=date(2026, 5, 1))
    sheet_q = f"?org={a}&month=2026-06"
    by_object = [  # url, method, data, who may (others 403 or 404)
        (f"/dues/sheet/{sheet_q}", "get", {}, A_SIDE),
        (f"/dues/sheet/export/{sheet_q}", "get", {}, A_SIDE),
        (f"/dues/sheet/import/{sheet_q}", "get", {}, A_SIDE),
        (f"/dues/arrears/?org={a}", "get", {}, A_SIDE),
        (f"/dues/payments/member/{tree.member_a.pk}/", "get", {}, A_SIDE),
        (f"/dues/payments/{payment.pk}/void/", "get", {}, A_SIDE),
        ("/dues/sheet/pay/", "post", {"org": a, "month": "2026-06", "member": tree.member_a.pk, "amount": "12.50",
                                      "method": "cash", "paid_on": "2026-06-15"}, A_SIDE),
    ]
    for role in ROLES:
        client.force_login(tree.users[role])
        for url, method, data, allowed in by_object:
            status = getattr(client, method)(url, data).status_code
            want = (200, 302) if role in allowed else (403, 404)
            assert status in want, (role, url, status)
            if role == "secretary_b" and "org=" in url:
                assert status == 404, (role, url)  # branch A's organization is out of their scope
        for url in ("/dues/sheet/", "/dues/arrears/"):
            assert client.get(url).status_code == (200 if role in DUES_ROLES else 403), (role, url)
        assert client.get("/dues/mine/").status_code == (200 if role == "member_a" else 403), role
    assert DuesPayment.objects.filter(month=JUNE).count() == 1  # recorded once; the others were refused


def test_nav_entries(client, setup):
    tree = setup
    client.force_login(tree.users["secretary_a"])
    page = client.get("/dues/sheet/").content.decode()
    assert 'data-testid="nav-dues"' in page and 'data-testid="nav-dues-mine"' not in page
    client.force_login(tree.users["member_a"])
    page = client.get("/dues/mine/").content.decode()
    assert 'data-testid="nav-dues-mine"' in page and 'data-testid="nav-dues"' not in page


def test_sheet_figures_and_quick_pay(client, setup):
    tree = setup
    other = make_member(tree.branch_a, "王五", party_group=tree.group_a)
    standard(other, "0.50")
    make_member(tree.branch_a, "赵六")  # no standard: 未核定
    pay(tree, tree.member_a, month=date(2026, 4, 1))
    pay(tree, tree.member_a, month=date(2026, 5, 1))
    client.force_login(tree.users["secretary_a"])
    page = client.get(f"/dues/sheet/?org={tree.branch_a.pk}&month=2026-06")
    assert page.status_code == 200
    sheet = page.context["sheet"]
    assert [r.member.name for r in sheet.rows] == ["王五", "张三", "赵六"]
    assert sheet.total_due == D("13.00") and sheet.total_paid == 0 and sheet.paid_count == 0
    rows = {r.member.name: r for r in sheet.rows}
    assert rows["张三"].behind == 0 and rows["王五"].behind == 17 and rows["王五"].listed and rows["赵六"].due is None
    assert "未核定" in page.content.decode() and "应处置" in page.content.decode()
    # the quick 登记 (htmx): the row and the totals come back
    r = client.post("/dues/sheet/pay/", {"org": tree.branch_a.pk, "month": "2026-06", "member": tree.member_a.pk,
                                         "amount": "12.50", "method": "wechat", "paid_on": "2026-06-15"},
                    headers={"HX-Request": "true"})
    body = r.content.decode()
    assert r.status_code == 200 and f'id="row-{tree.member_a.pk}"' in body and 'hx-swap-oob="true"' in body
    assert "12.50（2026-06-15，微信）" in body and "已缴 12.50 元，1 人" in body
    # a wrong amount: 400, the row with the reason, nothing saved
    r = client.post("/dues/sheet/pay/", {"org": tree.branch_a.pk, "month": "2026-06", "member": other.pk,
                                         "amount": "1", "method": "cash", "paid_on": "2026-06-15"},
                    headers={"HX-Request": "true"})
    assert r.status_code == 400 and "应缴0.50元" in r.content.decode()
    assert DuesPayment.objects.filter(member=other).count() == 0


def test_batch(client, setup):
    tree = setup
    other = make_member(tree.branch_a, "王五", joined_on=date(2026, 6, 1))  # owed from June
    standard(other, "0.50")
    pay(tree, tree.member_a, month=date(2026, 4, 1))
    pay(tree, tree.member_a, month=date(2026, 5, 1))
    client.force_login(tree.users["secretary_a"])
    data = {"org": tree.branch_a.pk, "month": "2026-06", "members": [tree.member_a.pk, other.pk],
            "method": "bank", "paid_on": "2026-06-10"}
    r = client.post("/dues/sheet/batch/", {**data, "members": [tree.member_a.pk, tree.member_b.pk]})
    assert r.status_code == 400 and not DuesPayment.objects.filter(month=JUNE).exists()  # B's member: not on the sheet
    r = client.post("/dues/sheet/batch/", data)
    assert r.status_code == 302
    assert DuesPayment.objects.filter(month=JUNE, method="bank").count() == 2
    page = client.get(f"/dues/sheet/?org={tree.branch_a.pk}&month=2026-06")
    assert page.context["sheet"].paid_count == 2 and page.context["sheet"].total_paid == D("13.00")
    assert {r.behind for r in page.context["sheet"].rows} == {0}


@pytest.mark.parametrize("url", ["/dues/sheet/?org=abc", "/dues/sheet/?month=2026-13", "/dues/sheet/?month=x",
                                 "/dues/arrears/?org=x", "/dues/arrears/?level=bad", "/dues/arrears/?after=zz",
                                 "/dues/sheet/export/?month=1"])
def test_bad_input(client, setup, url):
    client.force_login(setup.users["secretary_a"])
    assert client.get(url).status_code == 400


def test_bad_posts(client, setup):
    tree = setup
    client.force_login(tree.users["secretary_a"])
    base = {"org": tree.branch_a.pk, "month": "2026-06", "member": tree.member_a.pk, "method": "cash",
            "paid_on": "2026-06-15", "amount": "12.50"}
    for change in ({"amount": "x"}, {"paid_on": "2026-02-30"}, {"method": "gold"}, {"month": "2026/6"},
                   {"amount": "1e9999"}, {"paid_on": "2026-06-16"}):
        r = client.post("/dues/sheet/pay/", {**base, **change}, headers={"HX-Request": "true"})
        assert r.status_code == 400, change
    assert client.post("/dues/sheet/pay/", {**base, "member": "abc"}).status_code == 404
    assert client.post("/dues/sheet/batch/", {"org": tree.branch_a.pk, "month": "2026-06"}).status_code == 400
    p = pay(tree, tree.member_a, month=date(2026, 5, 1))
    assert client.post(f"/dues/payments/{p.pk}/void/", {"reason": ""}).status_code == 400
    r = client.post(f"/dues/payments/member/{tree.member_a.pk}/", {"form": "months", "first_month": "2026-07",
                                                                   "count": "3", "method": "cash",
                                                                   "paid_on": "2026-06-15"})
    assert r.status_code == 400 and "支部同意" in r.content.decode()
    assert DuesPayment.objects.count() == 1
    r = client.post(f"/dues/payments/member/{tree.member_a.pk}/", {"form": "months", "first_month": "2026-07",
                                                                   "count": "3", "method": "cash",
                                                                   "paid_on": "2026-06-15",
                                                                   "ahead_consent": "经支委会同意按季度预缴"})
    assert r.status_code == 302 and DuesPayment.objects.count() == 4
    r = client.post(f"/dues/payments/{p.pk}/void/", {"reason": "录入错误"})
    assert r.status_code == 302 and DuesPayment.objects.get(pk=p.pk).voided_at


def _sheet_queries(client, tree, n, total):
    for i in range(n):
        m = make_member(tree.branch_a, f"党员{i}")
        standard(m, "1.00")
        if i % 2:
            pay(tree, m, amount="1.00")
    client.force_login(tree.users["secretary_a"])
    client.get("/dues/arrears/")  # the session's first save out of the count
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(f"/dues/sheet/?org={tree.branch_a.pk}&month=2026-06")
    assert r.status_code == 200 and len(r.context["sheet"].rows) == total
    return len(ctx)


def test_sheet_query_count_does_not_grow(client, setup, django_db_blocker):
    tree = setup
    few = _sheet_queries(client, tree, 2, 3)
    many = _sheet_queries(client, tree, 27, 30)
    assert few == many


def _behind(tree, months):
    """A member of branch A who has paid through (June − months − 1): `months` months behind."""
    from apps.dues.rules import add_months

    last = add_months(JUNE, -months - 1)
    m = make_member(tree.branch_a, f"欠{months}", joined_on=last)  # owed from that month
    standard(m, "1.00")
    if last >= date(2025, 12, 1):
        pay(tree, m, month=last, amount="1.00")
    else:  # beyond back-payment: the standing written as the import of older books would leave it
        from apps.dues.models import DuesStanding
        DuesStanding.objects.update_or_create(member=m, defaults={"due_from": date(2025, 1, 1), "last_covered": last})
    return m


def test_arrears_levels(client, setup):
    tree = setup
    pay(tree, tree.member_a, month=date(2026, 4, 1))
    pay(tree, tree.member_a, month=date(2026, 5, 1))  # up to date
    members = {n: _behind(tree, n) for n in (2, 3, 5, 6)}
    client.force_login(tree.users["secretary_a"])
    r = client.get(f"/dues/arrears/?org={tree.branch_a.pk}")
    shown = {s.member.name: (s.behind, s.listed) for s in r.context["page"]}
    assert shown == {"欠3": (3, False), "欠5": (5, False), "欠6": (6, True)}
    assert "自行脱党" in r.content.decode()
    r = client.get("/dues/arrears/?level=list")
    assert [s.member.name for s in r.context["page"]] == ["欠6"]
    client.force_login(tree.users["secretary_b"])
    assert list(client.get("/dues/arrears/").context["page"]) == []  # branch A's arrears are not theirs
    assert members


def _arrears_queries(client, tree, n):
    from apps.dues.models import DuesStanding

    for i in range(n):
        m = make_member(tree.branch_a, f"欠缴{i}")
        DuesStanding.objects.create(member=m, due_from=date(2025, 1, 1), last_covered=None)
    client.force_login(tree.users["town_a_admin"])
    client.get("/dues/arrears/")  # the session's first save out of the count
    with CaptureQueriesContext(connection) as ctx:
        r = client.get("/dues/arrears/")
    assert r.status_code == 200
    return len(ctx), len(r.context["page"])


def test_arrears_query_count(client, setup):
    few, shown_few = _arrears_queries(client, setup, 3)
    many, shown_many = _arrears_queries(client, setup, 60)
    assert few == many and shown_few == 3 and shown_many == 50  # one page of 50


def test_mine(client, setup):
    tree = setup
    pay(tree, tree.member_a, month=date(2026, 4, 1))
    client.force_login(tree.users["member_a"])
    r = client.get("/dues/mine/")
    body = r.content.decode()
    assert r.context["own"]["behind"] == 1 and r.context["own"]["due"] == D("12.50")
    assert "每月 12.50 元" in body and "2026年04月" in body and "作废" not in body


def test_quick_pay_of_a_member_not_on_the_sheet(client, setup):
    """A member the user may collect from but of another organization than the sheet's: refused before anything is
    recorded (the district administrator, branch B's member on branch A's sheet)."""
    tree = setup
    client.force_login(tree.users["district_admin"])
    r = client.post("/dues/sheet/pay/", {"org": tree.branch_a.pk, "month": "2026-06", "member": tree.member_b.pk,
                                         "amount": "3.00", "method": "cash", "paid_on": "2026-06-15"})
    assert r.status_code == 400 and not DuesPayment.objects.exists()
    r = client.post("/dues/sheet/pay/", {"org": tree.branch_b.pk, "month": "2026-06", "member": tree.member_b.pk,
                                         "amount": "3.00", "method": "cash", "paid_on": "2026-06-15"})
    assert r.status_code == 302 and DuesPayment.objects.get().member == tree.member_b
