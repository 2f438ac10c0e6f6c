"""The task queue behind Django's Tasks interface, whichever backend TASKS_BACKEND chose: the figures and questions
jobs, the scheduler and /readyz ask of it, answered by the active backend.

- `database` (the default): django-tasks-db, the queue is a table of our database (DBTaskResult).
- `rq`: django-tasks-rq, the queue is an RQ queue in the Redis of REDIS_URL (for many machines: no table polled by
  every worker). Our own rows (Job, Worker, ScheduledRun) stay in the database either way, so dead-job detection and
  the scheduler's once-per-slot claim do not depend on the backend.
"""

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Min, Q
from django.utils import timezone
from django_tasks import TaskResultStatus

RQ_BACKEND = "apps.core.rqueue.RQBackend"  # what TASKS_BACKEND=rq puts in TASKS (config/settings.py)


def uses_rq() -> bool:
    return settings.TASKS["default"]["BACKEND"] == RQ_BACKEND


# --- Figures for /readyz -------------------------------------------------------------------------------------------
def queue_figures(now: datetime | None = None) -> dict:
    """{"queued", "oldest_queued_seconds", "running"}: tasks waiting, the age of the oldest, tasks being run."""
    now = now or timezone.now()
    if uses_rq():
        queue = rq_queue()
        oldest = None
        first = queue.get_job_ids(0, 1)
        if first:
            job = queue.fetch_job(first[0])
            oldest = job.enqueued_at if job else None
        # No cleanup on a readiness probe: RQ's workers clean their registries themselves.
        running = queue.started_job_registry.get_job_count(cleanup=False)
        queued = queue.count
    else:
        from django_tasks_db.models import DBTaskResult

        row = DBTaskResult.objects.ready().aggregate(n=Count("pk"), oldest=Min("enqueued_at"))
        queued, oldest = row["n"], row["oldest"]
        running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).count()
    return {"queued": queued, "oldest_queued_seconds": max(0, int((now - oldest).total_seconds())) if oldest else 0,
            "running": running}


# --- Questions of jobs and the scheduler ---------------------------------------------------------------------------
def waiting_task_ids(cutoff: datetime):
    """The ids of tasks still waiting: queued, or being run (started since `cutoff`, for the database backend; in RQ's
    started registry, which RQ's workers clear of a dead worker's jobs). A queryset (database) or a list (RQ), for
    `task_id__in`."""
    if uses_rq():
        queue = rq_queue()
        ids = queue.get_job_ids() + queue.started_job_registry.get_job_ids(cleanup=False)
        return [uuid.UUID(i) for i in ids if _is_uuid(i)]
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(Q(status=TaskResultStatus.READY)
                                       | Q(status=TaskResultStatus.RUNNING, started_at__gte=cutoff)).values("id")


def pending(task, now: datetime) -> bool:
    """A run of `task` still queued, or running and started within JOB_STALE_MINUTES (a run left "running" by a worker
    that died must not block the next one forever)."""
    started_since = now - timedelta(minutes=settings.JOB_STALE_MINUTES)
    if uses_rq():
        from rq.job import Job as RQJob

        queue = rq_queue()
        jobs = RQJob.fetch_many(queue.get_job_ids() + queue.started_job_registry.get_job_ids(cleanup=False),
                                connection=queue.connection)
        return any(job is not None and job.func_name == task.module_path
                   and (job.started_at is None or job.started_at >= started_since) for job in jobs)
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path=task.module_path).filter(
        Q(status=TaskResultStatus.READY) | Q(status=TaskResultStatus.RUNNING, started_at__gte=started_since)).exists()


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def rq_queue():
    from .rqueue import queue  # rq and django-rq only where configured

    return queue()
