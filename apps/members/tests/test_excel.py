import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook

from apps.audit.models import AuditEvent
from apps.core.idcard import make_id_number
from apps.core.models import Job
from apps.members.excel import COLUMNS
from apps.members.models import Member

HEADERS = [h + ("*" if req else "") for h, _, req, _ in COLUMNS]


def _row(**kw):
    values = {"姓名": "赵一", "身份证号": make_id_number("500102", date(1980, 1, 2), 301), "所在党组织编码": "A0000002",
              "人员类别": "正式党员", "入党日期": "2005-07-01", "转正日期": "2006-07-01", "党员状态": "正常", "民族": "汉族",
              "学历": "大学本科", "职业类别": "工人", "手机号": "13812345678", "困难党员": "否"}
    values.update(kw)
    return values


def _xlsx(rows, headers=HEADERS):
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    plain = [h.rstrip("*") for h in headers]
    for row in rows:
        ws.append([row.get(h) for h in plain])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "党员.xlsx"
    return buf


def _upload(client, rows, **kw):
    response = client.post("/members/import/", {"file": _xlsx(rows, **kw)})
    assert response.status_code == 302, response.content.decode()[:500]
    return Job.objects.get(pk=response.url.split("/")[2])


@pytest.mark.django_db
class TestImport:
    def test_good_file_imports_and_reimport_updates(self, tree, login):
        client = login(tree.users["town_a_admin"])
        rows = [_row(), _row(姓名="钱二", 身份证号=make_id_number("500102", date(1975, 3, 4), 402), 入党日期=datetime(2000, 1, 1),
                           转正日期=36892)]  # 36892 = Excel serial for 2001-01-01
        job = _upload(client, rows)
        assert job.status == "succeeded", job.result
        assert job.result["created"] == 2
        qian = Member.objects.get(name="钱二")
        assert qian.joined_on == date(2000, 1, 1) and qian.full_member_on == date(2001, 1, 1)
        assert qian.organization_id == tree.branch_a.pk and qian.sex == "F"
        job = _upload(client, [_row(姓名="赵一", 手机号="13800000000")] + rows[1:])
        assert job.status == "succeeded" and job.result["updated"] == 2 and job.result["created"] == 0
        assert Member.objects.filter(name="赵一").count() == 1
        assert AuditEvent.objects.filter(action="import").count() == 2
        assert AuditEvent.objects.filter(action="create", object_type="members.member").count() == 2
        assert AuditEvent.objects.filter(action="update", object_type="members.member").count() == 2
        page = client.get(f"/jobs/{job.pk}/").content.decode()
        assert "导入成功" in page

    def test_any_bad_row_rejects_the_whole_file_with_reasons(self, tree, login):
        client = login(tree.users["town_a_admin"])
        before = Member.objects.count()
        rows = [
            _row(),                                                                     # row 2: fine
            _row(姓名="坏一", 身份证号="500102198001023019"),                              # row 3: check digit
            _row(姓名="坏二", 身份证号=500102198001023017),                                # row 4: number cell
            _row(姓名="坏三", 身份证号="5.00102E+17"),                                     # row 5: scientific
            _row(姓名="坏四", 身份证号=make_id_number("500102", date(1981, 1, 1), 5), 入党日期=None),   # row 6
            _row(姓名="坏五", 身份证号=make_id_number("500102", date(1982, 1, 1), 7), 所在党组织编码="B0000002"),  # row 7: out of scope
            _row(姓名="坏六", 身份证号=make_id_number("500102", date(1983, 1, 1), 9), 入党日期="昨天"),  # row 8
            _row(),                                                                     # row 9: duplicate in file
            _row(姓名=" 孙 三 ", 身份证号="５００１０２" + make_id_number("500102", date(1984, 1, 1), 11)[6:]),  # row 10: fine (full width)
        ]
        job = _upload(client, rows)
        assert job.status == "rejected"
        assert Member.objects.count() == before
        errors = {(e["row"], e["column"]) : e["reason"] for e in job.result["errors"]}
        assert "校验位" in errors[(3, "身份证号")]
        assert "文本" in errors[(4, "身份证号")]
        assert "科学计数法" in errors[(5, "身份证号")]
        assert "入党日期不能为空" in errors[(6, "入党日期")]
        assert "不在您的管理范围内" in errors[(7, "所在党组织编码")]
        assert "无法识别的日期" in errors[(8, "入党日期")]
        assert "重复" in errors[(9, "身份证号")]
        assert not any(r in (2, 10) for r, _ in errors)
        assert "未导入任何数据" in job.result["message"]
        page = client.get(f"/jobs/{job.pk}/").content.decode()
        assert "校验位" in page and "未导入任何数据" in page
        report = client.get(f"/jobs/{job.pk}/errors.xlsx")
        assert report.status_code == 200
        ws = load_workbook(io.BytesIO(b"".join(report.streaming_content))).active
        assert ws.cell(row=1, column=1).value == "行号" and ws.max_row == len(job.result["errors"]) + 1

    def test_existing_member_outside_scope_is_not_overwritten(self, tree, login):
        client = login(tree.users["town_a_admin"])
        job = _upload(client, [_row(姓名="冒名", 身份证号=tree.member_b.id_number)])
        assert job.status == "rejected"
        assert "组织关系转接" in job.result["errors"][0]["reason"]
        assert Member.objects.get(pk=tree.member_b.pk).name == "李四"

    def test_missing_required_column_and_non_excel_file(self, tree, login):
        client = login(tree.users["town_a_admin"])
        job = _upload(client, [_row()], headers=["姓名", "身份证号", "人员类别"])
        assert job.status == "rejected" and "缺少必填列" in job.result["message"]
        fake = io.BytesIO(b"name,id\n")
        fake.name = "x.xlsx"
        response = client.post("/members/import/", {"file": fake})
        assert response.status_code == 400 and "不是有效的Excel" in response.content.decode()
        response = client.post("/members/import/", {})
        assert response.status_code == 400 and "请选择" in response.content.decode()
        csv = io.BytesIO(b"a,b")
        csv.name = "a.csv"
        assert client.post("/members/import/", {"file": csv}).status_code == 400

    def test_template_lists_columns_and_scope_orgs(self, tree, login):
        client = login(tree.users["town_a_admin"])
        response = client.get("/members/import/template.xlsx")
        assert response.status_code == 200
        wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        headers = [c.value for c in wb["党员信息"][1]]
        assert headers[:3] == ["姓名*", "身份证号*", "所在党组织编码*"]
        codes = [row[0] for row in wb["组织编码"].iter_rows(min_row=2, values_only=True)]
        assert "A0000002" in codes and "B0000002" not in codes
        # ID numbers, phones and codes are text columns, so Excel keeps their leading zeros and all 18 digits.
        text_columns = {h.rstrip("*") for h in headers
                        if wb["党员信息"].column_dimensions[wb["党员信息"].cell(row=1, column=headers.index(h) + 1).column_letter].number_format == "@"}
        assert {"身份证号", "所在党组织编码", "手机号"} <= text_columns, text_columns
        # The filled-in template imports as is (its help row is skipped).
        ws = wb["党员信息"]
        for col, value in enumerate([_row().get(h.rstrip("*")) for h in headers], start=1):
            ws.cell(row=3, column=col, value=value)
        buf = io.BytesIO()
        wb.save(buf)
        buf.seek(0)
        buf.name = "模板.xlsx"
        job = Job.objects.get(pk=client.post("/members/import/", {"file": buf}).url.split("/")[2])
        assert job.status == "succeeded", job.result

    def test_a_run_retried_while_it_wrote_commits_nothing(self, tree, login, monkeypatch):
        """The run was declared dead and retried (the job moved on to attempt 2) while it wrote: its rows roll back."""
        from apps.members import services

        apply = services.member_import_apply

        def retried_meanwhile(**kw):
            result = apply(**kw)
            Job.objects.filter(kind="member_import").update(attempt=2)  # what the retry service does, seen at commit
            return result

        monkeypatch.setattr(services, "member_import_apply", retried_meanwhile)
        before = Member.objects.count()
        job = _upload(login(tree.users["town_a_admin"]), [_row()])
        job.refresh_from_db()
        assert Member.objects.count() == before
        assert job.status != "succeeded"

    def test_jobs_are_private_to_their_creator(self, tree, login):
        job = _upload(login(tree.users["town_a_admin"]), [_row()])
        other = login(tree.users["district_admin"])
        assert other.get(f"/jobs/{job.pk}/").status_code == 404


