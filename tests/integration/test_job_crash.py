"""A job whose worker is killed (kill -9) is not shown as running forever; a worker runs the scheduled maintenance at
once and stops on SIGTERM (the whole path with an import and 重试: apps/core/tests/test_jobs_worker.py).

Real processes against the test database, so PostgreSQL only (SQLite's test database lives in this process's memory).
"""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from apps.core import jobs
from apps.core.models import Job
from tests.processes import wait_until as _wait
from tests.processes import worker_env

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a second process reaches only a server database"),
    pytest.mark.django_db(transaction=True),
]

# Runs a job the way a worker does (its heartbeat thread beside it); the job writes part of its output, then sits in a
# transaction (where its own progress cannot reach the Job row) until killed.
JOB_SCRIPT = """
import sys, time
import django
django.setup()
from django.db import transaction
from apps.core import jobs, workers
from apps.core.models import Job

def work(job, progress):
    with open(job.output_file, "wb") as fh:
        fh.write(b"half a workbook")
    with transaction.atomic():
        while True:
            progress(1, 10, "写入数据", force=True)
            time.sleep(0.1)

jobs.WORKER_ID = "crash-test"
workers.beat_once("crash-test", scheduler=False)
workers.Heartbeat("crash-test", scheduler=False).start()
jobs.run(Job.objects.get(pk=sys.argv[1]), work)
"""


def _env(tmp_path):
    return worker_env(tmp_path / "var")


def test_a_job_killed_mid_way_is_marked_interrupted_and_its_partial_output_deleted(tree, settings, tmp_path):
    settings.JOBS_DIR.mkdir(parents=True, exist_ok=True)
    output = settings.JOBS_DIR / "export-killed.xlsx"
    job = Job.objects.create(kind="member_export", title="导出党员名册", created_by=tree.users["district_admin"],
                             output_file=str(output), output_name="党员名册.xlsx")
    process = subprocess.Popen([sys.executable, "-c", JOB_SCRIPT, str(job.pk)], cwd=django_settings.BASE_DIR, env=_env(tmp_path),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert _wait(lambda: Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).exists(), 20), process.stderr
        first = Job.objects.get(pk=job.pk).heartbeat_at
        # The heartbeat thread stamps the job while it sits in its transaction, with the progress it reported there.
        assert _wait(lambda: Job.objects.get(pk=job.pk).heartbeat_at > first, 5)
        assert Job.objects.get(pk=job.pk).done == 1 and output.exists()
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
    assert jobs.fail_dead_jobs() == 0  # just killed: not yet known to be dead
    assert Job.objects.get(pk=job.pk).status == Job.Status.RUNNING
    later = timezone.now() + timedelta(minutes=django_settings.JOB_STALE_MINUTES, seconds=5)
    assert jobs.fail_dead_jobs(now=later) == 1
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.result["interrupted"] and job.result["message"] == "后台任务中断，请重新运行"
    assert not output.exists()


def test_a_worker_runs_the_scheduled_maintenance_at_once_and_stops_on_sigterm(tree, tmp_path):
    stale = timezone.now() - timedelta(minutes=django_settings.JOB_STALE_MINUTES + 1)
    job = Job.objects.create(kind="member_export", title="t", created_by=tree.users["district_admin"],
                             status=Job.Status.RUNNING, heartbeat_at=stale)
    runner = subprocess.Popen([sys.executable, "manage.py", "worker", "--interval", "0.2"], cwd=django_settings.BASE_DIR, env=_env(tmp_path),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert _wait(lambda: Job.objects.filter(pk=job.pk, status=Job.Status.FAILED).exists(), 20)
        runner.send_signal(signal.SIGTERM)
        assert runner.wait(5) == 0
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.wait()


# A worker whose one task would run for ever (inside a transaction, as an import's write phase).
ENDLESS_WORKER = """
import time
import django
django.setup()
from django.db import transaction
from apps.core import jobs

def endless(job, progress):
    with open(job.output_file, "wb") as fh:
        fh.write(b"half a workbook")
    with transaction.atomic():
        while True:
            progress(1, 10, "写入数据", force=True)
            time.sleep(0.1)

jobs.register_kind("test_endless", section="", run=endless)
from django.core.management import call_command
call_command("worker", "--interval", "0.2", "--no-scheduler")
"""


def test_a_stopped_worker_cuts_its_task_short_after_worker_stop_seconds_and_marks_it_at_once(tree, settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.JOBS_DIR = tmp_path / "var" / "jobs"  # the worker's VAR_DIR/jobs
    settings.JOBS_DIR.mkdir(parents=True)
    output = settings.JOBS_DIR / "export-endless.xlsx"
    job = jobs.start(Job.objects.create(kind="test_endless", title="t", created_by=tree.users["district_admin"],
                                        output_file=str(output)))
    env = {**_env(tmp_path), "WORKER_STOP_SECONDS": "2"}
    runner = subprocess.Popen([sys.executable, "-c", ENDLESS_WORKER], cwd=django_settings.BASE_DIR, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert _wait(lambda: Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).exists() and output.exists(), 20)
        runner.send_signal(signal.SIGTERM)
        told = time.monotonic()
        assert runner.wait(15) == 0  # not the whole task (for ever), nor systemd's SIGKILL
        assert 1.5 < time.monotonic() - told < 10
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.wait()
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.result["interrupted"]  # at once, not after JOB_STALE_MINUTES
    assert not output.exists()
