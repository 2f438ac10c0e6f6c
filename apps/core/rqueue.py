"""The RQ backend (TASKS_BACKEND=rq): the queue in the Redis of REDIS_URL, through django-tasks-rq. Imported only when
it is configured (settings name `apps.core.rqueue.RQBackend`); the questions asked of the queue are apps.core.taskqueue's,
the worker loop is `manage.py worker`'s."""

import uuid

import django_rq
from django_tasks.base import TASK_MAX_PRIORITY, TaskResult, TaskResultStatus
from django_tasks.signals import task_enqueued
from django_tasks_rq.backend import Job, failed_callback, success_callback
from django_tasks_rq.backend import RQBackend as BaseRQBackend
from rq.job import Callback, JobStatus

QUEUE = "default"


def queue():
    """The RQ queue every task goes to, with django-tasks-rq's job class (it runs a Task, not any function)."""
    return django_rq.get_queue(QUEUE, job_class=Job)


class RQBackend(BaseRQBackend):
    """django-tasks-rq's backend, with UUID task ids (its own are random strings): `Job.task_id` is a UUID, and a queued
    job whose task still waits is found by it (jobs.dead_q), whatever the backend. Otherwise django-tasks-rq 0.12.0's
    enqueue, without run_after (our tasks are never deferred)."""

    supports_defer = False

    def enqueue(self, task, args, kwargs):
        self.validate_task(task)
        result = TaskResult(task=task, id=str(uuid.uuid4()), status=TaskResultStatus.READY, enqueued_at=None,
                            started_at=None, last_attempted_at=None, finished_at=None, args=args, kwargs=kwargs,
                            backend=self.alias, errors=[], worker_ids=[])
        rq = django_rq.get_queue(task.queue_name, job_class=Job)
        job = rq.create_job(task.module_path, args=args, kwargs=kwargs, job_id=result.id, status=JobStatus.QUEUED,
                            on_failure=Callback(failed_callback), on_success=Callback(success_callback),
                            meta={"backend_name": self.alias})
        job = rq.enqueue_job(job, at_front=task.priority == TASK_MAX_PRIORITY)
        object.__setattr__(result, "enqueued_at", job.enqueued_at)
        task_enqueued.send(type(self), task_result=result)
        return result
