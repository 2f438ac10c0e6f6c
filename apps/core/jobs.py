"""Long jobs (imports, exports) as tasks of Django's Tasks interface, with progress reported through the Job row.

A service creates the Job row (and its audit row) and calls `start(job)`, which queues the one task every job goes
through, `run_job`, once that transaction commits. `manage.py worker` processes (any number, on any machine sharing
the database and JOBS_DIR) take tasks from the queue (django-tasks-db's database backend, or RQ's in Redis with
TASKS_BACKEND=rq: apps.core.taskqueue) and run the work the job's
kind registered (`register_kind(kind, run=...)`); the job page polls the Job row. Tests use the immediate backend:
the task runs during `start`.

A worker can die (kill -9, a machine lost), so a running job writes a heartbeat: with each progress update and, from
its worker's heartbeat thread, at least every JOB_HEARTBEAT_SECONDS, also while the job sits inside a long
transaction. A running job whose heartbeat is older than JOB_STALE_MINUTES, or whose worker's own heartbeat row is
gone or as old, and a queued job whose task is no longer waiting, died: `fail_dead_jobs` (the scheduled maintenance)
and the job page mark it failed and delete its partial output. Its input stays (until JOB_FILES_TTL_HOURS), so a
failed job can be started again (`reset_failed` + `start`, through the audited retry service its kind registered).
"""

import logging
import re
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from . import taskqueue
from .models import Job, Worker

log = logging.getLogger(__name__)

UNFINISHED = (Job.Status.QUEUED, Job.Status.RUNNING)


# ---- kinds of job: what the job page links to, declared by the app that starts them ----
# The job page is core's; the pages a finished job leads to (the member list, the compliance table) are the apps'.
# An app registers its kinds from its AppConfig.ready(); core imports none of them.

@dataclass(frozen=True)
class JobKind:
    section: str  # the menu entry the job page belongs to
    run: Callable | None = None  # (job, progress) -> result dict: the work, run by a worker from the Job row alone
    done_links: Callable | None = None  # (job) -> [(label, url)]: where a succeeded job leads
    retry_link: Callable | None = None  # (job) -> (label, url): where a refused job is started again
    retry: Callable | None = None  # (*, actor, job, request) -> Job: the app's audited service running a failed job again


_kinds: dict[str, JobKind] = {}


def register_kind(kind: str, *, section: str, run=None, done_links=None, retry_link=None, retry=None) -> JobKind:
    if kind in _kinds:
        raise RuntimeError(f"job kind {kind!r} is already registered")
    _kinds[kind] = JobKind(section=section, run=run, done_links=done_links, retry_link=retry_link, retry=retry)
    return _kinds[kind]


def kind_of(job: Job) -> JobKind:
    return _kinds.get(job.kind, JobKind(section=""))


def page_context(job: Job) -> dict:
    """What the job page shows besides the job: its menu section, the links of its kind, whether it can be retried."""
    kind = kind_of(job)
    return {"section": kind.section,
            "done_links": kind.done_links(job) if kind.done_links and job.status == Job.Status.SUCCEEDED else [],
            "retry_link": kind.retry_link(job) if kind.retry_link and job.status == Job.Status.REJECTED else None,
            "can_retry": kind.retry is not None and job.status == Job.Status.FAILED}


# Stored with the job (in the language of whoever marks it) and shown translated by the job page ("interrupted").
INTERRUPTED_MESSAGE = gettext_lazy("后台任务中断，请重新运行")


class JobAbandoned(Exception):
    """The job was marked finished by someone else (interrupted: its heartbeat was judged stale) while it ran: it stops
    at its next progress report, and nothing it does later may overwrite that status."""


def confirm_still_running(job) -> None:
    """Last statement of a job's own write transaction: lock the job's row and check it is still unfinished at this
    attempt, or raise JobAbandoned and so roll the writes back. A run declared dead (and perhaps retried) while it was
    writing never commits its rows beside the retry's; the lock is held only until the commit that follows."""
    if not Job.objects.select_for_update().filter(pk=job.pk, status__in=UNFINISHED, attempt=job.attempt).exists():
        raise JobAbandoned()


class JobFailed(Exception):
    """The job cannot run, for a reason the user is told (the message): failed, so 重试 is offered once it is fixed."""


class JobRejected(Exception):
    """The job's input is invalid; `result` explains why (shown to the user)."""

    def __init__(self, result):
        super().__init__("rejected")
        self.result = result


