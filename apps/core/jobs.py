"""Run long jobs in a background thread and report progress through the Job row.

Deployments are a single server (often a laptop with SQLite), so a thread per job keeps
the platform free of a broker; JOBS_RUN_INLINE runs them synchronously (tests, scripts).
"""

import logging
import threading
import time
import traceback

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import Job

log = logging.getLogger(__name__)


class JobRejected(Exception):
    """The job's input is invalid; `result` explains why (shown to the user)."""

    def __init__(self, result):
        super().__init__("rejected")
        self.result = result


# Progress reported from inside a transaction (an import's write phase) is invisible to other
# connections until commit, so it is also kept here, per process, for the job page to read.
_live: dict = {}
_live_lock = threading.Lock()


def with_live_progress(job: Job) -> Job:
    """The job with the freshest progress this process knows of."""
    with _live_lock:
        live = _live.get(job.pk)
    if live and not job.is_finished:
        job.done, job.total, job.phase = live["done"], live["total"] or job.total, live["phase"] or job.phase
    return job


class Progress:
    """Throttled progress writer: at most a few updates a second."""

    def __init__(self, job: Job):
        self.job = job
        self._last = 0.0

    def __call__(self, done, total=None, phase=None, force=False):
        now = time.monotonic()
        if not force and now - self._last < 0.5:
            return
        self._last = now
        fields = {"done": done}
        if total is not None:
            fields["total"] = total
        if phase is not None:
            fields["phase"] = phase
        with _live_lock:
            previous = _live.get(self.job.pk, {})
            _live[self.job.pk] = {"done": done, "total": fields.get("total", previous.get("total")),
                                  "phase": fields.get("phase", previous.get("phase"))}
        if not connection.in_atomic_block:
            Job.objects.filter(pk=self.job.pk).update(**fields)


def _run(job_id, func, in_thread=False, language=None):
    # Messages and phases a job stores are written in the language of the user who started it.
    with translation.override(language or translation.get_language()):
        _run_job(job_id, func, in_thread)


def _run_job(job_id, func, in_thread):
    # A job thread of ours has its own connection to open and close; inline runs use the caller's.
    if in_thread:
        close_old_connections()
    job = Job.objects.get(pk=job_id)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING)
    try:
        result = func(job, Progress(job))
        Job.objects.filter(pk=job.pk).update(status=Job.Status.SUCCEEDED, result=result or {}, finished_at=timezone.now(),
                                             done=job.total or 0)
    except JobRejected as exc:
        Job.objects.filter(pk=job.pk).update(status=Job.Status.REJECTED, result=exc.result, finished_at=timezone.now())
    except Exception as exc:  # the user sees "failed"; the log gets where, not the message (it may hold row data)
        where = " < ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}" for f in reversed(traceback.extract_tb(exc.__traceback__)))
        log.error("job %s (%s) failed: %s at %s", job.pk, job.kind, type(exc).__name__, where)
        Job.objects.filter(pk=job.pk).update(status=Job.Status.FAILED, finished_at=timezone.now(),
                                             result={"message": _("任务执行出错，请联系系统管理员")})
    finally:
        with _live_lock:
            _live.pop(job.pk, None)
        if in_thread:
            connection.close()


def start(job: Job, func):
    """Run func(job, progress) now (inline) or in a background thread."""
    if settings.JOBS_RUN_INLINE:
        _run(job.pk, func)
    else:
        threading.Thread(target=_run, args=(job.pk, func, True, translation.get_language()), daemon=True, name=f"job-{job.pk}").start()
    return job
