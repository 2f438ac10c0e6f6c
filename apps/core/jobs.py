"""Run long jobs in a background thread and report progress through the Job row.

Deployments are a single server (often a laptop with SQLite), so a thread per job keeps
the platform free of a broker; JOBS_RUN_INLINE runs them synchronously (tests, scripts).

A job thread dies with its process (kill -9, a server worker restarted after a timeout), so a running job writes a
heartbeat: with each progress update and, from one heartbeat thread per process, at least every
JOB_HEARTBEAT_SECONDS, also while the job sits inside a long transaction. A queued or running job whose heartbeat is
older than JOB_STALE_MINUTES is marked failed (`fail_dead_jobs`, run by the periodic maintenance and when its page is
polled) and its partial output deleted.
"""

import logging
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Job

log = logging.getLogger(__name__)

UNFINISHED = (Job.Status.QUEUED, Job.Status.RUNNING)


# ---- kinds of job: what the job page links to, declared by the app that starts them ----
# The job page is core's; the pages a finished job leads to (the member list, the compliance table) are the apps'.
# An app registers its kinds from its AppConfig.ready(); core imports none of them.

@dataclass(frozen=True)
class JobKind:
    section: str  # the menu entry the job page belongs to
    done_links: Callable | None = None  # (job) -> [(label, url)]: where a succeeded job leads
    retry_link: Callable | None = None  # (job) -> (label, url): where a refused job is started again


_kinds: dict[str, JobKind] = {}


def register_kind(kind: str, *, section: str, done_links=None, retry_link=None) -> JobKind:
    if kind in _kinds:
        raise RuntimeError(f"job kind {kind!r} is already registered")
    _kinds[kind] = JobKind(section=section, done_links=done_links, retry_link=retry_link)
    return _kinds[kind]


def page_context(job: Job) -> dict:
    """What the job page shows besides the job: its menu section and the links of its kind."""
    kind = _kinds.get(job.kind, JobKind(section=""))
    return {"section": kind.section,
            "done_links": kind.done_links(job) if kind.done_links and job.status == Job.Status.SUCCEEDED else [],
            "retry_link": kind.retry_link(job) if kind.retry_link and job.status == Job.Status.REJECTED else None}


# Stored with the job (in the language of whoever marks it) and shown translated by the job page ("interrupted").
INTERRUPTED_MESSAGE = gettext_lazy("后台任务中断，请重新运行")


class JobAbandoned(Exception):
    """The job was marked finished by someone else (interrupted: its heartbeat was judged stale) while it ran: it stops
    at its next progress report, and nothing it does later may overwrite that status."""


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
    if live and live["done"] is not None and not job.is_finished:
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
            # Only while unfinished: a job already marked interrupted (or failed) stays so, and stops here.
            if not Job.objects.filter(pk=self.job.pk, status__in=UNFINISHED).update(heartbeat_at=timezone.now(), **fields):
                raise JobAbandoned()


def _run(job_id, func, in_thread=False, language=None):
    # Messages and phases a job stores are written in the language of the user who started it.
    with translation.override(language or translation.get_language()):
        _run_job(job_id, func, in_thread)


def _run_job(job_id, func, in_thread):
    # A job thread of ours has its own connection to open and close; inline runs use the caller's.
    if in_thread:
        close_old_connections()
    job = Job.objects.get(pk=job_id)
    _register(job.pk, heartbeat=in_thread)
    # Every status change is conditional on the job being unfinished: one marked interrupted meanwhile (its heartbeat
    # judged stale, e.g. a worker paused too long) is never started again nor later shown as succeeded.
    unfinished = Job.objects.filter(pk=job.pk, status__in=UNFINISHED)
    try:
        if not unfinished.update(status=Job.Status.RUNNING, heartbeat_at=timezone.now()):
            raise JobAbandoned()
        result = func(job, Progress(job))
        if not unfinished.update(status=Job.Status.SUCCEEDED, result=result or {}, finished_at=timezone.now(),
                                 done=job.total or 0):
            raise JobAbandoned()
    except JobAbandoned:
        log.warning("job %s (%s) was marked finished while it ran; its result is discarded", job.pk, job.kind)
        _discard_files(job)  # written after the interruption was declared (and its files deleted): not offered
    except JobRejected as exc:
        unfinished.update(status=Job.Status.REJECTED, result=exc.result, finished_at=timezone.now())
        _discard_files(job)
    except Exception as exc:  # the user sees "failed"; the log gets where, not the message (it may hold row data)
        where = " < ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}" for f in reversed(traceback.extract_tb(exc.__traceback__)))
        log.error("job %s (%s) failed: %s at %s", job.pk, job.kind, type(exc).__name__, where)
        unfinished.update(status=Job.Status.FAILED, finished_at=timezone.now(),
                          result={"message": _("任务执行出错，请联系系统管理员")})
        _discard_files(job)  # a half-written export is of no use and may hold personal data
    finally:
        with _live_lock:
            _live.pop(job.pk, None)
            _beating.discard(job.pk)
        if in_thread:
            connection.close()


