"""The worker processes (`manage.py worker`): their heartbeat, the scheduler of periodic tasks, and readiness.

Each worker runs django-tasks-db's worker loop in its main thread and, beside it, one thread that every
JOB_HEARTBEAT_SECONDS (on its own connection, so also while a job sits in a long transaction):

- writes the worker's row (`Worker`: host, pid, last seen) — readiness counts the live ones, and a running job whose
  worker's row is gone or silent died with it (`jobs.dead_q`);
- stamps the jobs this worker runs, with their latest progress (`jobs.beat`);
- queues the periodic tasks that are due (`schedule_due`): each once per time slot, whatever the number of workers,
  since the slot's unique `ScheduledRun` row is inserted in the same transaction as the task and only one insert wins.
"""

import logging
import os
import socket
import threading
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from . import jobs, maintenance
from .models import ScheduledRun, Worker

log = logging.getLogger(__name__)

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def schedule():
    """The periodic tasks: (name, task, interval in seconds), each queued once per interval by whichever worker's
    heartbeat comes first (schedule_due)."""
    return (("maintenance", maintenance.maintenance_round, settings.MAINTENANCE_INTERVAL_MINUTES * 60),
            ("media_modes", maintenance.tighten_media, 24 * 3600))


def slot_of(now, seconds) -> datetime:
    """The start of the slot `now` falls in: slots of `seconds` aligned to EPOCH, the same on every machine."""
    return EPOCH + timedelta(seconds=int((now - EPOCH).total_seconds() // seconds * seconds))


def schedule_due(now=None) -> list[str]:
    """Queue each periodic task whose current slot nobody has queued yet, unless its previous run still waits or runs
    (behind long jobs, rounds would pile up; its slot is claimed once that run is done). The names queued by this call."""
    now = now or timezone.now()
    queued = []
    for name, task, seconds in schedule():
        if _still_pending(task, now):
            continue
        try:
            with transaction.atomic():  # the claim and the task commit together, or neither
                ScheduledRun.objects.create(name=name, slot=slot_of(now, seconds))
                task.enqueue()
        except IntegrityError:  # another worker has queued this slot
            continue
        queued.append(name)
    return queued


def _still_pending(task, now) -> bool:
    """A run of the task still queued, or running and started within JOB_STALE_MINUTES (a run left "running" by a
    worker that died is closed by the maintenance round itself: it must not block the next one forever)."""
    started_since = now - timedelta(minutes=settings.JOB_STALE_MINUTES)
    return DBTaskResult.objects.filter(task_path=task.module_path).filter(
        Q(status=TaskResultStatus.READY) | Q(status=TaskResultStatus.RUNNING, started_at__gte=started_since)).exists()


def new_worker_id() -> str:
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{get_random_string(8)}"[:64]


def beat_once(worker_id: str, *, scheduler=True, now=None):
    """One heartbeat of a worker: its row, its jobs' stamps, the scheduler."""
    now = now or timezone.now()
    Worker.objects.update_or_create(worker_id=worker_id, defaults={
        "hostname": socket.gethostname()[:200], "pid": os.getpid(), "last_seen": now})
    jobs.beat(jobs.running_here())
    if scheduler:
        schedule_due(now)


def forget(worker_id: str):
    Worker.objects.filter(worker_id=worker_id).delete()


class Heartbeat(threading.Thread):
    """The worker's heartbeat thread (see the module's docstring). `on_orphaned` is called when the process that
    started the worker is gone (make run's shell killed outright), so the worker stops rather than lingers."""

    def __init__(self, worker_id, *, scheduler=True, on_orphaned=None):
        super().__init__(daemon=True, name="worker-heartbeat")
        self.worker_id, self.scheduler, self.on_orphaned = worker_id, scheduler, on_orphaned
        self.stopping = threading.Event()
        self.parent = os.getppid()

    def run(self):
        while not self.stopping.wait(settings.JOB_HEARTBEAT_SECONDS):
            if self.on_orphaned and os.getppid() != self.parent:
                self.on_orphaned()
                return
            try:
                beat_once(self.worker_id, scheduler=self.scheduler)
            except Exception as exc:  # noqa: BLE001 — whatever failed (a lock timeout, a broken connection, enqueue):
                # the thread must live on, or this worker's running jobs would be declared dead while it runs them.
                # The type only: a message may quote row data.
                log.warning("worker heartbeat not written: %s", type(exc).__name__)
            finally:
                try:
                    connection.close()  # held only for the beat, not between beats; a broken one is dropped here
                except Exception as exc:  # noqa: BLE001 — closing a broken connection may raise too
                    log.warning("worker heartbeat connection not closed: %s", type(exc).__name__)

    def stop(self):
        self.stopping.set()
        self.join(timeout=5)


# --- Readiness ---------------------------------------------------------------------------------------------------
def readiness(now=None) -> tuple[bool, dict]:
    """(ready, figures) for /readyz: this web server can serve — the database answers, the cache stores and returns a
    value. The queue's figures are information (`workers_ok`: no task waits without a live worker), not readiness: a
    worker problem must not take every web server out of the load balancer. Counts only: no host names, no task
    arguments."""
    now = now or timezone.now()
    figures = {"database": "ok", "cache": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        figures["workers"] = jobs.alive_workers(now).count()
        queue = DBTaskResult.objects.ready().aggregate(n=Count("pk"), oldest=Min("enqueued_at"))
        figures["queued"] = queue["n"]
        figures["oldest_queued_seconds"] = int((now - queue["oldest"]).total_seconds()) if queue["oldest"] else 0
        figures["running"] = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).count()
    except Exception:  # any database failure means "not ready"
        figures["database"] = "unreachable"
    try:
        key, token = f"readyz:{get_random_string(12)}", get_random_string(12)
        cache.set(key, token, 30)
        ok = cache.get(key) == token
        cache.delete(key)
    except Exception:  # a cache that raises is as good as none
        ok = False
    if not ok:
        figures["cache"] = "unavailable"
    if figures["database"] == "ok":
        figures["workers_ok"] = not (figures["queued"] and not figures["workers"])
    ready = figures["database"] == "ok" and figures["cache"] == "ok"
    figures["status"] = "ok" if ready else "error"
    return ready, figures
