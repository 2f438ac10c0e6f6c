"""`manage.py worker`: a background worker — runs queued tasks (imports, exports, the periodic maintenance) with
django-tasks-db's worker loop (or RQ's, TASKS_BACKEND=rq), and beside it the heartbeat and the scheduler
(apps.core.workers). Run any number, on any machine that shares the database and JOBS_DIR (and, with RQ, the Redis);
`make run` starts one beside gunicorn."""

import os
import signal

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks_db.management.commands.db_worker import Worker as DBWorker
from rq.timeouts import BaseDeathPenalty
from rq.worker import SimpleWorker, WorkerStatus

from apps.core import jobs, taskqueue, workers
from apps.core.management.base import TranslatedCommand


class StopDeadline(BaseException):
    """Raised in the main thread when a task still runs WORKER_STOP_SECONDS after the worker was told to stop. Not an
    Exception, so no job code catches it: the job's lifecycle marks it interrupted and deletes its partial output
    (apps.core.jobs), or, inside a transaction, the worker's exit does (abandon_local_jobs)."""


class _Worker(DBWorker):
    def configure_signals(self):
        super().configure_signals()
        # make run starts us in the background of a non-interactive shell: its trap sends TERM; HUP when it hangs up.
        signal.signal(signal.SIGHUP, self.shutdown)
        signal.signal(signal.SIGALRM, self.stop_deadline)

    def shutdown(self, signum, frame):
        # django-tasks-db lets the running task finish however long it takes (systemd would SIGKILL it after
        # TimeoutStopSec, and nothing would mark its job): give it WORKER_STOP_SECONDS, then cut it short.
        first = self.running
        super().shutdown(signum, frame)  # exits at once when idle, and on a second signal
        if first and self.running_task:
            signal.alarm(max(1, settings.WORKER_STOP_SECONDS))

    def stop_deadline(self, signum, frame):
        if self.running_task:
            raise StopDeadline(f"task still running {settings.WORKER_STOP_SECONDS} s after the stop signal")


class _NoDeathPenalty(BaseDeathPenalty):
    """RQ's default limit (180 s, by SIGALRM) would kill a district import; a job runs as long as it needs, as with
    the database backend, and SIGALRM is the stop deadline's."""

    def setup_death_penalty(self):
        pass

    def cancel_death_penalty(self):
        pass


class _RQWorker(SimpleWorker):
    """RQ's worker loop without fork (SimpleWorker): the task runs in this process's main thread, like django-tasks-db's,
    so the heartbeat thread sees the jobs it registers (apps.core.jobs keeps them in this process's memory: a forked
    child's would be invisible and its jobs declared dead), the stop deadline's StopDeadline reaches the task, and
    no database connection is shared across a fork. A stop signal while a task runs: WORKER_STOP_SECONDS, then cut short."""

    death_penalty_class = _NoDeathPenalty
    _running = None  # (rq job, execution) while a task runs, for keepalive()

    def _install_signal_handlers(self):
        super()._install_signal_handlers()
        signal.signal(signal.SIGHUP, self.request_stop)  # make run's shell hanging up
        signal.signal(signal.SIGALRM, self.stop_deadline)

    def request_stop(self, signum, frame):
        signal.signal(signal.SIGHUP, self.request_force_stop)
        if self.get_state() == WorkerStatus.BUSY:
            signal.alarm(max(1, settings.WORKER_STOP_SECONDS))
        super().request_stop(signum, frame)  # raises StopRequested when idle: the loop ends at once

    def stop_deadline(self, signum, frame):
        if self.get_state() == WorkerStatus.BUSY:
            raise StopDeadline(f"task still running {settings.WORKER_STOP_SECONDS} s after the stop signal")

    def execute_job(self, job, queue):
        execution = self.prepare_execution(job)
        self._running = (job, execution)
        close_old_connections()  # as Django does around a request (and django-tasks-db around a task)
        try:
            self.perform_job(job, queue, execution)
        finally:
            self._running = None
            close_old_connections()
        self.set_state(WorkerStatus.IDLE)

    def keepalive(self):
        """From the heartbeat thread: RQ's heartbeats of this worker and of its running task, which in a forking worker
        its parent writes while the child works. Without them RQ would judge a task running longer than its TTL
        abandoned."""
        running = self._running
        if running:
            self.maintain_heartbeats(*running)


class Command(TranslatedCommand):
    help = gettext_lazy("后台任务进程：运行导入、导出和定期维护（可在多台机器上同时运行多个）")

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=1.0, help=_("队列为空时每隔多少秒查看一次（默认 1）"))
        parser.add_argument("--no-scheduler", action="store_true", help=_("不排定定期维护（只运行任务）"))
        parser.add_argument("--max-tasks", type=int, default=None, help=_("运行这么多个任务后退出"))

    def handle(self, *args, interval=1.0, no_scheduler=False, max_tasks=None, **options):
        worker_id = workers.new_worker_id()
        jobs.WORKER_ID = worker_id
        # The first heartbeat before the first task: a job is never run by a worker without a row.
        workers.beat_once(worker_id, scheduler=not no_scheduler)
        connection.close()
        if taskqueue.uses_rq():
            queue = taskqueue.rq_queue()
            loop = _RQWorker([queue], name=worker_id, connection=queue.connection, job_class=queue.job_class)
            run, also = (lambda: loop.work(max_jobs=max_tasks, with_scheduler=False, logging_level="WARNING")), loop.keepalive
        else:
            loop = _Worker(queue_names=["default"], interval=interval, batch=False, backend_name="default",
                           startup_delay=False, max_tasks=max_tasks, worker_id=worker_id, excluded_queue_names=[])

            def run():
                loop.configure_signals()
                loop.run()
            also = None
        beat = workers.Heartbeat(worker_id, scheduler=not no_scheduler, also=also,
                                 on_orphaned=lambda: os.kill(os.getpid(), signal.SIGTERM))
        beat.start()
        self.stdout.write(f"worker {os.getpid()} started")
        try:
            run()
        finally:
            signal.alarm(0)  # a deadline set for a task that finished in time
            beat.stop()
            try:
                jobs.abandon_local_jobs()  # a job cut short by a second Ctrl-C: failed now, not after JOB_STALE_MINUTES
                workers.forget(worker_id)
            finally:
                connection.close()
