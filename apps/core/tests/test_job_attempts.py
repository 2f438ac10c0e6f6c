"""A retried job and the run it replaced: the old run (declared dead while it was only slow) may still be going, and
nothing it does later — progress, heartbeat, final status, file deletes — may touch the retry's row or files. Also:
the heartbeat thread outliving a failure, the worker's stop deadline, the scheduler not piling up rounds, the expiry
purge and a retry, an export whose filters do not decrypt."""

import signal
import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.db import InterfaceError
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from apps.core import jobs, maintenance, workers
from apps.core.models import Job

DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _job_with_files(tree, settings):
    settings.JOBS_DIR.mkdir(parents=True, exist_ok=True)
    the_input = settings.JOBS_DIR / "import-x.xlsx"
    the_input.write_bytes(b"input")
    return Job.objects.create(kind="member_import", title="t", created_by=tree.users["district_admin"],
                              input_file=str(the_input), output_file=str(settings.JOBS_DIR / "export-x.xlsx"))


def _retried_meanwhile(pk, settings):
    """Attempt 1 (writing its output) declared dead and retried; attempt 2 now running elsewhere with its own output.
    Returns the row as attempt 2 left it, and the files."""
    old_output, new_output = settings.JOBS_DIR / "export-x.xlsx", settings.JOBS_DIR / "export-x.a2.xlsx"
    old_output.write_bytes(b"old attempt, half")
    Job.objects.filter(pk=pk).update(status=Job.Status.FAILED, finished_at=timezone.now(),
                                     result={"message": "后台任务中断，请重新运行", "interrupted": True})
    job = Job.objects.get(pk=pk)
    assert jobs.reset_failed(job)
    assert job.attempt == 2 and job.output_file == str(new_output)
    Job.objects.filter(pk=pk).update(status=Job.Status.RUNNING, worker="w2", done=5, total=10, phase="写入数据")
    new_output.write_bytes(b"new attempt")
    return Job.objects.filter(pk=pk).values().get(), (old_output, new_output, settings.JOBS_DIR / "import-x.xlsx")


@pytest.mark.django_db
@pytest.mark.parametrize("ending", ["progress", "succeeds", "fails", "rejected"])
def test_the_late_writes_of_a_retried_attempt_change_nothing_and_delete_nothing_of_the_retry(tree, settings, ending):
    state = {}

    def old_run(job, progress):
        # The old run was slow, not dead: meanwhile its job was declared dead, retried, and attempt 2 started.
        assert job.attempt == 1
        state["row"], state["files"] = _retried_meanwhile(job.pk, settings)
        jobs.beat({job.pk: {"done": 9, "total": 9, "phase": "旧", "attempt": 1}})  # its worker's heartbeat
        if ending == "progress":
            progress(9, 9, "旧", force=True)
        if ending == "fails":
            raise RuntimeError("late")
        if ending == "rejected":
            raise jobs.JobRejected({"message": "旧的结果", "errors": []})
        return {"message": "旧的结果"}

    job = _job_with_files(tree, settings)
    jobs.run(job, old_run)
    old_output, new_output, the_input = state["files"]
    assert Job.objects.filter(pk=job.pk).values().get() == state["row"]  # not a field changed
    assert new_output.read_bytes() == b"new attempt" and the_input.exists()  # the retry's files untouched
    assert not old_output.exists()  # its own partial output: gone


@pytest.mark.django_db
def test_a_stopping_worker_does_not_mark_the_retry_of_its_job(tree, settings):
    job = _job_with_files(tree, settings)
    row, (old_output, new_output, the_input) = _retried_meanwhile(job.pk, settings)
    jobs._register(job.pk, heartbeat=True, attempt=1)  # the old run, still going in this worker
    assert jobs.abandon_local_jobs() == 0
    assert Job.objects.filter(pk=job.pk).values().get() == row and new_output.exists() and the_input.exists()


@pytest.mark.django_db
def test_the_queued_task_of_a_superseded_attempt_does_not_run(tree, settings):
    settings.TASKS = DB_BACKEND
    row, _files = _retried_meanwhile(_job_with_files(tree, settings).pk, settings)
    Job.objects.filter(pk=row["id"]).update(status=Job.Status.QUEUED)
    assert jobs.run_job.call(str(row["id"]), "zh-hans", 1) == Job.Status.QUEUED  # attempt 1's task, late
    assert Job.objects.get(pk=row["id"]).status == Job.Status.QUEUED
    job = Job.objects.get(pk=row["id"])
    jobs.start(job)  # each attempt's task carries its attempt
    assert DBTaskResult.objects.get().args_kwargs["args"] == [str(job.pk), "zh-hans", 2]


def test_each_attempt_has_its_own_output_path():
    assert jobs.attempt_path("/v/jobs/export-ab.xlsx", 2) == "/v/jobs/export-ab.a2.xlsx"
    assert jobs.attempt_path("/v/jobs/export-ab.a2.xlsx", 3) == "/v/jobs/export-ab.a3.xlsx"
    assert jobs.attempt_path("", 2) == ""


