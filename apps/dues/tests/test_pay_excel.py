"""The sheet's Excel round trip: export (audited), fill the three columns, import (every row recorded); an import
with two bad rows saves nothing and lists both rows' errors in Chinese with their row numbers; a file of another
organization or month is refused."""

import io
from datetime import date
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from apps.audit.models import AuditEvent
from apps.dues.ledger_models import LedgerTransaction
from apps.dues.models import DuesPayment
from tests.factories import make_member

from .pay_helpers import frozen, standard

pytestmark = pytest.mark.django_db


@pytest.fixture(name="today")
def _today(settings):
    yield from frozen(settings)


@pytest.fixture
def sheet_file(client, tree, today):
    standard(tree.member_a, by=tree.users["secretary_a"])
    other = make_member(tree.branch_a, "=王五", party_group=tree.group_a)  # formula-like text stays text
    standard(other, "0.50")
    client.force_login(tree.users["secretary_a"])
    r = client.get(f"/dues/sheet/export/?org={tree.branch_a.pk}&month=2026-06")
    assert r.status_code == 200
    assert AuditEvent.objects.filter(action="export", object_type="orgs.organization").count() == 1
    wb = load_workbook(io.BytesIO(b"".join(r.streaming_content)))
    return wb, other


def _rows(ws):
    return {row[1].value: row for row in ws.iter_rows(min_row=4) if isinstance(row[1].value, int)}


def _upload(client, tree, wb, month="2026-06"):
    buffer = io.BytesIO()
    wb.save(buffer)
    f = SimpleUploadedFile("收缴表.xlsx", buffer.getvalue(),
                           content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return client.post("/dues/sheet/import/", {"org": tree.branch_a.pk, "month": month, "file": f})


def test_round_trip(client, tree, sheet_file):
    wb, other = sheet_file
    ws = wb.active
    assert ws["B2"].value == tree.branch_a.code and ws["D2"].value == "2026-06"
    rows = _rows(ws)
    assert rows[other.pk][2].value == "=王五" and rows[other.pk][2].data_type == "s"
    assert rows[tree.member_a.pk][4].value == 12.5
    rows[tree.member_a.pk][8].value = 12.5
    rows[tree.member_a.pk][9].value = date(2026, 6, 3)
    rows[tree.member_a.pk][10].value = "微信"
    rows[other.pk][8].value = "0.50"
    rows[other.pk][9].value = "2026-06-04"
    rows[other.pk][10].value = "现金"
    r = _upload(client, tree, wb)
    assert r.status_code == 302
    paid = {p.member_id: p for p in DuesPayment.objects.all()}
    assert paid[tree.member_a.pk].amount == D("12.50") and paid[tree.member_a.pk].method == "wechat"
    assert paid[tree.member_a.pk].paid_on == date(2026, 6, 3)
    assert paid[other.pk].amount == D("0.50") and paid[other.pk].method == "cash"
    assert AuditEvent.objects.filter(action="import").count() == 1
    # exported again, the payments show
    again = load_workbook(io.BytesIO(b"".join(client.get(
        f"/dues/sheet/export/?org={tree.branch_a.pk}&month=2026-06").streaming_content)))
    assert _rows(again.active)[tree.member_a.pk][5].value == 12.5


def test_two_bad_rows_save_nothing(client, tree, sheet_file):
    wb, other = sheet_file
    rows = _rows(wb.active)
    a, o = rows[tree.member_a.pk], rows[other.pk]
    a[8].value, a[9].value, a[10].value = 12.5, "2026-06-03", "微信"  # fine
    o[8].value, o[9].value, o[10].value = "0.50", "2026-06-04", "刷卡"  # bad method
    wb.active.append([None, 999999, "外人", "", None, None, None, None, 1, "2026-06-01", "现金"])  # not on the sheet
    r = _upload(client, tree, wb)
    assert r.status_code == 400
    body = r.content.decode()
    assert f"第{o[0].row}行：缴纳方式“刷卡”不正确" in body
    assert f"第{wb.active.max_row}行：党员编号“999999”不是本收缴表中的党员" in body
    assert not DuesPayment.objects.exists() and not LedgerTransaction.objects.exists()
    assert not AuditEvent.objects.filter(action__in=("create", "import")).exists()


def test_service_refusals_listed_by_row(client, tree, sheet_file):
    wb, other = sheet_file
    rows = _rows(wb.active)
    a, o = rows[tree.member_a.pk], rows[other.pk]
    a[8].value, a[9].value, a[10].value = 12, "2026-06-03", "微信"  # wrong amount
    o[8].value, o[9].value, o[10].value = "0.50", "2026-07-04", "现金"  # paid in the future
    r = _upload(client, tree, wb)
    body = r.content.decode()
    assert r.status_code == 400 and f"第{a[0].row}行：" in body and "应缴12.50元" in body
    assert f"第{o[0].row}行：缴纳日期不能晚于今天" in body
    assert not DuesPayment.objects.exists()


def test_other_month_or_not_a_sheet_refused(client, tree, sheet_file):
    wb, _other = sheet_file
    r = _upload(client, tree, wb, month="2026-05")
    assert r.status_code == 400 and "不符" in r.content.decode()
    f = SimpleUploadedFile("x.xlsx", b"not a workbook")
    r = client.post("/dues/sheet/import/", {"org": tree.branch_a.pk, "month": "2026-06", "file": f})
    assert r.status_code == 400 and "无法读取" in r.content.decode()
    assert client.post("/dues/sheet/import/", {"org": tree.branch_a.pk, "month": "2026-06"}).status_code == 400