def start(job: Job, func):
    """Run func(job, progress) now (inline) or in a background thread."""
    if settings.JOBS_RUN_INLINE:
        _run(job.pk, func)
    else:
        threading.Thread(target=_run, args=(job.pk, func, True, translation.get_language()), daemon=True, name=f"job-{job.pk}").start()
    return job


# --- Heartbeat -------------------------------------------------------------------------------------------------
_beat_thread = None
_beating: set = set()  # jobs running in a thread of this process: the heartbeat thread stamps these


def _register(pk, heartbeat):
    """Note the job as running in this process; in a job thread, make sure the heartbeat thread runs. (An inline
    job runs in its caller's request or script, which the heartbeat thread leaves alone: its progress stamps it.)"""
    global _beat_thread
    with _live_lock:
        _live.setdefault(pk, {"done": None, "total": None, "phase": None})
        if heartbeat:
            _beating.add(pk)
            if _beat_thread is None or not _beat_thread.is_alive():
                _beat_thread = threading.Thread(target=_heartbeat_loop, daemon=True, name="job-heartbeat")
                _beat_thread.start()


def _heartbeat_loop():
    """Every JOB_HEARTBEAT_SECONDS, on its own connection, stamp the jobs this process runs, with their latest
    progress: a job inside a transaction cannot write either (and other server workers, which answer the job page
    too, see its progress this way). Ends when no job runs in a thread of this process."""
    global _beat_thread
    while True:
        time.sleep(settings.JOB_HEARTBEAT_SECONDS)
        with _live_lock:
            running = {pk: dict(_live[pk]) for pk in _beating if pk in _live}
            if not running:
                _beat_thread = None
                return
        try:
            beat(running)
        except DatabaseError as exc:  # e.g. SQLite's write lock held past its timeout: try again next time
            log.warning("job heartbeat not written: %s", type(exc).__name__)
        finally:
            connection.close()  # held only for the beat, not between beats


def beat(running: dict):
    """Stamp the given jobs {pk: {"done", "total", "phase"}} as alive, with their progress."""
    now = timezone.now()
    for pk, live in running.items():
        fields = {key: value for key, value in live.items() if value is not None}
        Job.objects.filter(pk=pk, status__in=UNFINISHED).update(heartbeat_at=now, **fields)


# --- Dead jobs ---------------------------------------------------------------------------------------------------
def stale_q(now=None):
    cutoff = (now or timezone.now()) - timedelta(minutes=settings.JOB_STALE_MINUTES)
    return Q(status__in=UNFINISHED) & (Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff))


def _local_ids():
    with _live_lock:
        return set(_live)


def _mark_interrupted(jobs, *, only_stale, now=None):
    now = now or timezone.now()
    marked = 0
    for job in jobs:
        rows = Job.objects.filter(pk=job.pk, status__in=UNFINISHED)
        if only_stale:
            rows = rows.filter(stale_q(now))  # unless it beat since we read it
        if rows.update(status=Job.Status.FAILED, finished_at=now, result={"message": str(INTERRUPTED_MESSAGE), "interrupted": True}):
            log.warning("job %s (%s) interrupted: its process stopped", job.pk, job.kind)
            _discard_files(job)
            marked += 1
    return marked


def fail_dead_jobs(now=None) -> int:
    """Mark failed every queued or running job whose heartbeat stopped; delete its partial files. Jobs this process
    is running are alive whatever their stamp says."""
    jobs = Job.objects.filter(stale_q(now)).exclude(pk__in=_local_ids()).only("pk", "kind", "input_file", "output_file")
    return _mark_interrupted(list(jobs), only_stale=True, now=now)


def fail_if_dead(job: Job) -> Job:
    """The job page's check: a job shown as running is still alive, else it is marked failed now."""
    if job.status in UNFINISHED and job.pk not in _local_ids() and Job.objects.filter(stale_q(), pk=job.pk).exists():
        _mark_interrupted([job], only_stale=True)
        job.refresh_from_db()
    return job


def abandon_local_jobs() -> int:
    """This process is stopping (a server worker exits): its job threads die with it, so say so at once."""
    ids = _local_ids()
    if not ids:
        return 0
    try:
        return _mark_interrupted(list(Job.objects.filter(pk__in=ids).only("pk", "kind", "input_file", "output_file")),
                                 only_stale=False)
    finally:
        if not connection.in_atomic_block:
            connection.close()


def _discard_files(job):
    """Delete a job's leftover input and partial output: only files under JOBS_DIR, the only place jobs write."""
    root = Path(settings.JOBS_DIR).resolve()
    for name in (job.input_file, job.output_file):
        if not name:
            continue
        path = Path(name).resolve()
        if path.is_relative_to(root):
            path.unlink(missing_ok=True)