# The jobs running in this process, with their latest progress. Progress reported from inside a transaction (an
# import's write phase) is invisible to other connections until commit: the worker's heartbeat thread writes it to
# the Job row on its own connection (running_here, beat), so the job page (another process) sees it. The keys are
# also how this process knows which jobs it runs (not dead, whatever their stamp; interrupted when the worker stops).
_live: dict = {}
_live_lock = threading.Lock()


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
                                  "phase": fields.get("phase", previous.get("phase")), "attempt": self.job.attempt}
        if not connection.in_atomic_block:
            # Only while unfinished and still this attempt: a job already marked interrupted (or failed, or retried
            # since) stays so, and this run stops here.
            if not Job.objects.filter(pk=self.job.pk, status__in=UNFINISHED, attempt=self.job.attempt).update(
                    heartbeat_at=timezone.now(), **fields):
                raise JobAbandoned()


# --- Queueing and running ------------------------------------------------------------------------------------------
# The worker this process is (set by `manage.py worker`); None where jobs run in the caller (the immediate backend).
WORKER_ID: str | None = None


@task()
def run_job(job_id: str, language: str = "", attempt: int | None = None) -> str:
    """The task every long job goes through: the work its kind registered, on the Job row's progress record.
    Returns the job's final status (kept on the task row; the job's result, which may be personal, stays on the Job)."""
    job = Job.objects.filter(pk=job_id).only("pk", "kind").first()
    if job is None:
        return "missing"
    kind = kind_of(job)
    if kind.run is None:  # a kind removed from the code while its job waited
        log.error("job %s: no runner for kind %s", job_id, job.kind)
        Job.objects.filter(pk=job_id, status__in=UNFINISHED, **({"attempt": attempt} if attempt else {})).update(
            status=Job.Status.FAILED, finished_at=timezone.now(), result={"message": _("任务执行出错，请联系系统管理员")})
        return Job.Status.FAILED
    return run(job_id, kind.run, language=language, attempt=attempt).status


def _real_transaction() -> bool:
    # A test case's own wrapping transaction never commits: it does not count (as for the audit trail).
    return connection.in_atomic_block and any(not getattr(block, "_from_testcase", False)
                                              for block in connection.atomic_blocks)


def _after_commit(func):
    if connection.in_atomic_block and not _real_transaction():
        func()  # only a test case's wrapper around us: as if it were not there
    else:
        transaction.on_commit(func)  # at once when no transaction is open


def start(job: Job) -> Job:
    """Queue the job's task once the transaction that wrote the job (and its audit row) commits: a worker must find
    the row, and a rolled-back job is never run. Its messages are written in the language of whoever started it."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    pk, attempt = str(job.pk), job.attempt

    def enqueue():
        result = run_job.enqueue(pk, language, attempt)
        try:
            task_id = uuid.UUID(str(result.id))
        except ValueError:  # not a database backend's id (the immediate backend): nothing to wait for
            return
        Job.objects.filter(pk=pk, task_id__isnull=True, attempt=attempt).update(task_id=task_id)

    _after_commit(enqueue)
    return job


def reset_failed(job: Job) -> bool:
    """Make a failed job queued again, with its stored input (the retry services of the kinds call this inside their
    audited transaction, then `start`). False when it is not failed (any more): two clicks on 重试 start it once.
    A new attempt, with its own output path: the run of the attempt declared dead may still be going (a paused
    worker); its late writes are refused (they are conditional on its attempt) and its files are not this one's."""
    row = Job.objects.filter(pk=job.pk, status=Job.Status.FAILED).values("attempt", "output_file").first()
    if row is None or not Job.objects.filter(pk=job.pk, status=Job.Status.FAILED, attempt=row["attempt"]).update(
            status=Job.Status.QUEUED, done=0, phase="", result={}, finished_at=None, heartbeat_at=timezone.now(),
            task_id=None, worker="", attempt=row["attempt"] + 1,
            output_file=attempt_path(row["output_file"], row["attempt"] + 1)):
        return False
    job.refresh_from_db()
    return True


def attempt_path(name: str, attempt: int) -> str:
    """export-ab12.xlsx → export-ab12.a2.xlsx (attempt 2; attempt 1 keeps the name it was given)."""
    if not name:
        return name
    path = Path(name)
    stem = re.sub(r"\.a\d+$", "", path.stem)
    return str(path.with_name(f"{stem}.a{attempt}{path.suffix}" if attempt > 1 else f"{stem}{path.suffix}"))


def run(job, func, *, language=None, attempt=None) -> Job:
    """Run func(job, progress) under the job's lifecycle, in this process (the task, and tests); the job afterwards."""
    pk = getattr(job, "pk", job)
    with translation.override(language or translation.get_language() or settings.LANGUAGE_CODE):
        _run_job(pk, func, attempt)
    return Job.objects.get(pk=pk)


