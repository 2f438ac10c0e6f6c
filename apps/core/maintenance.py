"""Periodic maintenance: dead jobs, expired job files, expired rate-limit rows, old task rows, modes of files with
personal data.

Scheduled tasks: the workers' scheduler (apps.core.workers) queues `maintenance_round` every
MAINTENANCE_INTERVAL_MINUTES and `tighten_media` daily, each once per slot whatever the number of workers;
`manage.py purge_expired_files` runs a whole round once (cron, by hand).
"""

import logging
import os
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from . import jobs, ratelimit
from .models import Job, ScheduledRun, Worker

log = logging.getLogger(__name__)


def _within(path: Path, root: Path) -> bool:
    try:
        return path.resolve().is_relative_to(root)
    except OSError:
        return False


FINISHED = (Job.Status.SUCCEEDED, Job.Status.REJECTED, Job.Status.FAILED)


def _expired_jobs(cutoff):
    return list(Job.objects.filter(status__in=FINISHED, finished_at__lt=cutoff).exclude(input_file="", output_file="")
                .only("pk", "input_file", "output_file"))


def purge_expired_files(now=None) -> int:
    """Delete job files JOB_FILES_TTL_HOURS after their job finished, and any file in JOBS_DIR no unfinished job
    claims that was last written longer ago than that (left by a crash, an older version). Returns files deleted."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.JOB_FILES_TTL_HOURS)
    root = Path(settings.JOBS_DIR).resolve()
    deleted = 0
    for job in _expired_jobs(cutoff):
        # The row first, and only if it is still expired: a job retried since we read it (queued again, with its
        # input) keeps its files. The row keeps output_name and finished_at: the job page and the download say the
        # file expired.
        if not Job.objects.filter(pk=job.pk, status__in=FINISHED, finished_at__lt=cutoff).update(input_file="", output_file=""):
            continue
        for name in (job.input_file, job.output_file):
            path = Path(name)
            if name and _within(path, root) and path.exists():
                path.unlink(missing_ok=True)
                deleted += 1
    if root.is_dir():
        claimed = set()
        for pair in Job.objects.filter(status__in=jobs.UNFINISHED).values_list("input_file", "output_file"):
            claimed.update(str(Path(name).resolve()) for name in pair if name)
        for entry in os.scandir(root):
            if not entry.is_file(follow_symlinks=False) or str(Path(entry.path).resolve()) in claimed:
                continue
            if entry.stat(follow_symlinks=False).st_mtime < cutoff.timestamp():
                Path(entry.path).unlink(missing_ok=True)
                deleted += 1
    return deleted


def secure_files(*, media=False) -> int:
    """Make what var/ holds private to the service user: 0700 directories, 0600 files (the job files; with media,
    also uploaded photos and attachments, which the application serves itself after an access check).
    Returns the number of modes changed."""
    changed = 0

    def tighten(path, mode):
        nonlocal changed
        try:
            if os.lstat(path).st_mode & 0o077:
                os.chmod(path, mode)
                changed += 1
        except (FileNotFoundError, PermissionError):
            pass

    roots = [Path(settings.JOBS_DIR)] + ([Path(settings.MEDIA_ROOT)] if media else [])
    for root in roots:
        if not root.is_dir():
            continue
        tighten(root, 0o700)
        for directory, dirnames, filenames in os.walk(root):
            for name in dirnames:
                tighten(os.path.join(directory, name), 0o700)
            for name in filenames:
                tighten(os.path.join(directory, name), 0o600)
    return changed


def purge_task_rows(now=None) -> int:
    """Delete finished task rows, schedule rows and the rows of workers gone, TASK_ROWS_KEEP_DAYS old."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.TASK_ROWS_KEEP_DAYS)
    finished = (TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED)
    return (DBTaskResult.objects.filter(status__in=finished, finished_at__lt=cutoff).delete()[0]
            + ScheduledRun.objects.filter(created_at__lt=cutoff).delete()[0]
            + Worker.objects.filter(last_seen__lt=cutoff).delete()[0])


def run_all(*, media=False) -> dict:
    """One round of maintenance; a step that fails is logged and the others still run."""
    figures = {}
    steps = [("dead_jobs", jobs.fail_dead_jobs), ("expired_files", purge_expired_files),
             ("rate_limit_rows", ratelimit.purge), ("task_rows", purge_task_rows),
             ("modes_tightened", lambda: secure_files(media=media))]
    for name, step in steps:
        started = time.monotonic()
        try:
            figures[name] = step()
        except Exception as exc:  # keep the runner alive; the next round tries again
            log.error("maintenance step %s failed: %s", name, type(exc).__name__)
            figures[name] = "error"
        if time.monotonic() - started > 60:
            log.warning("maintenance step %s took %.0f s", name, time.monotonic() - started)
    return figures


@task()
def maintenance_round() -> dict:
    """The scheduled round (every MAINTENANCE_INTERVAL_MINUTES); its figures are kept on the task row."""
    return run_all()


@task()
def tighten_media() -> dict:
    """Daily: also the modes of uploaded photos and attachments (a walk over all of them)."""
    return {"modes_tightened": secure_files(media=True)}