@pytest.mark.django_db
class TestExport:
    def _download(self, client, query=""):
        response = client.get("/members/export/" + query)
        assert response.status_code == 302
        job = Job.objects.get(pk=response.url.split("/")[2])
        assert job.status == "succeeded", job.result
        file = client.get(f"/jobs/{job.pk}/download/")
        assert file.status_code == 200
        return load_workbook(io.BytesIO(b"".join(file.streaming_content))).active

    def test_export_is_filtered_scoped_and_masked(self, tree, login):
        client = login(tree.users["town_a_admin"])
        ws = self._download(client)
        rows = list(ws.iter_rows(values_only=True))
        assert rows[0][:3] == ("姓名", "性别", "身份证号")
        assert [r[0] for r in rows[1:]] == ["张三"]
        assert rows[1][2] == tree.member_a.id_masked and rows[1][13] == "138****8000"
        assert AuditEvent.objects.filter(action="export", actor_name="town_a_admin").exists()

    def test_unmask_only_with_the_permission(self, tree, login):
        client = login(tree.users["district_admin"])
        rows = list(self._download(client, "?unmask=1&q=zs").iter_rows(values_only=True))
        assert rows[1][2] == tree.member_a.id_number
        client = login(tree.users["town_a_admin"])
        rows = list(self._download(client, "?unmask=1").iter_rows(values_only=True))
        assert rows[1][2] == tree.member_a.id_masked


@pytest.mark.django_db
def test_import_keeps_the_counts(tree, login):
    from apps.members import counters

    client = login(tree.users["town_a_admin"])
    _upload(client, [_row(), _row(姓名="钱二", 身份证号=make_id_number("500102", date(1975, 3, 4), 402), 人员类别="预备党员",
                                转正日期=None)])
    _upload(client, [_row(党员状态="去世")])  # re-import: 赵一 leaves the current roster
    assert counters.mismatches() == {}
