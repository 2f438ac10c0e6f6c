"""The servers `make run` and `make dev` start keep database connections bounded under load (PostgreSQL only).

Each test starts the real server in a subprocess against the test database (a transactional test, so the data is
visible to it), fires concurrent requests, and counts the server's connections in pg_stat_activity (the subprocess
tags them with its own application_name).
"""

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from tests.processes import database_url

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="connection counts are PostgreSQL's pg_stat_activity"),
    pytest.mark.django_db(transaction=True),
]

WORKERS, THREADS = 2, 4
REQUESTS, CONCURRENCY = 400, 32


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_env(tmp_path, appname, port):
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": database_url(connection.settings_dict),
        "PGAPPNAME": appname,  # libpq's application_name: how pg_stat_activity tells the server's connections apart
        "SECRET_KEY": settings.SECRET_KEY, "FIELD_ENCRYPTION_KEY": settings.FIELD_ENCRYPTION_KEY,
        "FIELD_HASH_KEY": settings.FIELD_HASH_KEY, "VAR_DIR": str(tmp_path / "var"),
        "PORT": str(port), "WEB_WORKERS": str(WORKERS), "WEB_THREADS": str(THREADS), "DB_CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
    })
    return env


class Monitor(threading.Thread):
    """Samples the server's connection count from a connection of its own (to the maintenance database)."""

    def __init__(self, appname):
        super().__init__(daemon=True)
        self.appname, self.peak, self.samples, self._halt = appname, 0, 0, threading.Event()
        db = connection.settings_dict
        self.conn = psycopg.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"] or "postgres",
                                    password=db["PASSWORD"] or None, dbname="postgres", autocommit=True)

    def count(self):
        return self.conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name = %s",
                                 [connection.settings_dict["NAME"], self.appname]).fetchone()[0]

    def run(self):
        while not self._halt.is_set():
            self.peak = max(self.peak, self.count())
            self.samples += 1
            time.sleep(0.05)

    def stop(self):
        self._halt.set()
        self.join(5)


def _start(command, env, port):
    server = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:
            if server.poll() is not None:
                raise AssertionError(server.stderr.read().decode()[-2000:]) from None
            time.sleep(0.2)
    server.kill()
    raise AssertionError("server did not start")


def _stop(server):
    server.terminate()
    try:
        server.wait(30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def _load(port, cookie, requests=REQUESTS, concurrency=CONCURRENCY):
    """Requests from concurrent threads, alternating the health check and a page that reads the database."""
    def one(i):
        path = "/healthz" if i % 2 else "/members/"
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Cookie": f"sessionid={cookie}"})
        try:
            with urllib.request.urlopen(request, timeout=90) as response:
                response.read()
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    with ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(one, range(requests)))


def _session_cookie(client, user):
    client.force_login(user)
    return client.cookies["sessionid"].value


def test_gunicorn_keeps_connections_within_workers_times_threads(tree, client, tmp_path):
    appname, port = f"yg-soak-{uuid.uuid4().hex[:8]}", _free_port()
    cookie = _session_cookie(client, tree.users["district_admin"])
    server = _start([sys.executable, "-m", "gunicorn", "--config", str(Path(settings.BASE_DIR) / "config" / "gunicorn.conf.py")],
                    _server_env(tmp_path, appname, port), port)
    monitor = Monitor(appname)
    monitor.start()
    try:
        started = time.monotonic()
        statuses = _load(port, cookie)
        elapsed = time.monotonic() - started
        after = monitor.count()
    finally:
        monitor.stop()
        _stop(server)
        time.sleep(0.5)
        closed = monitor.count()
        monitor.conn.close()
    assert len(statuses) == REQUESTS and all(200 <= status < 400 for status in statuses), sorted(set(statuses))
    assert monitor.samples > 3, "the monitor saw the load"
    # Connections are kept (CONN_MAX_AGE) but one per worker thread at most, however many requests came in.
    assert 1 <= monitor.peak <= WORKERS * THREADS + 1, monitor.peak
    assert after <= WORKERS * THREADS
    assert elapsed < 60
    assert closed == 0, "stopping the server closes its connections"


def test_development_server_keeps_no_connection_after_a_request(tree, client, tmp_path):
    """runserver starts a thread per request: a kept connection would be left behind by each (the leak). Fewer
    requests than PostgreSQL's max_connections, so a regression fails here without starving other clients."""
    appname, port = f"yg-dev-{uuid.uuid4().hex[:8]}", _free_port()
    cookie = _session_cookie(client, tree.users["district_admin"])
    server = _start([sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
                    _server_env(tmp_path, appname, port), port)
    monitor = Monitor(appname)
    try:
        statuses = _load(port, cookie, requests=60, concurrency=8)
        time.sleep(0.5)
        left = monitor.count()
    finally:
        _stop(server)
        monitor.conn.close()
    assert all(200 <= status < 400 for status in statuses), sorted(set(statuses))
    assert left == 0, f"{left} connections left open after the requests ended"
