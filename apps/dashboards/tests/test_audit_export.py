"""The audit trail's export as a background job (apps.dashboards.services): who may start it, what the workbook
holds (the rows and columns the page's export wrote), formulas kept as text, bad filters refused, the file its
starter's own, expiring like every job file."""

import io
import json
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from apps.access.models import Role
from apps.audit import display
from apps.audit.models import AuditEvent
from apps.core import jobs
from apps.core.models import Job
from apps.dashboards import services
from apps.dashboards.audit_filters import audit_filter, event_row
from tests.factories import make_user

HEADERS = ("时间", "操作人", "操作", "对象类型", "对象ID", "对象", "IP", "说明", "变更")


def _start(client, params=None):
    response = client.get("/audit/export/", params or {})
    assert response.status_code == 302, response.status_code
    job = Job.objects.get(pk=response.url.split("/")[2])
    assert response.url == f"/jobs/{job.pk}/"
    return job


def _rows(client, job):
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.result
    response = client.get(f"/jobs/{job.pk}/download/")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return list(ws.iter_rows(values_only=True))


def _expected(user, params):
    """The rows as the request-time export wrote them: the page's filter, newest first, read through apps.audit.display."""
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    for key, value in params.items():
        query[key] = value
    f = audit_filter(query, user)
    assert f.form.is_valid()
    reader = display.Reader(list(f.qs.order_by("-at", "-id")), limit=2000)
    rows = [HEADERS]
    for e in reader.events:
        row = event_row(reader, e)
        rows.append((timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"), e.actor_name, e.get_action_display(),
                     row["object_type"], e.object_id or None, row["object_repr"] or None, e.ip, row["note"] or None,
                     "；".join(c.as_text() for c in row["changes"]) or None))
    return rows


@pytest.fixture
def trail(tree):
    from apps.orgs import services as org_services

    org_services.org_update(actor=tree.users["district_admin"], org=tree.branch_a, data={"name": "甲村新支部"})
    org_services.org_update(actor=tree.users["district_admin"], org=tree.branch_b, data={"name": "乙村新支部"})
    return tree


@pytest.mark.django_db
@pytest.mark.parametrize("user", ["district_admin", "town_a_admin", "secretary_a", "secretary_b", "member_a", "sysadmin"])
def test_only_auditors_may_start_it(trail, client, user):
    client.force_login(trail.users[user])
    before = AuditEvent.objects.count()
    response = client.get("/audit/export/", {"action": "update"})
    assert response.status_code == 403
    assert "只有审计员可以查看审计记录" in response.content.decode()
    assert not Job.objects.filter(kind="audit_export").exists()
    assert AuditEvent.objects.count() == before


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(trail, client):
    response = client.get("/audit/export/")
    assert response.status_code == 302 and "login" in response.url
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_auditor_starts_it_audited_and_gets_the_rows_of_the_page_export(trail, client):
    auditor = trail.users["auditor"]
    client.force_login(auditor)
    params = {"action": "update", "actor": "district_admin"}
    expected = _expected(auditor, params)  # before the export's own audit row
    job = _start(client, params)
    assert job.kind == "audit_export" and job.created_by == auditor and job.output_name == "审计记录.xlsx"
    rows = _rows(client, job)
    assert rows == expected
    assert rows[0] == HEADERS and len(rows) == 3
    assert {r[5] for r in rows[1:]} == {"甲村新支部", "乙村新支部"}
    assert all(r[1] == "district_admin" and r[2] == "修改" for r in rows[1:])
    assert job.result["rows"] == 2 and job.result["message"] == "已导出2条审计记录"
    # The export itself is on the trail, once, by the auditor, with the filters it ran.
    export = AuditEvent.objects.get(action="export", object_type="audit.auditevent")
    assert export.actor == auditor and "district_admin" in export.note
    # The job page leads back to the log.
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "下载文件" in page and "返回审计记录" in page


@pytest.mark.django_db
def test_filters_are_kept_encrypted_on_the_job(trail, client):
    client.force_login(trail.users["auditor"])
    job = _start(client, {"q": "甲村新", "actor": "district_admin"})
    stored = json.dumps(job.params, ensure_ascii=False)
    assert "甲村新" not in stored and "district_admin" not in stored and set(job.params) == {"_filters"}
    assert [r[5] for r in _rows(client, job)[1:]] == ["甲村新支部"]


