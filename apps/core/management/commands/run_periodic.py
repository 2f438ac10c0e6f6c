"""The periodic maintenance runner `make run` starts beside the web server (one per server, not per worker)."""

import os
import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection
from django.utils.translation import gettext_lazy

from apps.core import maintenance


class Command(BaseCommand):
    help = gettext_lazy("定期维护：每隔 MAINTENANCE_INTERVAL_MINUTES 分钟删除过期文件、标记中断的后台任务")

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="运行一次后退出")
        parser.add_argument("--interval", type=float, help="间隔分钟数（默认取 MAINTENANCE_INTERVAL_MINUTES）")

    def handle(self, *args, once=False, interval=None, **options):
        interval = (interval or settings.MAINTENANCE_INTERVAL_MINUTES) * 60
        stopping = []
        if not once:
            # make run starts this in the background of a non-interactive shell, where Ctrl-C may be ignored: the
            # shell's trap sends SIGTERM too; and if that shell is killed outright, we notice our parent changed.
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                signal.signal(sig, lambda *_: stopping.append(True))
        parent = os.getppid()
        media = True  # the first round also tightens modes of uploaded photos and attachments (a full walk)
        while not stopping:
            figures = maintenance.run_all(media=media)
            media = False
            if not connection.in_atomic_block:  # (a caller's transaction: call_command in a test)
                connection.close()  # no connection held between rounds
            if any(figures.get(key) for key in ("dead_jobs", "expired_files", "rate_limit_rows", "modes_tightened")):
                self.stdout.write(" ".join(f"{key}={value}" for key, value in figures.items()))
            if once:
                return
            deadline = time.monotonic() + interval
            while not stopping and time.monotonic() < deadline:
                if os.getppid() != parent:
                    return
                time.sleep(1)
