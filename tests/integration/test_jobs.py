import threading

import pytest

from apps.core import jobs
from apps.core.models import Job


@pytest.mark.django_db(transaction=True)
def test_background_job_reports_progress_and_result(tree, settings):
    settings.JOBS_RUN_INLINE = False
    seen = []

    def work(job, progress):
        for i in range(1, 4):
            progress(i, 3, "处理中", force=True)
            seen.append(i)
        return {"message": "完成"}

    job = Job.objects.create(kind="test", title="测试任务", created_by=tree.users["district_admin"])
    jobs.start(job, work)
    # Wait for the job's thread rather than polling the row: SQLite's shared in-memory test
    # database refuses a locked table at once instead of waiting.
    worker = next((t for t in threading.enumerate() if t.name == f"job-{job.pk}"), None)
    if worker is not None:  # it may already have finished
        worker.join(timeout=30)
        assert not worker.is_alive()
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.result == {"message": "完成"} and job.percent == 100
    assert seen == [1, 2, 3]


@pytest.mark.django_db
def test_failed_and_rejected_jobs(tree):
    def boom(job, progress):
        raise RuntimeError("secret row data 500102198503120117")

    job = jobs.start(Job.objects.create(kind="test", title="t", created_by=tree.users["district_admin"]), boom)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "联系系统管理员" in job.result["message"]

    def bad(job, progress):
        raise jobs.JobRejected({"message": "第2行有错"})

    job = jobs.start(Job.objects.create(kind="test", title="t", created_by=tree.users["district_admin"]), bad)
    job.refresh_from_db()
    assert job.status == Job.Status.REJECTED and job.result["message"] == "第2行有错"


@pytest.mark.django_db
def test_job_failure_log_holds_no_personal_data(tree, caplog):
    def boom(job, progress):
        raise ValueError("bad id 500102198503120117")

    jobs.start(Job.objects.create(kind="test", title="t", created_by=tree.users["district_admin"]), boom)
    assert "ValueError" in caplog.text and "500102198503120117" not in caplog.text


@pytest.mark.django_db
def test_polling_the_job_page_does_not_touch_the_session(tree, client):
    from django.contrib.sessions.models import Session

    client.force_login(tree.users["district_admin"])
    job = Job.objects.create(kind="member_import", title="t", created_by=tree.users["district_admin"])
    key = client.session.session_key
    expire = Session.objects.get(session_key=key).expire_date
    response = client.get(f"/jobs/{job.pk}/", HTTP_HX_REQUEST="true", HTTP_X_POLL="1")
    assert response.status_code == 200 and 'data-status="queued"' in response.content.decode()
    assert "sessionid" not in response.cookies
    assert Session.objects.get(session_key=key).expire_date == expire
    session = client.session
    session["_seen"] = 0
    session.save()
    assert "sessionid" in client.get(f"/jobs/{job.pk}/").cookies  # a real visit refreshes it


@pytest.mark.django_db
def test_progress_inside_a_transaction_is_seen_through_the_live_store(tree):
    from django.db import transaction

    job = Job.objects.create(kind="test", title="t", created_by=tree.users["district_admin"], total=10)
    progress = jobs.Progress(job)
    with transaction.atomic():
        progress(7, 10, "写入数据", force=True)
    fresh = jobs.with_live_progress(Job.objects.get(pk=job.pk))
    assert (fresh.done, fresh.total, fresh.phase, fresh.percent) == (7, 10, "写入数据", 70)


def _interrupt(job):
    """What the periodic maintenance does to a job whose heartbeat it judged stale."""
    jobs._mark_interrupted([job], only_stale=False)


@pytest.mark.django_db
def test_an_interrupted_job_is_never_marked_succeeded_later(tree, settings, tmp_path):
    settings.JOBS_DIR = str(tmp_path)
    output = tmp_path / "late.xlsx"

    def work(job, progress):
        _interrupt(job)  # e.g. the worker was paused past JOB_STALE_MINUTES
        output.write_bytes(b"written after the interruption")
        return {"message": "完成"}

    job = Job.objects.create(kind="test", title="t", created_by=tree.users["district_admin"], output_file=str(output))
    jobs.start(job, work)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.result["interrupted"] and job.finished_at
    assert not output.exists()  # nothing is offered for a job shown as interrupted


@pytest.mark.django_db(transaction=True)  # progress is written only outside a transaction
def test_progress_after_an_interruption_stops_the_job_and_changes_nothing(tree):
    steps = []

    def work(job, progress):
        progress(1, 10, "处理中", force=True)
        _interrupt(job)
        steps.append("interrupted")
        progress(2, 10, "处理中", force=True)  # the job stops here
        steps.append("went on")
        raise RuntimeError("never reached")

    job = jobs.start(Job.objects.create(kind="test", title="t", created_by=tree.users["district_admin"]), work)
    job.refresh_from_db()
    assert steps == ["interrupted"]
    assert job.status == Job.Status.FAILED and job.result["interrupted"] and job.done == 1


@pytest.mark.django_db
def test_a_job_marked_interrupted_before_it_started_does_not_run(tree):
    ran = []
    job = Job.objects.create(kind="test", title="t", created_by=tree.users["district_admin"])
    _interrupt(job)
    jobs.start(job, lambda job, progress: ran.append(1))
    job.refresh_from_db()
    assert ran == [] and job.status == Job.Status.FAILED and job.result["interrupted"]


@pytest.mark.django_db
def test_a_failure_after_an_interruption_keeps_the_interruption(tree):
    def work(job, progress):
        _interrupt(job)
        raise jobs.JobRejected({"message": "第2行有错"})

    job = jobs.start(Job.objects.create(kind="test", title="t", created_by=tree.users["district_admin"]), work)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.result["interrupted"]
