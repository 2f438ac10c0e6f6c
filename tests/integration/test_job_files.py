"""Files at rest (private modes, expiry, the scheduled clean-up) and jobs whose process died."""

import os
import stat
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils import timezone

from apps.core import jobs, maintenance
from apps.core.models import Job


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def _file(settings, name, content=b"xlsx", age_hours=0):
    settings.JOBS_DIR.mkdir(parents=True, exist_ok=True)
    path = settings.JOBS_DIR / name
    path.write_bytes(content)
    if age_hours:
        then = (timezone.now() - timedelta(hours=age_hours)).timestamp()
        os.utime(path, (then, then))
    return path


def _job(user, **fields):
    fields.setdefault("kind", "member_export")
    fields.setdefault("title", "导出党员名册")
    return Job.objects.create(created_by=user, **fields)


def _stale():
    return timezone.now() - timedelta(minutes=django_settings.JOB_STALE_MINUTES + 1)


# --- Jobs whose process died ---------------------------------------------------------------------------------
@pytest.mark.django_db
def test_polling_a_job_whose_heartbeat_stopped_shows_it_interrupted_and_deletes_its_partial_file(tree, client, settings):
    admin = tree.users["district_admin"]
    partial = _file(settings, "export-partial.xlsx", b"half a workbook")
    job = _job(admin, status=Job.Status.RUNNING, output_file=str(partial), output_name="党员名册.xlsx", heartbeat_at=_stale(),
               done=300, total=1000)
    client.force_login(admin)
    html = client.get(f"/jobs/{job.pk}/", HTTP_HX_REQUEST="true", HTTP_X_POLL="1").content.decode()
    assert 'data-status="failed"' in html and "后台任务中断，请重新运行" in html
    assert "hx-trigger" not in html  # the page stops polling
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.finished_at and job.result["interrupted"] is True
    assert not partial.exists()
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 404


