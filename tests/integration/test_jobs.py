import pytest

from apps.core import jobs
from apps.core.models import Job


@pytest.fixture
def test_kind():
    """A kind of job whose work the test supplies, run through the real path: start -> the task -> the kind's runner."""
    works = []
    jobs.register_kind("test", section="", run=lambda job, progress: works[-1](job, progress))
    yield works
    jobs._kinds.pop("test")


@pytest.mark.django_db(transaction=True)
def test_background_job_reports_progress_and_result(tree, test_kind):
    seen = []

    def work(job, progress):
        for i in range(1, 4):
            progress(i, 3, "处理中", force=True)
            seen.append(i)
        return {"message": "完成"}

    test_kind.append(work)
    job = Job.objects.create(kind="test", title="测试任务", created_by=tree.users["district_admin"])
    jobs.start(job)  # queued through Django's Tasks interface (the immediate backend in tests: run at once)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.result == {"message": "完成"} and job.percent == 100
    assert seen == [1, 2, 3]


@pytest.mark.django_db
def test_a_job_is_queued_only_when_its_transaction_commits(tree, test_kind, django_capture_on_commit_callbacks):
    from django.db import transaction

    test_kind.append(lambda job, progress: {"message": "完成"})
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            job = jobs.start(Job.objects.create(kind="test", title="t", created_by=tree.users["district_admin"]))
            assert Job.objects.get(pk=job.pk).status == Job.Status.QUEUED  # not before the commit
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED


@pytest.mark.django_db
def test_failed_and_rejected_jobs(tree):
    def boom(job, progress):
        raise RuntimeError("secret row data 500102198503120117")

    job = jobs.run(Job.objects.create(kind="test", title="t", created_by=tree.users["district_admin"]), boom)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "联系系统管理员" in job.result["message"]

    def bad(job, progress):
        raise jobs.JobRejected({"message": "第2行有错"})

    job = jobs.run(Job.objects.create(kind="test", title="t", created_by=tree.users["district_admin"]), bad)
    job.refresh_from_db()
    assert job.status == Job.Status.REJECTED and job.result["message"] == "第2行有错"


@pytest.mark.django_db
def test_job_failure_log_holds_no_personal_data(tree, caplog):
    def boom(job, progress):
        raise ValueError("bad id 500102198503120117")

    jobs.run(Job.objects.create(kind="test", title="t", created_by=tree.users["district_admin"]), boom)
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
def test_progress_inside_a_transaction_is_written_by_the_workers_heartbeat(tree):
    from django.db import transaction

    job = Job.objects.create(kind="test", title="t", created_by=tree.users["district_admin"], total=10)
    jobs._register(job.pk, heartbeat=True)  # as a worker's run of the job does
    try:
        progress = jobs.Progress(job)
        with transaction.atomic():
            progress(7, 10, "写入数据", force=True)
            assert Job.objects.get(pk=job.pk).done == 0  # not written from inside the transaction
        jobs.beat(jobs.running_here())  # the worker's heartbeat thread, on its own connection
    finally:
        with jobs._live_lock:
            jobs._live.pop(job.pk, None)
            jobs._beating.discard(job.pk)
    fresh = Job.objects.get(pk=job.pk)
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
    jobs.run(job, work)
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

    job = jobs.run(Job.objects.create(kind="test", title="t", created_by=tree.users["district_admin"]), work)
    job.refresh_from_db()
    assert steps == ["interrupted"]
    assert job.status == Job.Status.FAILED and job.result["interrupted"] and job.done == 1


@pytest.mark.django_db
def test_a_job_marked_interrupted_before_it_started_does_not_run(tree):
    ran = []
    job = Job.objects.create(kind="test", title="t", created_by=tree.users["district_admin"])
    _interrupt(job)
    jobs.run(job, lambda job, progress: ran.append(1))
    job.refresh_from_db()
    assert ran == [] and job.status == Job.Status.FAILED and job.result["interrupted"]


@pytest.mark.django_db
def test_a_failure_after_an_interruption_keeps_the_interruption(tree):
    def work(job, progress):
        _interrupt(job)
        raise jobs.JobRejected({"message": "第2行有错"})

    job = jobs.run(Job.objects.create(kind="test", title="t", created_by=tree.users["district_admin"]), work)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.result["interrupted"]
