"""`make soak` in short (scripts/soak.py, 10 s, 20 residents): two gunicorn servers and two task workers on loopback,
sharing PostgreSQL and Redis, take submissions through both; the script checks the figures, the database and the
limits across the servers, and exits non-zero when anything is wrong.

PostgreSQL and Redis only: the servers are other processes, which cannot see SQLite's in-memory test database, and
the limits across servers are what Redis is for. The script works in its own database (test_<name>_soak, dropped and
copied from test_<name>_soak_template at the start, left for the next run; the template is rebuilt when the
migrations or the demo change) and under its own Redis key prefix; SOAK_PORTS=a,b picks its ports (default: free ones).
"""

import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from tests.redis_store import REDIS_TEST_URL, require_redis

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql",
                                reason="the servers are other processes: they cannot see SQLite's in-memory test database")


def _soak_database_url():
    db = connection.settings_dict
    base = re.sub(r"_gw\d+$", "", re.sub(r"^test_", "", db["NAME"]))  # one name whichever xdist worker runs it
    user, host, port = quote(db["USER"] or "postgres"), db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    return f"postgres://{user}{password}@{host}:{port}/test_{base}_soak"


@pytest.mark.slow(40)
def test_soak_two_servers_short():
    require_redis()
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "scripts/soak.py", "--seconds", "10", "--clients", "20", "--import-rows", "200",
         "--database-url", _soak_database_url(), "--redis-url", REDIS_TEST_URL],  # only this run's keys are deleted
        cwd=ROOT, capture_output=True, text=True, timeout=10 + 120 + 30)
    took = time.monotonic() - started
    output = result.stdout + result.stderr
    print(output)  # the figures, with -s
    assert result.returncode == 0, output[-6000:]
    assert "soak passed" in output and "FAIL" not in output
    assert re.search(r"^5xx +0$", output, re.M), output[-3000:]
    accepted = int(re.search(r"^accepted \(2xx / 302\) +(\d+)", output, re.M).group(1))
    assert accepted > 20, output[-3000:]  # twenty residents for ten seconds: more than one submission each
    assert re.search(r"member import +succeeded", output), output[-3000:]
    assert took < 10 + 120 + 30
