"""A job whose process is killed (kill -9) is not shown as running forever; the periodic runner stops on SIGTERM.

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
from tests.integration.test_serving import _database_url

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a second process reaches only a server database"),
    pytest.mark.django_db(transaction=True),
]

# Runs a job in a background thread the way the web server does; the job writes part of its output, then sits in a
# transaction (where its own progress cannot reach the Job row) until killed.
JOB_SCRIPT = """
import sys, time
import django
django.setup()
from django.db import transaction
from apps.core import jobs
from apps.core.models import Job

def work(job, progress):
    with open(job.output_file, "wb") as fh:
        fh.write(b"half a workbook")
    with transaction.atomic():
        while True:
            progress(1, 10, "写入数据", force=True)
            time.sleep(0.1)

jobs.start(Job.objects.get(pk=sys.argv[1]), work)
while True:
    time.sleep(1)
"""


def _env(tmp_path):
    env = dict(os.environ)
    env.update({"DATABASE_URL": _database_url(connection.settings_dict), "VAR_DIR": str(tmp_path / "var"),
                "JOBS_RUN_INLINE": "0", "JOB_HEARTBEAT_SECONDS": "1", "DJANGO_SETTINGS_MODULE": "config.settings",
                "SECRET_KEY": django_settings.SECRET_KEY, "FIELD_ENCRYPTION_KEY": django_settings.FIELD_ENCRYPTION_KEY,
                "FIELD_HASH_KEY": django_settings.FIELD_HASH_KEY, "LOG_LEVEL": "WARNING"})
    return env


def _wait(predicate, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


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


def test_the_periodic_runner_runs_at_once_and_stops_on_sigterm(tree, tmp_path):
    stale = timezone.now() - timedelta(minutes=django_settings.JOB_STALE_MINUTES + 1)
    job = Job.objects.create(kind="member_export", title="t", created_by=tree.users["district_admin"],
                             status=Job.Status.RUNNING, heartbeat_at=stale)
    runner = subprocess.Popen([sys.executable, "manage.py", "run_periodic"], cwd=django_settings.BASE_DIR, env=_env(tmp_path),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert _wait(lambda: Job.objects.filter(pk=job.pk, status=Job.Status.FAILED).exists(), 20)
        runner.send_signal(signal.SIGTERM)
        assert runner.wait(5) == 0
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.wait()
