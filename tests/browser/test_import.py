"""Excel import in the browser: template download → a file with bad rows is refused row by row → corrected file imports."""

import re
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from apps.audit.models import AuditEvent
from apps.core.crypto import keyed_hash
from apps.core.idcard import make_id_number
from apps.members.models import Member

FIRST_DATA_ROW = 3  # row 1: headers, row 2: the template's grey help row


def _people():
    today = date.today()
    return [
        # name, id number, category, joined, full member on, phone
        ("王建国", make_id_number("110101", date(1975, 5, 4), 11), "正式党员", "2001-07-01", "2002-07-01", "13912345678"),
        ("李秀英", make_id_number("110101", date(1990, 2, 14), 22), "预备党员", (today - timedelta(days=100)).isoformat(), None, ""),
        ("赵丽华", make_id_number("110102", date(1982, 9, 30), 34), "正式党员", "2010年7月1日", "2011/7/1", ""),
        ("孙伟", make_id_number("110102", date(1968, 12, 1), 41), "正式党员", "1995-06-30", "1996-06-30", ""),
        ("周敏", make_id_number("110105", date(1979, 3, 8), 52), "正式党员", "2003-05-20", "2004-05-20", ""),
        ("吴志强", make_id_number("110105", date(1985, 11, 11), 63), "正式党员", "2012-01-01", "2013-01-01", ""),
        ("郑海燕", make_id_number("110106", date(1993, 6, 6), 74), "预备党员", (today - timedelta(days=30)).isoformat(), None, ""),
    ]


def _fill(template_path, out_path, rows):
    wb = load_workbook(template_path)
    ws = wb["党员信息"]
    headers = {str(c.value).rstrip("*"): c.column for c in ws[1] if c.value}
    for offset, values in enumerate(rows):
        for header, value in values.items():
            if value is not None:
                ws.cell(row=FIRST_DATA_ROW + offset, column=headers[header], value=value)
    wb.save(out_path)
    return out_path


def _row(person, org_code):
    name, id_number, category, joined, full_on, phone = person
    return {"姓名": name, "身份证号": id_number, "所在党组织编码": org_code, "人员类别": category, "入党日期": joined,
            "转正日期": full_on, "手机号": phone or None}


def _upload(page, path):
    page.goto("/members/import/")
    page.locator("input[name=file]").set_input_files(str(path))
    with page.expect_navigation():
        page.get_by_role("button", name="开始导入").click()
    expect(page).to_have_url(re.compile(r"/jobs/[0-9a-f-]{36}/$"))
    return page.get_by_test_id("job-status")


def test_import_rejects_bad_rows_then_accepts_the_corrected_file(demo, page, login, shot, tmp_path):
    login(page, "district_admin")
    page.get_by_role("link", name="导入", exact=True).click()
    expect(page.get_by_role("heading", name="从Excel导入党员信息")).to_be_visible()
    shot(page, "import")

    with page.expect_download() as info:
        page.get_by_test_id("template-link").click()
    download = info.value
    assert download.suggested_filename == "党员信息导入模板.xlsx"
    template = tmp_path / "template.xlsx"
    download.save_as(template)
    wb = load_workbook(template)
    assert wb.sheetnames[:2] == ["党员信息", "组织编码"]
    assert [c.value for c in wb["党员信息"][1]][:5] == ["姓名*", "身份证号*", "所在党组织编码*", "人员类别*", "入党日期*"]
    codes = {row[0]: (row[1], row[2]) for row in wb["组织编码"].iter_rows(min_row=2, values_only=True)}
    branch_code = next(code for code, (_, kind) in codes.items() if kind == "党支部")
    assert len(codes) == demo["orgs"]

    people = _people()
    bad_check_digit = people[1][1][:17] + str((int(people[1][1][17]) + 1) % 10 if people[1][1][17] != "X" else 0)
    rows = [_row(p, branch_code) for p in people]
    rows[1]["身份证号"] = bad_check_digit
    rows[3]["身份证号"] = int(people[3][1])  # Excel turned the number into a number
    rows[4]["入党日期"] = None
    rows[5]["所在党组织编码"] = "Z9999999"
    before = Member.objects.count()
    status = _upload(page, _fill(template, tmp_path / "党员导入-有错误.xlsx", rows))

    expect(status).to_have_attribute("data-status", "rejected")
    expect(page.get_by_test_id("job-message")).to_have_text("共7行，其中4行有错误，未导入任何数据。请修改后重新导入。")
    table = page.get_by_test_id("import-errors")
    expect(table.locator("thead")).to_have_text(re.compile(r"行号\s*列\s*原因"))
    errors = [[td.strip() for td in row] for row in table.locator("tbody tr").evaluate_all(
        "rows => rows.map(r => Array.from(r.cells, c => c.textContent))")]
    assert [(int(r), col) for r, col, _ in errors] == [
        (FIRST_DATA_ROW + 1, "身份证号"), (FIRST_DATA_ROW + 3, "身份证号"), (FIRST_DATA_ROW + 4, "入党日期"),
        (FIRST_DATA_ROW + 5, "所在党组织编码")]
    reasons = [reason for _, _, reason in errors]
    assert "校验位" in reasons[0]
    assert "数字" in reasons[1] and "文本" in reasons[1]
    assert reasons[2] == "入党日期不能为空"
    assert "Z9999999" in reasons[3] and "不存在" in reasons[3]
    assert all(re.search(r"[\u4e00-\u9fff]", r) for r in reasons)
    shot(page, "import_errors")

    # Nothing at all was written, not even the good rows.
    assert Member.objects.count() == before
    assert not Member.objects.filter(id_hash__in=[keyed_hash(p[1]) for p in people]).exists()
    assert not AuditEvent.objects.filter(action="import", object_type="members.member").exists()

    # The error report spreadsheet lists the same rows.
    with page.expect_download() as info:
        page.get_by_role("link", name="下载错误报告").click()
    report = tmp_path / "report.xlsx"
    info.value.save_as(report)
    report_rows = list(load_workbook(report).active.iter_rows(values_only=True))
    assert report_rows[0] == ("行号", "列", "原因")
    assert [list(map(str, r)) for r in report_rows[1:]] == errors

    # Corrected file: every row imports, in one go.
    rows = [_row(p, branch_code) for p in people]
    status = _upload(page, _fill(template, tmp_path / "党员导入-已更正.xlsx", rows))
    expect(status).to_have_attribute("data-status", "succeeded")
    expect(page.get_by_test_id("job-message")).to_have_text("导入成功：新增7人，更新0人。")
    shot(page, "import_success")
    assert Member.objects.count() == before + len(people)
    imported = Member.objects.get(id_hash=keyed_hash(people[2][1]))
    assert (imported.name, imported.organization.code, imported.joined_on) == ("赵丽华", branch_code, date(2010, 7, 1))

    # The new member is found by the full ID number in the registry.
    page.get_by_role("link", name="查看党员名册").click()
    page.locator("input[name=q]").fill(people[0][1])
    page.get_by_role("button", name="查询").click()
    rows = page.get_by_test_id("member-table").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("王建国")