@pytest.mark.django_db
def test_only_jobs_whose_heartbeat_stopped_are_marked(tree, client, settings):
    admin = tree.users["district_admin"]
    alive = _job(admin, status=Job.Status.RUNNING, heartbeat_at=timezone.now() - timedelta(seconds=30))
    never_started = _job(admin, status=Job.Status.QUEUED)  # its worker died before the job began
    Job.objects.filter(pk=never_started.pk).update(created_at=_stale())
    dead = _job(admin, status=Job.Status.RUNNING, heartbeat_at=_stale())
    done = _job(admin, status=Job.Status.SUCCEEDED, heartbeat_at=_stale(), finished_at=_stale())
    client.force_login(admin)
    assert 'data-status="running"' in client.get(f"/jobs/{alive.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert jobs.fail_dead_jobs() == 2
    statuses = dict(Job.objects.values_list("pk", "status"))
    assert statuses == {alive.pk: "running", never_started.pk: "failed", dead.pk: "failed", done.pk: "succeeded"}


@pytest.mark.django_db
def test_a_job_this_process_runs_is_alive_whatever_its_stamp_and_is_marked_when_the_process_stops(tree):
    job = _job(tree.users["district_admin"], status=Job.Status.RUNNING, heartbeat_at=_stale())
    jobs._register(job.pk, heartbeat=False)
    try:
        assert jobs.fail_dead_jobs() == 0
        assert jobs.fail_if_dead(job).status == Job.Status.RUNNING
        assert jobs.abandon_local_jobs() == 1  # what a stopping worker does
    finally:
        jobs._live.pop(job.pk, None)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.result["interrupted"]


@pytest.mark.django_db(transaction=True)  # progress is written only outside a transaction
def test_progress_and_the_heartbeat_stamp_the_job(tree):
    job = _job(tree.users["district_admin"], status=Job.Status.RUNNING)
    jobs.Progress(job)(5, 10, "校验数据", force=True)
    job.refresh_from_db()
    first = job.heartbeat_at
    assert first and (job.done, job.total, job.phase) == (5, 10, "校验数据")
    jobs.beat({job.pk: {"done": 7, "total": None, "phase": None}})  # what the heartbeat thread writes
    job.refresh_from_db()
    assert job.heartbeat_at > first and (job.done, job.total) == (7, 10)


@pytest.mark.django_db
def test_a_failed_job_leaves_no_partial_output(tree, settings):
    partial = _file(settings, "export-boom.xlsx")

    def boom(job, progress):
        raise RuntimeError("disk full")

    job = jobs.run(_job(tree.users["district_admin"], output_file=str(partial), output_name="x.xlsx"), boom)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and not partial.exists()


# --- Expiry ----------------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_job_files_expire_and_the_clean_up_deletes_them(tree, client, settings):
    settings.JOB_FILES_TTL_HOURS = 24
    admin = tree.users["district_admin"]
    now = timezone.now()
    old_out, old_in = _file(settings, "export-old.xlsx", age_hours=25), _file(settings, "import-old.xlsx", age_hours=25)
    old = _job(admin, status=Job.Status.SUCCEEDED, output_file=str(old_out), input_file=str(old_in), output_name="名册.xlsx",
               finished_at=now - timedelta(hours=25))
    fresh_out = _file(settings, "export-fresh.xlsx", age_hours=1)
    fresh = _job(admin, status=Job.Status.SUCCEEDED, output_file=str(fresh_out), output_name="名册.xlsx",
                 finished_at=now - timedelta(hours=1))
    orphan_old, orphan_fresh = _file(settings, "import-crashed.xlsx", age_hours=30), _file(settings, "import-new.xlsx")
    claimed = _file(settings, "import-running.xlsx", age_hours=30)  # a long import still reading its upload
    _job(admin, kind="member_import", status=Job.Status.RUNNING, input_file=str(claimed), heartbeat_at=now)
    elsewhere = settings.JOBS_DIR.parent / "not-a-job-file.xlsx"
    elsewhere.write_bytes(b"x")
    _job(admin, status=Job.Status.SUCCEEDED, output_file=str(elsewhere), finished_at=now - timedelta(days=3))

    client.force_login(admin)
    # Past its time the file is gone for the user even before the clean-up ran.
    response = client.get(f"/jobs/{old.pk}/download/")
    assert response.status_code == 410 and "已超过保留期限（24小时）并已删除，请重新导出" in response.content.decode()

    call_command("purge_expired_files", stdout=open(os.devnull, "w"))
    assert not old_out.exists() and not old_in.exists() and not orphan_old.exists()
    assert fresh_out.exists() and orphan_fresh.exists() and claimed.exists()
    assert elsewhere.exists()  # only files under JOBS_DIR are ever deleted
    old.refresh_from_db()
    assert (old.output_file, old.input_file, old.output_name) == ("", "", "名册.xlsx")

    assert client.get(f"/jobs/{old.pk}/download/").status_code == 410
    html = client.get(f"/jobs/{old.pk}/").content.decode()
    assert "文件已超过保留期限并已删除" in html and "job-download" not in html
    assert client.get(f"/jobs/{fresh.pk}/download/").status_code == 200
    html = client.get(f"/jobs/{fresh.pk}/").content.decode()
    assert "job-download" in html and "文件保留至" in html


@pytest.mark.django_db
def test_the_scheduled_maintenance_marks_dead_jobs_and_purges_files(tree, settings):
    from apps.core import workers

    admin = tree.users["district_admin"]
    dead = _job(admin, status=Job.Status.RUNNING, heartbeat_at=_stale(), output_file=str(_file(settings, "export-dead.xlsx")))
    expired = _file(settings, "export-stray.xlsx", age_hours=django_settings.JOB_FILES_TTL_HOURS + 1)
    assert "maintenance" in workers.schedule_due()  # a worker's scheduler: the round's task (run at once in tests)
    dead.refresh_from_db()
    assert dead.status == Job.Status.FAILED and not os.path.exists(dead.output_file) and not expired.exists()


# --- Private modes ---------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_export_files_and_the_jobs_directory_are_private(tree, settings):
    from apps.members.imports import member_export_start
    from apps.members.models import Member

    job = member_export_start(actor=tree.users["district_admin"], filters={}, params={"unmask": "1"})
    job.refresh_from_db()
    assert Member.objects.exists() and job.result["message"]
    assert job.status == Job.Status.SUCCEEDED
    assert _mode(job.output_file) == 0o600 and _mode(settings.JOBS_DIR) == 0o700


def test_uploaded_files_are_private(tmp_path):
    from django.core.files.base import ContentFile
    from django.core.files.storage import FileSystemStorage

    storage = FileSystemStorage(location=tmp_path / "media")  # modes from the settings, as for record and case files
    name = storage.save("cases/2026/12/photo.jpg", ContentFile(b"jpg"))
    assert _mode(storage.path(name)) == 0o600
    assert _mode(tmp_path / "media" / "cases") == _mode(tmp_path / "media" / "cases" / "2026" / "12") == 0o700


@pytest.mark.django_db
def test_the_clean_up_tightens_files_left_readable(tree, settings):
    loose = _file(settings, "export-loose.xlsx")
    loose.chmod(0o644)
    settings.JOBS_DIR.chmod(0o755)
    settings.MEDIA_ROOT = settings.JOBS_DIR.parent / "media"
    photo_dir = settings.MEDIA_ROOT / "cases" / "2026" / "12"
    photo_dir.mkdir(parents=True)
    photo = photo_dir / "p.jpg"
    photo.write_bytes(b"jpg")
    photo.chmod(0o644)
    photo_dir.chmod(0o755)
    maintenance.run_all(media=True)
    assert _mode(loose) == _mode(photo) == 0o600
    assert _mode(settings.JOBS_DIR) == _mode(photo_dir) == _mode(settings.MEDIA_ROOT) == 0o700


def test_the_sqlite_database_and_var_are_private_to_the_service_user(tmp_path):
    """A fresh start creates them private; one an older version left readable is tightened at start-up."""
    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    (var / "jobs").mkdir(mode=0o755)
    var.chmod(0o755)
    (var / "jobs").chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["VAR_DIR"] = str(var)
    code = "from django.db import connection; connection.ensure_connection(); connection.cursor().execute('CREATE TABLE t (x)')"
    subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=django_settings.BASE_DIR, env=env, check=True,
                   capture_output=True, timeout=60)
    created = [var / name for name in ("db.sqlite3", "db.sqlite3-wal", "db.sqlite3-shm") if (var / name).exists()]
    assert var / "db.sqlite3" in created
    assert {path.name: _mode(path) for path in created} == {path.name: 0o600 for path in created}
    assert _mode(var) == _mode(var / "jobs") == 0o700
    assert _mode(var / "secret_key") == 0o600

    (var / "db.sqlite3").chmod(0o644)
    var.chmod(0o755)
    subprocess.run([sys.executable, "manage.py", "shell", "-c", "pass"], cwd=django_settings.BASE_DIR, env=env, check=True,
                   capture_output=True, timeout=60)
    assert _mode(var / "db.sqlite3") == 0o600 and _mode(var) == 0o700