def _run_job(job_id, func, attempt=None):
    job = Job.objects.get(pk=job_id)
    if attempt is not None and attempt != job.attempt:  # the task of an attempt since retried: the retry runs it
        log.warning("job %s (%s): the task of attempt %s is superseded by attempt %s", job.pk, job.kind, attempt, job.attempt)
        return
    _register(job.pk, heartbeat=WORKER_ID is not None, attempt=job.attempt)
    # Every status change is conditional on the job being unfinished and still at this attempt: one marked interrupted
    # meanwhile (its heartbeat judged stale, e.g. a worker paused too long), and perhaps retried since, is never
    # started again nor later shown as succeeded by this run.
    unfinished = Job.objects.filter(pk=job.pk, status__in=UNFINISHED, attempt=job.attempt)
    cut_short = False
    try:
        if not unfinished.update(status=Job.Status.RUNNING, heartbeat_at=timezone.now(), worker=WORKER_ID or ""):
            raise JobAbandoned()
        result = func(job, Progress(job))
        # done = the row's total (the progress reports wrote it; `job` here is the row as it was before the work).
        if not unfinished.update(status=Job.Status.SUCCEEDED, result=result or {}, finished_at=timezone.now(),
                                 done=F("total")):
            raise JobAbandoned()
    except JobAbandoned:
        log.warning("job %s (%s) was marked finished while it ran; its result is discarded", job.pk, job.kind)
        _discard_files(job, output_only=True)  # written after the interruption was declared: not offered
    except JobRejected as exc:
        # The input will not pass next time either; but the input is shared by every attempt: only if still ours.
        ours = unfinished.update(status=Job.Status.REJECTED, result=exc.result, finished_at=timezone.now())
        _discard_files(job, output_only=not ours)
    except Exception as exc:  # the user sees "failed"; the log gets where, not the message (it may hold row data)
        where = " < ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}" for f in reversed(traceback.extract_tb(exc.__traceback__)))
        log.error("job %s (%s) failed: %s at %s", job.pk, job.kind, type(exc).__name__, where)
        message = str(exc) if isinstance(exc, JobFailed) else _("任务执行出错，请联系系统管理员")
        unfinished.update(status=Job.Status.FAILED, finished_at=timezone.now(), result={"message": message})
        _discard_files(job, output_only=True)  # a half-written export is of no use and may hold personal data
    except BaseException:  # the worker is being stopped (a second Ctrl-C, its stop deadline): say so now, not after JOB_STALE_MINUTES
        if _real_transaction():  # inside a caller's transaction, about to roll back: the worker's exit
            cut_short = True            # marks it (abandon_local_jobs), so it stays known as running here
            raise
        _mark_interrupted([job], only_stale=False)
        raise
    else:  # succeeded, as this attempt: its input has served (after a failure it stays for 重试)
        try:
            _discard_files(job, input_only=True)
        except OSError as exc:  # the job stands; the expiry purge takes the file later
            log.warning("job %s (%s): input not deleted: %s", job.pk, job.kind, type(exc).__name__)
    finally:
        if not cut_short:
            with _live_lock:
                _live.pop(job.pk, None)
                _beating.discard(job.pk)


# --- Heartbeat -------------------------------------------------------------------------------------------------
_beating: set = set()  # jobs this worker process runs: its heartbeat thread stamps these


def _register(pk, heartbeat, attempt=1):
    """Note the job (at this attempt) as running in this process; in a worker, for its heartbeat thread to stamp.
    (A job run by the immediate backend runs in its caller's request or script: its progress stamps it.)"""
    with _live_lock:
        _live[pk] = {"done": None, "total": None, "phase": None, "attempt": attempt}
        if heartbeat:
            _beating.add(pk)


def running_here() -> dict:
    """{pk: {"done", "total", "phase", "attempt"}} of the jobs this worker runs, for its heartbeat."""
    with _live_lock:
        return {pk: dict(_live[pk]) for pk in _beating if pk in _live}


def beat(running: dict):
    """Stamp the given jobs {pk: {"done", "total", "phase", "attempt"}} as alive, with their progress: a job inside a
    transaction cannot write its own row visibly, so its worker's heartbeat thread does (on its own connection). Only
    the attempt this worker runs: a retried job's row belongs to the retry."""
    now = timezone.now()
    for pk, live in running.items():
        fields = {key: value for key, value in live.items() if value is not None and key != "attempt"}
        Job.objects.filter(pk=pk, status__in=UNFINISHED, attempt=live.get("attempt", 1)).update(heartbeat_at=now, **fields)


# --- Dead jobs ---------------------------------------------------------------------------------------------------
def _cutoff(now=None):
    return (now or timezone.now()) - timedelta(minutes=settings.JOB_STALE_MINUTES)


def alive_workers(now=None):
    """The workers whose heartbeat is within JOB_STALE_MINUTES."""
    return Worker.objects.filter(last_seen__gte=_cutoff(now))