def test_background_import_page_polls_until_done(transactional_db, page, login, settings, tmp_path):
    """As deployed: the import is queued, a `manage.py worker` runs it and the job page polls (htmx, every second)
    until it is done."""
    import subprocess
    import sys

    from django.conf import settings as django_settings
    from django.db import connection

    from apps.core.tests.test_jobs_worker import DB_BACKEND, _env
    from tests.factories import PASSWORD, Tree

    if connection.vendor == "sqlite":
        # A worker is another process, and the SQLite test database lives in this process's memory. Runs on PostgreSQL.
        pytest.skip("a worker process needs a server database (run with DATABASE_URL=postgres://…)")
    tree = Tree()
    settings.TASKS = DB_BACKEND
    settings.JOBS_DIR = tmp_path / "var" / "jobs"  # the worker's VAR_DIR/jobs
    worker = subprocess.Popen([sys.executable, "manage.py", "worker", "--interval", "0.2"], cwd=django_settings.BASE_DIR,
                              env=_env(settings, tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _poll_until_done(tree, page, login, tmp_path, PASSWORD)
    finally:
        worker.kill()
        worker.wait(10)


def _poll_until_done(tree, page, login, tmp_path, PASSWORD):
    login(page, "district_admin", PASSWORD)
    page.goto("/members/import/")
    with page.expect_download() as info:
        page.get_by_test_id("template-link").click()
    template = tmp_path / "template.xlsx"
    info.value.save_as(template)
    count = 600
    rows = [{"姓名": f"测试{i:04d}", "身份证号": make_id_number("110101", date(1950, 1, 1) + timedelta(days=i * 7), i % 1000),
             "所在党组织编码": tree.branch_a.code, "人员类别": "正式党员", "入党日期": "2000-07-01", "转正日期": "2001-07-01"}
            for i in range(count)]
    before = Member.objects.count()

    polls = []
    page.on("request", lambda r: polls.append(r.url) if "/jobs/" in r.url and r.headers.get("hx-request") == "true" else None)
    status = _upload(page, _fill(template, tmp_path / "大批量.xlsx", rows))
    first, text = status.evaluate("el => [el.dataset.status, el.innerText]")
    if first in ("queued", "running"):
        assert "可以离开本页" in text
    expect(status).to_have_attribute("data-status", "succeeded", timeout=30_000)
    expect(page.get_by_test_id("job-message")).to_have_text(f"导入成功：新增{count}人，更新0人。")
    if first != "succeeded":  # rendered while the job ran: the result came by htmx polling
        assert polls
    assert Member.objects.count() == before + count