@pytest.mark.django_db
def test_a_township_auditor_exports_their_subtree_only(trail, client):
    town_auditor = make_user("town_auditor", Role.AUDITOR, trail.town_a)
    client.force_login(town_auditor)
    rows = _rows(client, _start(client, {"action": "update"}))
    assert [r[5] for r in rows[1:]] == ["甲村新支部"]
    # An organization outside the township is a bad filter, refused before any job.
    response = client.get("/audit/export/", {"org_pk": trail.branch_b.pk})
    assert response.status_code == 400
    assert not Job.objects.filter(kind="audit_export", params__isnull=False).exclude(
        created_by=town_auditor).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("params", "message"), [
    ({"date_from": "not-a-date"}, "日期"),
    ({"action": "drop-table"}, "选择"),
    ({"object_type": "auth.permission"}, "选择"),
])
def test_bad_filters_are_refused_with_a_chinese_message(trail, client, params, message):
    client.force_login(trail.users["auditor"])
    before = AuditEvent.objects.count()
    response = client.get("/audit/export/", params)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Job.objects.exists() and AuditEvent.objects.count() == before


@pytest.mark.django_db
def test_formulas_and_control_characters_stay_text(trail, client):
    formula = '=HYPERLINK("http://evil.example","点击")'
    AuditEvent.objects.create(actor_name="+cmd|' /C calc'!A0", action="update", object_type="orgs.organization",
                              object_id="1", object_repr=formula + "\x07", note="@SUM(1+1)\x1b")
    client.force_login(trail.users["auditor"])
    job = _start(client, {"action": "update"})
    _rows(client, job)
    data = b"".join(client.get(f"/jobs/{job.pk}/download/").streaming_content)
    cells = [c for row in load_workbook(io.BytesIO(data)).active.iter_rows() for c in row]
    for text in (formula, "+cmd|' /C calc'!A0", "@SUM(1+1)"):
        found = [c for c in cells if c.value == text]
        assert found, text
        assert all(c.data_type == "s" and c.quotePrefix for c in found), text


@pytest.mark.django_db
def test_the_file_is_the_starters_own_and_expires(trail, client, settings):
    job = _start(_logged(client, trail.users["auditor"]), {"action": "update"})
    other = make_user("auditor_two", Role.AUDITOR, trail.district)
    client.force_login(other)
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 404
    assert client.get(f"/jobs/{job.pk}/").status_code == 404
    client.force_login(trail.users["auditor"])
    Job.objects.filter(pk=job.pk).update(finished_at=timezone.now() - timedelta(hours=settings.JOB_FILES_TTL_HOURS + 1))
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 410


def _logged(client, user):
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_the_worker_refuses_a_starter_no_longer_an_auditor(trail):
    from apps.access.models import RoleAssignment

    auditor = trail.users["auditor"]
    with_filters = services.audit_export_start(actor=auditor, filters=_query({"action": "update"}))
    RoleAssignment.objects.filter(user=auditor).delete()
    Job.objects.filter(pk=with_filters.pk).update(status=Job.Status.QUEUED)
    job = jobs.run(with_filters, services.audit_export_job)
    assert job.status == Job.Status.REJECTED and "审计员" in job.result["message"]


@pytest.mark.django_db
def test_a_failed_export_is_retried_by_its_starter(trail, client):
    client.force_login(trail.users["auditor"])
    job = _start(client, {"action": "update"})
    Job.objects.filter(pk=job.pk).update(status=Job.Status.FAILED, result={"message": "x"})
    response = client.post(f"/jobs/{job.pk}/retry/")
    assert response.status_code == 302
    assert len(_rows(client, job)) == 3
    assert AuditEvent.objects.filter(action="export", object_type="audit.auditevent").count() == 2


def _query(params):
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    for key, value in params.items():
        query[key] = value
    return query


@pytest.mark.django_db
def test_the_job_writes_chunk_by_chunk_with_progress(trail, monkeypatch):
    auditor = trail.users["auditor"]
    monkeypatch.setattr(services, "_CHUNK", 1)  # one event a chunk: the order and the progress across chunks
    job = services.audit_export_start(actor=auditor, filters=_query({}))
    expected = _expected(auditor, {})  # the export's own audit row among them
    reports = []
    result = services.audit_export_job(job, lambda done, total=None, phase=None, force=False:
                                       reports.append((done, total, phase)))
    n = len(expected) - 1
    assert result["rows"] == n and n >= 2
    assert reports[0] == (0, n, "导出中")
    assert [done for done, _total, _phase in reports[1:]] == list(range(1, n + 1))
    assert list(load_workbook(job.output_file).active.iter_rows(values_only=True)) == expected
