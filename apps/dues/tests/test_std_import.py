"""The Excel import of standards: the template downloads, a good file is written whole (amounts computed, audited),
a file with any bad row writes nothing and names each row, column and what to fix, members are found only within the
importer's DUES_COLLECT scope, and a file that is not an .xlsx is a 400."""

import io
from datetime import date
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from apps.audit.models import AuditEvent
from apps.dues.models import DuesStandard
from tests.factories import make_member

pytestmark = pytest.mark.django_db

URL = "/dues/standards/import/"


def _file(rows):
    wb = Workbook()
    ws = wb.active
    ws.append(["身份证号", "姓名", "缴纳类别", "月缴纳基数", "执行日期"])
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile("标准.xlsx", buffer.getvalue())


def test_template_and_access(client, tree):
    client.force_login(tree.users["secretary_a"])
    response = client.get(URL + "template/")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [c.value for c in ws[1]] == ["身份证号", "姓名", "缴纳类别", "月缴纳基数", "执行日期"]
    for role in ("member_a", "auditor", "sysadmin"):
        client.force_login(tree.users[role])
        assert client.get(URL).status_code == 403
        assert client.get(URL + "template/").status_code == 403


def test_good_file_written_whole(client, tree):
    other = make_member(tree.branch_a, "王五")
    client.force_login(tree.users["secretary_a"])
    response = client.post(URL, {"file": _file([
        [tree.member_a.id_number, "张三", "在职", "4200", "2026-01-01"],
        [other.id_number, "王五", "离退休", 6000.5, date(2026, 2, 1)],
        [tree.member_a.id_number, "张三", "在职", "5000.01", "2026-06-15"],
    ])})
    assert response.status_code == 302
    amounts = sorted(DuesStandard.objects.values_list("monthly_amount", flat=True))
    assert amounts == [D("42.00"), D("60.01"), D("75.00")]
    assert AuditEvent.objects.filter(action="import", object_type="dues.duesstandard").exists()


def test_bad_rows_write_nothing_and_are_named(client, tree):
    client.force_login(tree.users["secretary_a"])
    response = client.post(URL, {"file": _file([
        [tree.member_a.id_number, "张三", "在职", "4200", "2026-01-01"],  # good, but the file has errors
        [tree.member_b.id_number, "李四", "在职", "4200", "2026-01-01"],  # branch B: not the secretary's
        [tree.member_a.id_number, "张三丰", "在职", "-5", "2026-02-30"],
        [tree.member_a.id_number, "张三", "农民", "100", "2026-03-01"],
        [tree.member_a.id_number, "张三", "富人", "", "2026-04-01"],
        [tree.member_a.id_number, "张三", "在职", "4200", "2026-01-01"],  # the same day twice
    ])})
    assert response.status_code == 400
    assert not DuesStandard.objects.exists()
    errors = {(e["row"], e["column"]) for e in response.context["errors"]}
    assert {(3, "身份证号"), (4, "姓名"), (4, "月缴纳基数"), (4, "执行日期"), (5, "月缴纳基数"), (6, "缴纳类别"),
            (7, "身份证号")} <= errors
    assert "不在您的管理范围内" in response.content.decode()


def test_district_admin_reaches_every_branch(client, tree):
    client.force_login(tree.users["district_admin"])
    response = client.post(URL, {"file": _file([[tree.member_b.id_number, "李四", "学生", None, "2026-01-01"]])})
    assert response.status_code == 302
    assert DuesStandard.objects.get().monthly_amount == D("0.20")


@pytest.mark.parametrize("content", [b"not a zip", b"PK\x03\x04broken", b""])
def test_unreadable_file_is_400(client, tree, content):
    client.force_login(tree.users["secretary_a"])
    response = client.post(URL, {"file": SimpleUploadedFile("x.xlsx", content)})
    assert response.status_code == 400
    assert not DuesStandard.objects.exists()


def test_no_file_is_400(client, tree):
    client.force_login(tree.users["secretary_a"])
    assert client.post(URL, {}).status_code == 400
