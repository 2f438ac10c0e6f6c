"""The worker processes (`manage.py worker`): their heartbeat, the scheduler of periodic tasks, and readiness.

Each worker runs the task backend's worker loop (django-tasks-db's, or RQ's: apps.core.taskqueue) in its main thread
and, beside it, one thread that every JOB_HEARTBEAT_SECONDS (on its own connection, so also while a job sits in a
long transaction):

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
from django.utils import timezone
from django.utils.crypto import get_random_string

from . import jobs, maintenance, taskqueue
from .models import ScheduledRun, Worker

log = logging.getLogger(__name__)

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


_periodic = {}


def register_periodic(name: str, task, seconds: int):
    """A periodic task of a higher app (registered in its AppConfig.ready(), so core imports no domain app): a
    django_tasks task queued every `seconds`, like the maintenance round."""
    if name in _periodic or name in ("maintenance", "media_modes"):
        raise RuntimeError(f"periodic task {name!r} is already registered")
    _periodic[name] = (task, seconds)


def schedule():
    """The periodic tasks: (name, task, interval in seconds), each queued once per interval by whichever worker's
    heartbeat comes first (schedule_due)."""
    return (("maintenance", maintenance.maintenance_round, settings.MAINTENANCE_INTERVAL_MINUTES * 60),
            ("media_modes", maintenance.tighten_media, 24 * 3600),
            *((name, task, seconds) for name, (task, seconds) in _periodic.items()))


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
    return taskqueue.pending(task, now)


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

    def __init__(self, worker_id, *, scheduler=True, on_orphaned=None, also=None):
        super().__init__(daemon=True, name="worker-heartbeat")
        self.worker_id, self.scheduler, self.on_orphaned = worker_id, scheduler, on_orphaned
        self.also = also  # called with each beat: the RQ worker's own heartbeat while its task runs (rqueue)
        self.stopping = threading.Event()
        self.parent = os.getppid()

    def run(self):
        while not self.stopping.wait(settings.JOB_HEARTBEAT_SECONDS):
            if self.on_orphaned and os.getppid() != self.parent:
                self.on_orphaned()
                return
            try:
                beat_once(self.worker_id, scheduler=self.scheduler)
                if self.also:
                    self.also()
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
    except Exception:  # any database failure means "not ready"
        figures["database"] = "unreachable"
    if figures["database"] == "ok":
        try:
            figures.update(taskqueue.queue_figures(now))  # from the active backend: the database's table, or RQ's queue
        except Exception:  # its store failing means "not ready": this server could not queue a job
            if taskqueue.uses_rq():
                figures["queue"] = "unavailable"  # RQ's Redis
            else:
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
    if "queued" in figures:
        figures["workers_ok"] = not (figures["queued"] and not figures["workers"])
    ready = figures["database"] == "ok" and figures["cache"] == "ok" and figures.get("queue", "ok") == "ok"
    figures["status"] = "ok" if ready else "error"
    return ready, figures
