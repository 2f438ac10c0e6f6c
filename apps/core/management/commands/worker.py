"""`manage.py worker`: a background worker — runs queued tasks (imports, exports, the periodic maintenance) with
django-tasks-db's worker loop, and beside it the heartbeat and the scheduler (apps.core.workers). Run any number, on
any machine that shares the database and JOBS_DIR; `make run` starts one beside gunicorn."""

import os
import signal

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks_db.management.commands.db_worker import Worker as DBWorker

from apps.core import jobs, workers
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
        loop = _Worker(queue_names=["default"], interval=interval, batch=False, backend_name="default",
                       startup_delay=False, max_tasks=max_tasks, worker_id=worker_id, excluded_queue_names=[])
        beat = workers.Heartbeat(worker_id, scheduler=not no_scheduler,
                                 on_orphaned=lambda: os.kill(os.getpid(), signal.SIGTERM))
        beat.start()
        self.stdout.write(f"worker {os.getpid()} started")
        try:
            loop.configure_signals()
            loop.run()
        finally:
            signal.alarm(0)  # a deadline set for a task that finished in time
            beat.stop()
            try:
                jobs.abandon_local_jobs()  # a job cut short by a second Ctrl-C: failed now, not after JOB_STALE_MINUTES
                workers.forget(worker_id)
            finally:
                connection.close()
