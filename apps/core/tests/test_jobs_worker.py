"""Jobs as tasks with real workers: readiness, the scheduler's once-per-slot claim, dead workers, 重试, and a real
`manage.py worker` killed (kill -9) in the middle of an import."""

import os
import signal
import subprocess
import sys
from datetime import date, timedelta
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from apps.audit.models import AuditEvent
from apps.core import jobs, workers
from apps.core.idcard import make_id_number
from apps.core.models import Job, ScheduledRun, Worker
from apps.members.models import Member
from tests.processes import stop as _stop
from tests.processes import wait_until as _wait
from tests.processes import worker_env

DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _stale():
    return timezone.now() - timedelta(minutes=django_settings.JOB_STALE_MINUTES + 1)


# --- Readiness -----------------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_readyz_is_open_and_reports_counts_only(client, settings):
    settings.TASKS = DB_BACKEND
    Worker.objects.create(worker_id="w-alive", hostname="secret-host", pid=1, last_seen=timezone.now())
    Worker.objects.create(worker_id="w-dead", hostname="secret-host", pid=2, last_seen=_stale())
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body == {"status": "ok", "database": "ok", "cache": "ok", "workers": 1, "queued": 0,
                    "oldest_queued_seconds": 0, "running": 0, "workers_ok": True}
    assert "secret-host" not in response.content.decode()


@pytest.mark.django_db
def test_readyz_stays_200_when_tasks_wait_and_no_worker_is_alive_and_says_so(client, settings):
    # A worker problem must not take every web server out of the load balancer: readiness is the database and the
    # cache; the queue's figures are for monitoring.
    from apps.core.maintenance import maintenance_round

    settings.TASKS = DB_BACKEND
    maintenance_round.enqueue()
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(seconds=90))
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["workers"], body["queued"], body["workers_ok"]) == ("ok", 0, 1, False)
    assert body["oldest_queued_seconds"] >= 90
    Worker.objects.create(worker_id="w1", hostname="h", pid=1, last_seen=timezone.now())
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json()["workers_ok"] is True  # a live worker will take it


@pytest.mark.django_db
def test_readyz_503_when_the_cache_or_the_database_fails(client):
    with mock.patch("django.core.cache.cache.set", side_effect=ConnectionError("down")):
        response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["cache"] == "unavailable"
    with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=Exception("down")):
        response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["database"] == "unreachable"


# --- The scheduler -------------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_each_periodic_task_is_queued_once_per_slot_whatever_the_number_of_workers(settings, monkeypatch):
    monkeypatch.setattr(workers, "_periodic", {})  # core's own two (the apps register theirs at start-up)
    settings.TASKS = DB_BACKEND
    now = timezone.now()
    assert sorted(workers.schedule_due(now)) == ["maintenance", "media_modes"]
    for _worker in range(3):  # the other workers, at the same moment or later in the same slot
        assert workers.schedule_due(now + timedelta(seconds=1)) == []
    assert DBTaskResult.objects.filter(task_path="apps.core.maintenance.maintenance_round").count() == 1
    DBTaskResult.objects.update(status=TaskResultStatus.SUCCESSFUL, finished_at=now)  # both ran (else: not again)
    later = now + timedelta(minutes=settings.MAINTENANCE_INTERVAL_MINUTES)
    assert workers.schedule_due(later) == ["maintenance"]  # the next slot; the daily one is not due yet
    assert ScheduledRun.objects.filter(name="maintenance").count() == 2


@pytest.mark.django_db
def test_a_worker_heartbeat_writes_its_row_and_stamps_its_jobs(tree):
    job = Job.objects.create(kind="member_export", title="t", created_by=tree.users["district_admin"],
                             status=Job.Status.RUNNING, heartbeat_at=_stale())
    jobs._register(job.pk, heartbeat=True)
    try:
        workers.beat_once("w-test", scheduler=False)
    finally:
        jobs._live.pop(job.pk, None)
        jobs._beating.discard(job.pk)
    job.refresh_from_db()
    assert job.heartbeat_at > _stale() and Worker.objects.get(worker_id="w-test").pid == os.getpid()


