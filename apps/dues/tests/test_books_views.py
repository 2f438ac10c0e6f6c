"""The books' pages: who may see and do what, the statement import end to end, the summary's export and its queries."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.audit.models import AuditEvent
from apps.dues import book_services
from apps.dues.models import PaymentKind, PaymentMethod, Remittance, StatementImport, StatementLine
from tests.factories import make_member, make_org, refresh

from .books_helpers import JAN, pay, standard

D = Decimal
ROLES = ["district_admin", "town_a_admin", "secretary_a", "secretary_b", "member_a", "auditor"]


def csv_file(text, name="statement.csv"):
    return SimpleUploadedFile(name, text.encode("utf-8-sig"), content_type="text/csv")


@pytest.fixture
def books(tree):
    admin = tree.users["district_admin"]
    pay(admin, tree.member_a, "30.00", method=PaymentMethod.WECHAT, paid_on=date(2026, 1, 5), reference="WX001")
    big = pay(admin, tree.member_a, "1500.00", kind=PaymentKind.VOLUNTARY, remit_in_full=True)
    remittance = book_services.remittance_record(actor=admin, organization=tree.branch_a, month=JAN, amount=D("20"),
                                                 remitted_on=date(2026, 2, 1))
    statement = StatementImport.objects.create(
        organization=tree.branch_a, method=PaymentMethod.WECHAT, first_day=date(2026, 1, 1), last_day=date(2026, 1, 31),
        file_name="s.csv", line_count=0, line_total=0, recorded_count=1, recorded_total=D(30), matched=False,
        imported_by=admin)
    return {"remittance": remittance, "statement": statement, "big": big}


def _matrix(client, tree, method, url, expected, data=None):
    got = {}
    for role in ROLES:
        client.force_login(tree.users[role])
        response = client.post(url, data or {}) if method == "post" else client.get(url)
        got[role] = response.status_code
    assert got == dict(zip(ROLES, expected)), url


def test_access_matrix(client, tree, books):
    q = f"?org={tree.branch_a.pk}&month=2026-01"
    r, s, big = books["remittance"], books["statement"], books["big"]
    #                                                  district town_a sec_a sec_b member auditor
    _matrix(client, tree, "get", f"/dues/books/{q}", (200, 200, 200, 400, 403, 403))
    _matrix(client, tree, "get", "/dues/books/", (200, 200, 200, 200, 403, 403))
    _matrix(client, tree, "get", f"/dues/summary/{q}", (200, 200, 200, 400, 403, 403))
    _matrix(client, tree, "get", f"/dues/summary/export/{q}", (200, 200, 200, 400, 403, 403))
    _matrix(client, tree, "get", f"/dues/books/remittances/{r.pk}/", (200, 200, 200, 404, 404, 404))
    _matrix(client, tree, "get", "/dues/books/remit/", (200, 200, 200, 200, 403, 403))
    _matrix(client, tree, "get", "/dues/books/close/", (200, 200, 200, 200, 403, 403))
    _matrix(client, tree, "get", "/dues/statements/", (200, 200, 200, 200, 403, 403))
    _matrix(client, tree, "get", f"/dues/statements/{s.pk}/", (200, 200, 200, 404, 404, 404))
    # Writes: out of scope 404; the others succeed or are refused once done.
    _matrix(client, tree, "post", f"/dues/books/remittances/{r.pk}/reverse/", (302, 400, 400, 404, 404, 404),
            {"reason": "金额有误"})
    _matrix(client, tree, "post", f"/dues/books/full/{big.pk}/", (302, 302, 302, 404, 404, 404))
    assert Remittance.objects.filter(reverses=r).count() == 1
    assert Remittance.objects.filter(to_centre=True, amount=D("1500.00")).count() == 1


def test_remittance_seen_by_the_receiving_organization(client, tree):
    """A remittance from 甲镇 to the district: the district's people see it; the secretary of 甲村 (below the sender)
    does not."""
    admin = tree.users["district_admin"]
    pay(admin, tree.member_a, "10.00", org=tree.town_a)
    r = book_services.remittance_record(actor=admin, organization=tree.town_a, month=JAN, amount=D("10"),
                                        remitted_on=date(2026, 2, 1))
    _matrix(client, tree, "get", f"/dues/books/remittances/{r.pk}/", (200, 200, 404, 404, 404, 404))
    client.force_login(admin)
    page = client.get(f"/dues/books/?org={tree.district.pk}&month=2026-01").content.decode()
    assert "甲镇党委" in page and "10.00" in page


def test_books_page_shows_a_mismatch_in_red_and_the_remit_form_refuses_in_chinese(client, tree):
    from apps.dues.models import DuesPayment

    admin = tree.users["district_admin"]
    DuesPayment.objects.create(member=tree.member_a, organization=tree.branch_a, month=JAN, amount=D("9.00"),
                               paid_on=date(2026, 1, 5), recorded_by=admin)
    client.force_login(tree.users["secretary_a"])
    page = client.get(f"/dues/books/?org={tree.branch_a.pk}&month=2026-01").content.decode()
    assert "text-danger" in page and "记录 9.00 元，账目 0.00 元" in page
    data = {"organization": tree.branch_a.code, "month": "2026-01", "amount": "5", "remitted_on": "2026-02-01"}
    refused = client.post("/dues/books/remit/", data)
    assert refused.status_code == 400 and "余额不足" in refused.content.decode()
    assert client.post("/dues/books/remit/", {**data, "amount": "abc"}).status_code == 400
    assert client.post("/dues/books/remit/", {**data, "month": "2026-13"}).status_code == 400
    assert client.get("/dues/books/?month=nonsense").status_code == 400
    closing = client.post("/dues/books/close/", {"organization": tree.branch_a.code, "month": "2026-01"})
    assert closing.status_code == 400 and "账目不平" in closing.content.decode()
    assert not Remittance.objects.exists()


def test_close_through_the_page(client, tree):
    pay(tree.users["district_admin"], tree.member_a, "30.00")
    client.force_login(tree.users["town_a_admin"])
    done = client.post("/dues/books/close/", {"organization": tree.town_a.code, "month": "2026-01"})
    assert done.status_code == 302
    page = client.get(done.url).content.decode()
    assert "closed-note" in page and "2026-01" in page


def test_statement_import_matches_and_lists_the_differences(client, tree):
    admin = tree.users["district_admin"]
    m2 = make_member(tree.group_a, "王五")
    pay(admin, tree.member_a, "30.00", method=PaymentMethod.WECHAT, paid_on=date(2026, 1, 5), reference="WX001")
    pay(admin, m2, "12.00", method=PaymentMethod.WECHAT, paid_on=date(2026, 1, 6))
    pay(admin, tree.member_a, "7.00", kind=PaymentKind.VOLUNTARY, method=PaymentMethod.WECHAT, paid_on=date(2026, 1, 9))
    pay(admin, tree.member_b, "99.00", method=PaymentMethod.WECHAT, paid_on=date(2026, 1, 6))  # another township
    client.force_login(tree.users["secretary_a"])
    text = "日期,金额,流水号,付款人\n2026-01-05,30.00,WX001,张三\n2026/1/6,12,,王五\n2026-01-07,8.00,WX009,欧阳娜娜\n"
    form = {"organization": tree.branch_a.code, "method": "wechat", "first_day": "2026-01-01", "last_day": "2026-01-31"}
    done = client.post("/dues/statements/", {**form, "file": csv_file(text)})
    assert done.status_code == 302, done.content.decode()[:3000]
    s = StatementImport.objects.get()
    assert (s.line_count, s.line_total, s.recorded_count, s.recorded_total, s.matched) == (3, D("50.00"), 3, D("49.00"), False)
    assert sorted(StatementLine.objects.values_list("payer", flat=True)) == ["张*", "欧***", "王*"]
    assert StatementLine.objects.filter(payment__isnull=False).count() == 2
    assert AuditEvent.objects.filter(object_type="dues.statementimport", action="import").exists()
    page = client.get(done.url).content.decode()
    assert "欧阳娜娜" not in page and "欧***" in page and "WX009" in page
    assert page.count("table-danger") == 2  # 7 and 9 January
    assert "7.00" in page  # the unmatched payment


def test_statement_import_is_all_or_nothing_with_row_errors(client, tree):
    client.force_login(tree.users["secretary_a"])
    form = {"organization": tree.branch_a.code, "method": "bank", "first_day": "2026-01-01", "last_day": "2026-01-31"}
    text = "日期,金额,流水号,付款人\n2026-01-05,30.00,A1,张三\n2026-02-05,1,A2,李四\n2026-01-06,abc,A3,王五\n2026-01-07,1,A1,赵六\n"
    refused = client.post("/dues/statements/", {**form, "file": csv_file(text)})
    body = refused.content.decode()
    assert refused.status_code == 400
    assert "第3行" in body and "不在对账期间内" in body and "第4行" in body and "不是数字" in body and "与第2行重复" in body
    assert client.post("/dues/statements/", {**form, "file": csv_file("金额,流水号\n1,2\n")}).status_code == 400
    fake = SimpleUploadedFile("s.xlsx", b"not a zip at all", content_type="application/octet-stream")
    assert client.post("/dues/statements/", {**form, "file": fake}).status_code == 400
    assert client.post("/dues/statements/", {**form, "method": "cash", "file": csv_file("日期\n")}).status_code == 400
    assert not StatementImport.objects.exists() and not StatementLine.objects.exists()


def test_statement_import_from_xlsx(client, tree):
    from openpyxl import Workbook

    pay(tree.users["district_admin"], tree.member_a, "30.00", method=PaymentMethod.BANK, paid_on=date(2026, 1, 5))
    wb = Workbook()
    ws = wb.active
    ws.append(["日期", "金额", "流水号", "付款人"])
    ws.append([date(2026, 1, 5), 30, "B1", "张三"])
    buffer = io.BytesIO()
    wb.save(buffer)
    client.force_login(tree.users["secretary_a"])
    done = client.post("/dues/statements/", {"organization": tree.branch_a.code, "method": "bank",
                                             "first_day": "2026-01-01", "last_day": "2026-01-31",
                                             "file": SimpleUploadedFile("s.xlsx", buffer.getvalue())})
    assert done.status_code == 302, done.content.decode()[:3000]
    assert StatementImport.objects.get().matched


def test_summary_export_and_constant_queries(client, tree):
    admin = tree.users["district_admin"]
    client.force_login(admin)

    def town_with(n):
        town = make_org(f"镇{n}", "committee", refresh(tree.district))
        for i in range(n):
            m = make_member(make_org(f"村{n}-{i}", "branch", refresh(town)), f"员{n}-{i}")
            standard(admin, m, "5.00", date(2025, 1, 1))
            pay(admin, m, "5.00")
        return refresh(town)

    counts = []
    for town in (town_with(3), town_with(30)):
        url = f"/dues/summary/?org={town.pk}&month=2026-01"
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
    export = client.get(f"/dues/summary/export/?org={tree.district.pk}&month=2026-01")
    assert export.status_code == 200 and export["Content-Disposition"].endswith(".xlsx")
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    cells = [c for row in ws.iter_rows(values_only=True) for c in row]
    assert "镇30" in cells and "合计" in cells
    assert AuditEvent.objects.filter(action="export", note__contains="党费收缴汇总").exists()
