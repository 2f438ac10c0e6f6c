"""TASKS_BACKEND=rq: tasks queued in Redis (django-tasks-rq) and run by `manage.py worker` with RQ's loop, while jobs,
workers and the scheduler's claims stay in the database. Redis database 14 of REDIS_RQ_TEST_URL, flushed before and
after (only that database), one test at a time across pytest-xdist workers (a file lock: RQ's keys have no prefix
to keep two tests apart); skipped when no Redis answers, failed in CI (tests/redis_store.py)."""

import fcntl
import os
import signal
import subprocess
import sys
from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.http import QueryDict
from django.utils import timezone

from apps.core import jobs, taskqueue, workers
from apps.core.models import Job, ScheduledRun, Worker
from apps.core.tests.test_jobs_worker import _env, _stop, _wait
from tests.redis_store import require_redis

RQ_URL = os.environ.get("REDIS_RQ_TEST_URL", "redis://127.0.0.1:6379/14")


@pytest.fixture
def rq(settings, tmp_path_factory):
    client = require_redis(RQ_URL)
    lock_path = tmp_path_factory.getbasetemp().parent / "redis-rq-tests.lock"  # shared by the xdist workers of a run
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        client.flushdb()
        settings.TASKS = {"default": {"BACKEND": taskqueue.RQ_BACKEND, "QUEUES": ["default"]}}
        settings.RQ_QUEUES = {"default": {"URL": RQ_URL, "DEFAULT_TIMEOUT": -1}}
        yield client
        client.flushdb()


def _export(tree):
    from apps.members.imports import member_export_start

    return member_export_start(actor=tree.users["district_admin"], filters=QueryDict(""), params={})


def _later():
    return timezone.now() + timedelta(minutes=django_settings.JOB_STALE_MINUTES, seconds=5)


@pytest.mark.django_db
def test_a_job_is_queued_in_redis_and_readyz_counts_it_there(tree, rq, client):
    job = _export(tree)
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED and job.task_id
    assert [i.decode() for i in rq.lrange("rq:queue:default", 0, -1)] == [str(job.task_id)]  # in Redis, not a table
    queued = taskqueue.rq_queue().fetch_job(str(job.task_id))
    assert queued.func_name == "apps.core.jobs.run_job" and queued.args[0] == str(job.pk)

    body = client.get("/readyz").json()
    assert (body["status"], body["queued"], body["running"], body["workers"], body["workers_ok"]) == ("ok", 1, 0, 0, False)
    assert 0 <= body["oldest_queued_seconds"] < 60

    # Waiting in Redis however long: not dead. Its task gone from Redis (lost with a flushed Redis): dead.
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    assert jobs.fail_dead_jobs(now=_later()) == 0
    rq.delete("rq:queue:default")
    assert jobs.fail_dead_jobs(now=_later()) == 1
    assert Job.objects.get(pk=job.pk).result["interrupted"] is True


@pytest.mark.django_db
def test_readyz_is_503_when_the_queues_redis_is_down(client, settings):
    settings.TASKS = {"default": {"BACKEND": taskqueue.RQ_BACKEND, "QUEUES": ["default"]}}
    with mock.patch.object(taskqueue, "rq_queue", side_effect=ConnectionError("down")):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "cache": "ok", "queue": "unavailable", "workers": 0}


@pytest.mark.django_db
def test_the_scheduler_queues_each_periodic_task_in_redis_once_and_not_while_it_waits(rq):
    now = timezone.now()
    names = sorted(name for name, _task, _seconds in workers.schedule())
    assert "maintenance" in names and sorted(workers.schedule_due(now)) == names
    assert taskqueue.rq_queue().count == len(names)
    later = now + timedelta(minutes=django_settings.MAINTENANCE_INTERVAL_MINUTES)
    assert workers.schedule_due(later) == []  # the previous rounds still wait in Redis
    assert ScheduledRun.objects.count() == len(names)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a worker process reaches only a server database "
                                                              "(SQLite's test database lives in this process's memory)")
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_job_from_redis_and_readyz_reports_the_queue(tree, rq, settings, tmp_path, client):
    settings.JOBS_DIR = tmp_path / "var" / "jobs"  # the worker's VAR_DIR/jobs
    settings.JOBS_DIR.mkdir(parents=True)
    job = _export(tree)
    assert client.get("/readyz").json()["queued"] == 1

    env = _env(settings, tmp_path) | {"TASKS_BACKEND": "rq", "REDIS_URL": RQ_URL, "REDIS_KEY_PREFIX": "yg-test-rq"}
    worker = subprocess.Popen([sys.executable, "manage.py", "worker", "--no-scheduler"], cwd=django_settings.BASE_DIR,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert _wait(lambda: Job.objects.get(pk=job.pk).is_finished, 30), "the worker did not run the job"
        job.refresh_from_db()
        assert job.status == Job.Status.SUCCEEDED, job.result
        assert Worker.objects.filter(pid=worker.pid, worker_id=job.worker).exists()  # run by it, under its heartbeat row
        assert os.path.exists(job.output_file)
        task = taskqueue.rq_queue().fetch_job(str(job.task_id))
        assert task.get_status() == "finished" and task.return_value() == Job.Status.SUCCEEDED
        body = client.get("/readyz").json()
        assert (body["status"], body["queued"], body["oldest_queued_seconds"], body["workers"], body["workers_ok"]) == (
            "ok", 0, 0, 1, True)
        worker.send_signal(signal.SIGTERM)  # an idle worker stops at once, and takes its row with it
        assert worker.wait(10) == 0, worker.stderr.read().decode()[-2000:]
    finally:
        _stop(worker)
    assert not Worker.objects.filter(pid=worker.pid).exists()
    assert not rq.smembers("rq:workers")  # RQ's own registration gone too


SLOW_RQ_WORKER = """
import sys, time
from pathlib import Path
import django
django.setup()
from apps.core import jobs
def slow(job, progress):
    Path(sys.argv[1]).write_text("started")
    time.sleep(60)
jobs._kinds["member_export"] = jobs.JobKind(section="members", run=slow)
from django.core.management import call_command
call_command("worker", "--no-scheduler")
"""


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a worker process reaches only a server database "
                                                              "(SQLite's test database lives in this process's memory)")
@pytest.mark.django_db(transaction=True)
def test_a_stopped_rq_worker_cuts_its_task_short_at_the_deadline_and_marks_the_job(tree, rq, settings, tmp_path):
    settings.JOBS_DIR = tmp_path / "var" / "jobs"
    settings.JOBS_DIR.mkdir(parents=True)
    job = _export(tree)
    marker = tmp_path / "started"
    env = _env(settings, tmp_path) | {"TASKS_BACKEND": "rq", "REDIS_URL": RQ_URL, "REDIS_KEY_PREFIX": "yg-test-rq",
                                      "WORKER_STOP_SECONDS": "1"}
    worker = subprocess.Popen([sys.executable, "-c", SLOW_RQ_WORKER, str(marker)], cwd=django_settings.BASE_DIR,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert _wait(marker.exists, 30), "the worker did not start the job"
        assert Job.objects.get(pk=job.pk).status == Job.Status.RUNNING
        worker.send_signal(signal.SIGTERM)  # the task sleeps 60 s: cut short after WORKER_STOP_SECONDS
        assert worker.wait(20) == 0, worker.stderr.read().decode()[-2000:]
    finally:
        _stop(worker)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.result["interrupted"] is True
    assert taskqueue.rq_queue().fetch_job(str(job.task_id)).get_status() == "failed"
    assert not Worker.objects.filter(pid=worker.pid).exists()