# --- Dead workers --------------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_running_job_whose_worker_is_gone_is_failed_and_its_task_row_closed(tree, settings):
    settings.TASKS = DB_BACKEND
    admin = tree.users["district_admin"]
    Worker.objects.create(worker_id="w-alive", hostname="h", pid=1, last_seen=timezone.now())
    alive = Job.objects.create(kind="member_export", title="t", created_by=admin, status=Job.Status.RUNNING,
                               heartbeat_at=timezone.now(), worker="w-alive")
    orphan = Job.objects.create(kind="member_export", title="t", created_by=admin, status=Job.Status.RUNNING,
                                heartbeat_at=timezone.now(), worker="w-gone")  # its row deleted, its stamp fresh
    waiting = Job.objects.create(kind="member_export", title="t", created_by=admin)  # queued a long time: a busy queue
    result = jobs.run_job.enqueue(str(waiting.pk), "zh-hans")
    Job.objects.filter(pk=waiting.pk).update(created_at=_stale(), task_id=result.id)
    claimed = jobs.run_job.enqueue("00000000-0000-0000-0000-000000000000", "zh-hans")
    DBTaskResult.objects.filter(pk=claimed.id).update(status=TaskResultStatus.RUNNING, started_at=_stale(),
                                                      worker_ids=["w-gone"])
    assert jobs.fail_dead_jobs() == 1
    statuses = dict(Job.objects.values_list("pk", "status"))
    assert statuses == {alive.pk: "running", orphan.pk: "failed", waiting.pk: "queued"}
    assert Job.objects.get(pk=orphan.pk).result["message"] == "后台任务中断，请重新运行"
    assert DBTaskResult.objects.get(pk=claimed.id).status == TaskResultStatus.FAILED


@pytest.mark.django_db
def test_a_job_cut_short_by_stopping_its_worker_is_marked_at_once(tree, settings):
    from django.db import transaction

    settings.JOBS_DIR.mkdir(parents=True, exist_ok=True)
    output = settings.JOBS_DIR / "export-cut.xlsx"

    def work(job, progress):
        output.write_bytes(b"half")
        with transaction.atomic():
            Member.objects.update(name="不应保存")
            raise KeyboardInterrupt  # a second Ctrl-C: the worker exits mid-job

    job = Job.objects.create(kind="member_export", title="t", created_by=tree.users["district_admin"],
                             output_file=str(output))
    with pytest.raises(KeyboardInterrupt):
        jobs.run(job, work)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.result["interrupted"] and not output.exists()
    assert not Member.objects.filter(name="不应保存").exists()


# --- 重试 ----------------------------------------------------------------------------------------------------------
def _import_file(path, codes_and_numbers):
    from openpyxl import Workbook

    from apps.members.excel import COLUMNS

    wb = Workbook()
    ws = wb.active
    ws.append([h + ("*" if req else "") for h, _, req, _ in COLUMNS])
    plain = [h for h, _, _, _ in COLUMNS]
    for i, (code, number) in enumerate(codes_and_numbers):
        values = {"姓名": f"重试{i:03d}", "身份证号": number, "所在党组织编码": code, "人员类别": "正式党员",
                  "入党日期": "2005-07-01", "转正日期": "2006-07-01", "党员状态": "正常", "民族": "汉族",
                  "学历": "大学本科", "职业类别": "工人", "手机号": "13812345678", "困难党员": "否"}
        ws.append([values.get(h) for h in plain])
    wb.save(path)
    return path


def _numbers(n, seed=0):
    return [make_id_number("500102", date(1960, 1, 1) + timedelta(days=i * 11 + seed), 100 + i % 800) for i in range(n)]


def _failed_import(tree, settings, n=3):
    settings.JOBS_DIR.mkdir(parents=True, exist_ok=True)
    numbers = _numbers(n)
    path = _import_file(settings.JOBS_DIR / "import-retry.xlsx", [(tree.branch_a.code, x) for x in numbers])
    job = Job.objects.create(kind="member_import", title="导入党员：x.xlsx", created_by=tree.users["district_admin"],
                             input_file=str(path), status=Job.Status.FAILED, finished_at=timezone.now(),
                             result={"message": "后台任务中断，请重新运行", "interrupted": True})
    return job, numbers


