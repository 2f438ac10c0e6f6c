"""For the tests that start a worker or a server as a process of its own (PostgreSQL only: SQLite's test database
lives in the test process's memory): its environment, waiting for what it does, stopping it."""

import os
import time

from django.conf import settings
from django.db import connection


def database_url(db) -> str:
    """DATABASE_URL of a connection's settings (the test database, for a process of its own)."""
    user, host, port = db["USER"] or "postgres", db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def worker_env(var_dir) -> dict:
    """The environment of a `manage.py worker` (or a script running jobs) on the test database: this run's keys,
    heartbeats every second, no Redis, its own VAR_DIR."""
    return {**os.environ, "DATABASE_URL": database_url(connection.settings_dict), "VAR_DIR": str(var_dir),
            "JOB_HEARTBEAT_SECONDS": "1", "DJANGO_SETTINGS_MODULE": "config.settings", "REDIS_URL": "",
            "SECRET_KEY": settings.SECRET_KEY, "FIELD_ENCRYPTION_KEY": settings.FIELD_ENCRYPTION_KEY,
            "FIELD_HASH_KEY": settings.FIELD_HASH_KEY, "LOG_LEVEL": "WARNING", "DEBUG": "0"}


def wait_until(predicate, seconds) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def stop(process):
    if process.poll() is None:
        process.kill()
    process.wait(10)