# --- The heartbeat thread outlives a failure -------------------------------------------------------------------
def test_the_heartbeat_thread_outlives_any_failure_of_a_beat(settings, caplog):
    settings.JOB_HEARTBEAT_SECONDS = 0.01
    calls, two = [], threading.Event()

    def beat_once(worker_id, *, scheduler):
        calls.append(worker_id)
        if len(calls) == 1:
            raise InterfaceError("connection already closed, row data 110101199001011234")
        if len(calls) == 2:
            raise ValueError("from enqueue")
        two.set()

    with mock.patch.object(workers, "beat_once", beat_once):
        thread = workers.Heartbeat("w-test", scheduler=False)
        thread.start()
        try:
            assert two.wait(5), "the heartbeat thread stopped after a failed beat"
            assert thread.is_alive()
        finally:
            thread.stop()
    assert not thread.is_alive()
    logged = caplog.text
    assert "InterfaceError" in logged and "ValueError" in logged and "110101199001011234" not in logged


# --- The worker's stop deadline ----------------------------------------------------------------------------------
def test_a_stopping_worker_gives_its_running_task_worker_stop_seconds_then_cuts_it_short(settings):
    from apps.core.management.commands.worker import StopDeadline, _Worker

    settings.WORKER_STOP_SECONDS = 7
    loop = _Worker(queue_names=["default"], interval=1, batch=False, backend_name="default", startup_delay=False,
                   max_tasks=None, worker_id="w", excluded_queue_names=[])
    loop.running_task = True
    with mock.patch("signal.alarm") as alarm:
        loop.shutdown(signal.SIGTERM, None)
    alarm.assert_called_once_with(7)
    assert loop.running is False
    with pytest.raises(StopDeadline):
        loop.stop_deadline(signal.SIGALRM, None)
    assert not isinstance(StopDeadline(), Exception)  # job code's `except Exception` does not swallow it
    loop.running_task = False
    loop.stop_deadline(signal.SIGALRM, None)  # the task ended in time: nothing to cut


# --- The scheduler does not pile up rounds --------------------------------------------------------------------
@pytest.mark.django_db
def test_a_periodic_task_is_not_queued_again_while_its_previous_run_waits_or_runs(settings, monkeypatch):
    monkeypatch.setattr(workers, "_periodic", {})  # core's own two (the apps register theirs at start-up)
    settings.TASKS = DB_BACKEND
    now = timezone.now()
    assert sorted(workers.schedule_due(now)) == ["maintenance", "media_modes"]
    next_slot = now + timedelta(minutes=settings.MAINTENANCE_INTERVAL_MINUTES)
    assert workers.schedule_due(next_slot) == []  # the first round still waits (behind long jobs)
    round_ = DBTaskResult.objects.get(task_path="apps.core.maintenance.maintenance_round")
    DBTaskResult.objects.filter(pk=round_.pk).update(status=TaskResultStatus.RUNNING, started_at=next_slot)
    assert workers.schedule_due(next_slot) == []  # and then runs
    later = next_slot + timedelta(minutes=settings.JOB_STALE_MINUTES + 1)
    assert workers.schedule_due(later) == ["maintenance"]  # "running" that long: left by a dead worker
    DBTaskResult.objects.filter(task_path="apps.core.maintenance.maintenance_round").update(
        status=TaskResultStatus.SUCCESSFUL, finished_at=later)
    assert workers.schedule_due(later + timedelta(minutes=settings.MAINTENANCE_INTERVAL_MINUTES)) == ["maintenance"]


# --- The expiry purge and a retry ------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_expiry_purge_leaves_a_job_retried_after_it_looked(tree, settings):
    settings.JOBS_DIR.mkdir(parents=True, exist_ok=True)
    the_input = settings.JOBS_DIR / "import-old.xlsx"
    the_input.write_bytes(b"input")
    job = Job.objects.create(kind="member_import", title="t", created_by=tree.users["district_admin"],
                             input_file=str(the_input), status=Job.Status.FAILED,
                             finished_at=timezone.now() - timedelta(hours=settings.JOB_FILES_TTL_HOURS + 1))
    original = maintenance._expired_jobs

    def then_retried(cutoff):
        found = original(cutoff)
        assert [j.pk for j in found] == [job.pk]
        assert jobs.reset_failed(Job.objects.get(pk=job.pk))  # 重试 between the purge's read and its write
        return found

    with mock.patch.object(maintenance, "_expired_jobs", then_retried):
        assert maintenance.purge_expired_files() == 0
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED and job.input_file == str(the_input) and the_input.exists()
    Job.objects.filter(pk=job.pk).update(status=Job.Status.FAILED,
                                         finished_at=timezone.now() - timedelta(hours=settings.JOB_FILES_TTL_HOURS + 1))
    assert maintenance.purge_expired_files() == 1 and not the_input.exists()  # expired and left alone: purged
    assert Job.objects.get(pk=job.pk).input_file == ""


# --- An export whose filters do not decrypt --------------------------------------------------------------------
@pytest.mark.django_db
def test_an_export_whose_filters_were_sealed_with_another_key_fails_clearly_rather_than_exporting_everything(tree, settings):
    import json

    from apps.core import crypto
    from apps.members.imports import export_job

    settings.JOBS_DIR.mkdir(parents=True, exist_ok=True)
    output = settings.JOBS_DIR / "export-keys.xlsx"
    sealed = crypto._fernet("another server's key").encrypt(json.dumps({"q": ["张"]}).encode()).decode()
    job = Job.objects.create(kind="member_export", title="导出党员名册", created_by=tree.users["district_admin"],
                             output_file=str(output), params={"_filters": sealed, "_unmask": False})
    job = jobs.run(job, export_job)
    assert job.status == Job.Status.FAILED and "加密密钥不一致" in job.result["message"]
    assert not output.exists()
    assert jobs.page_context(job)["can_retry"]  # once the keys agree, 重试 runs it with its filters