@pytest.mark.django_db
def test_retry_runs_a_failed_import_again_with_its_file_audited_and_only_for_its_starter(tree, settings, client):
    job, numbers = _failed_import(tree, settings)
    before = Member.objects.count()
    client.force_login(tree.users["town_a_admin"])  # not the starter: as the job page, not found
    assert client.post(f"/jobs/{job.pk}/retry/").status_code == 404
    client.force_login(tree.users["district_admin"])
    assert client.get(f"/jobs/{job.pk}/retry/").status_code == 405
    assert 'data-testid="job-retry"' in client.get(f"/jobs/{job.pk}/").content.decode()
    response = client.post(f"/jobs/{job.pk}/retry/")
    assert response.status_code == 302 and response.url == f"/jobs/{job.pk}/"
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.result
    assert Member.objects.count() == before + len(numbers) and not os.path.exists(job.input_file)
    assert AuditEvent.objects.filter(object_type="core.job", object_id=str(job.pk), note="重试后台任务").count() == 1
    response = client.post(f"/jobs/{job.pk}/retry/")  # succeeded: nothing to retry
    assert response.status_code == 409 and "只有失败的任务可以重试" in response.content.decode()


@pytest.mark.django_db
def test_retry_refuses_when_the_input_file_is_gone(tree, settings, client):
    job, _numbers_ = _failed_import(tree, settings)
    os.unlink(job.input_file)
    client.force_login(tree.users["district_admin"])
    response = client.post(f"/jobs/{job.pk}/retry/")
    assert response.status_code == 409 and "导入文件已删除" in response.content.decode()
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED


# --- A real worker, killed mid-import ----------------------------------------------------------------------------
# The worker of the first run: once the import has written its members inside its transaction (audit_bulk comes
# last), it notes so in a file and waits there to be killed.
SLOW_WORKER = """
import sys, time
from pathlib import Path
import django
django.setup()
import apps.members.services as services
original = services.audit_bulk
def slow(*args, **kwargs):
    original(*args, **kwargs)
    Path(sys.argv[1]).write_text("written, not committed")
    time.sleep(120)
services.audit_bulk = slow
from django.core.management import call_command
call_command("worker", "--interval", "0.2")
"""


def _env(settings, tmp_path):
    return worker_env(settings.JOBS_DIR.parent)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a worker process reaches only a server database "
                                                              "(SQLite's test database lives in this process's memory)")
@pytest.mark.django_db(transaction=True)
def test_an_import_whose_worker_is_killed_leaves_nothing_fails_and_succeeds_once_on_retry(tree, settings, tmp_path, client):
    from apps.members.imports import member_import_start

    settings.TASKS = DB_BACKEND
    settings.JOBS_DIR = tmp_path / "var" / "jobs"  # the workers' VAR_DIR/jobs
    settings.JOBS_DIR.mkdir(parents=True)
    numbers = _numbers(40, seed=3)
    upload_path = _import_file(tmp_path / "党员.xlsx", [(tree.branch_a.code, x) for x in numbers])
    before = Member.objects.count()
    marker = tmp_path / "in-transaction"

    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("党员.xlsx", upload_path.read_bytes())
    job = member_import_start(actor=tree.users["district_admin"], upload=upload)
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED and job.task_id  # waiting in the database queue for a worker

    first = subprocess.Popen([sys.executable, "-c", SLOW_WORKER, str(marker)], cwd=django_settings.BASE_DIR,
                             env=_env(settings, tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert _wait(marker.exists, 20), "the import never reached its write phase"
        assert Job.objects.get(pk=job.pk).status == Job.Status.RUNNING
        assert Worker.objects.filter(pid=first.pid).exists()
    finally:
        os.kill(first.pid, signal.SIGKILL)
        _stop(first)
    assert Member.objects.count() == before  # the members it wrote died with its transaction

    later = timezone.now() + timedelta(minutes=django_settings.JOB_STALE_MINUTES, seconds=5)
    assert jobs.fail_dead_jobs(now=later) == 1
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.result == {"message": "后台任务中断，请重新运行", "interrupted": True}
    assert os.path.exists(job.input_file)  # kept for 重试

    client.force_login(tree.users["district_admin"])
    assert client.post(f"/jobs/{job.pk}/retry/").status_code == 302
    second = subprocess.Popen([sys.executable, "manage.py", "worker", "--interval", "0.2"], cwd=django_settings.BASE_DIR,
                              env=_env(settings, tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert _wait(lambda: Job.objects.get(pk=job.pk).is_finished, 25), "the retried import did not finish"
        second.send_signal(signal.SIGTERM)  # an idle worker stops at once, and takes its row with it
        assert second.wait(10) == 0
    finally:
        _stop(second)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.result["created"] == len(numbers)
    assert Member.objects.count() == before + len(numbers)
    assert Member.objects.filter(name__startswith="重试").count() == len(numbers)
    assert not Worker.objects.filter(pid=second.pid).exists()