def dead_q(now=None) -> Q:
    """Jobs whose worker died: running, silent for JOB_STALE_MINUTES or run by a worker whose heartbeat row is gone or
    as silent; queued for that long while their task no longer waits (lost, or claimed by a worker that died
    before the job began). A queued job whose task waits is not dead, however long the queue."""
    cutoff = _cutoff(now)
    silent = Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff)
    worker_gone = ~Q(worker="") & ~Q(worker__in=alive_workers(now).values("worker_id"))
    waiting = taskqueue.waiting_task_ids(cutoff)  # in the database's queue table, or in RQ's queue (TASKS_BACKEND)
    return ((Q(status=Job.Status.RUNNING) & (silent | worker_gone))
            | (Q(status=Job.Status.QUEUED) & silent & (Q(task_id__isnull=True) | ~Q(task_id__in=waiting))))


def _local_ids():
    with _live_lock:
        return set(_live)


def _mark_interrupted(jobs, *, only_stale, now=None):
    now = now or timezone.now()
    marked = 0
    for job in jobs:
        rows = Job.objects.filter(pk=job.pk, status__in=UNFINISHED, attempt=job.attempt)  # not a retry of it since
        if only_stale:
            rows = rows.filter(dead_q(now))  # unless it beat since we read it
        if rows.update(status=Job.Status.FAILED, finished_at=now, result={"message": str(INTERRUPTED_MESSAGE), "interrupted": True}):
            log.warning("job %s (%s) interrupted: its worker stopped", job.pk, job.kind)
            _discard_files(job, output_only=True)  # the input stays for 重试 (deleted JOB_FILES_TTL_HOURS later)
            marked += 1
    return marked


def fail_dead_jobs(now=None) -> int:
    """Mark failed every job whose worker died (dead_q); delete its partial output. Jobs this process is running are
    alive whatever their stamp says. Also closes the task rows such workers left claimed."""
    jobs = Job.objects.filter(dead_q(now)).exclude(pk__in=_local_ids()).only("pk", "kind", "input_file", "output_file",
                                                                              "attempt")
    marked = _mark_interrupted(list(jobs), only_stale=True, now=now)
    if not taskqueue.uses_rq():  # RQ's workers close a dead worker's started jobs themselves (their registry's TTL)
        _fail_orphaned_tasks(now)
    return marked


def _fail_orphaned_tasks(now=None):
    """Task rows claimed by a worker that died stay "running" in django-tasks-db: close them, so the queue's figures
    (readiness, the admin) say what happened."""
    cutoff = _cutoff(now)
    alive = set(alive_workers(now).values_list("worker_id", flat=True))
    orphaned = [row.pk for row in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff)
                .only("pk", "worker_ids") if not row.worker_ids or row.worker_ids[-1] not in alive]
    if orphaned:
        DBTaskResult.objects.filter(pk__in=orphaned, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.FAILED, finished_at=now or timezone.now(),
            exception_class_path="apps.core.jobs.WorkerDied", traceback="")
    return len(orphaned)


def fail_if_dead(job: Job) -> Job:
    """The job page's check of the one job it shows (a cheap look at one row, not a sweep): a job shown as running is
    still alive, else it is marked failed now rather than at the next maintenance."""
    if job.status in UNFINISHED and job.pk not in _local_ids() and Job.objects.filter(dead_q(), pk=job.pk).exists():
        _mark_interrupted([job], only_stale=True)
        job.refresh_from_db()
    return job


def abandon_local_jobs() -> int:
    """This worker is stopping: the jobs it runs stop with it, so say so at once."""
    with _live_lock:
        attempts = {pk: live.get("attempt", 1) for pk, live in _live.items()}
    ids = set(attempts)
    if not ids:
        return 0
    try:
        rows = list(Job.objects.filter(pk__in=ids).only("pk", "kind", "input_file", "output_file", "attempt"))
        for row in rows:
            row.attempt = attempts[row.pk]  # the attempt this worker runs (a retry of it since is not ours to mark)
        return _mark_interrupted(rows, only_stale=False)
    finally:
        with _live_lock:
            for pk in ids:
                _live.pop(pk, None)
                _beating.discard(pk)


def _discard_files(job, *, output_only=False, input_only=False):
    """Delete a job's partial output (and, unless output_only, its input; with input_only, only its input): only files
    under JOBS_DIR, the only place jobs write."""
    root = Path(settings.JOBS_DIR).resolve()
    names = (job.output_file,) if output_only else (job.input_file,) if input_only else (job.input_file, job.output_file)
    for name in names:
        if not name:
            continue
        path = Path(name).resolve()
        if path.is_relative_to(root):
            path.unlink(missing_ok=True)
