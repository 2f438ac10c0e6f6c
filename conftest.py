"""Test-wide settings and fixtures."""

from pathlib import Path

import pytest

BROWSER_TESTS = Path(__file__).resolve().parent / "tests" / "browser"


def pytest_collection_modifyitems(config, items):
    """Everything under tests/browser is marked `browser`: `-m browser` selects them, `-m "not browser"` leaves them out.

    Tests marked `slow(seconds)` (the bad-input sweep, every route for every role) run first, longest first: handed
    out at the start, pytest-xdist's workers fill in the short tests around them instead of one worker finishing them
    alone at the end (longest first is the usual way to even out parallel work)."""
    for item in items:
        if BROWSER_TESTS in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)

    def seconds(item):
        marker = item.get_closest_marker("slow")
        return marker.args[0] if marker else 0

    items.sort(key=seconds, reverse=True)  # stable: the rest keep their order


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Every run has a `replica` alias, a test mirror of the default database (the same test database, another
    connection), so apps/core/tests/test_dbrouter.py can tell which alias a read went to. Nothing is routed to it
    unless a test turns DATABASE_REPLICA_READS on and allows the alias (databases=[…, "replica"])."""
    import copy

    from django.db import connections

    if "replica" not in connections.settings:
        replica = copy.deepcopy(connections["default"].settings_dict)
        replica["TEST"] = {**replica["TEST"], "NAME": None, "MIRROR": "default"}
        connections.settings["replica"] = replica


@pytest.fixture
def replica_reads(settings):
    """Reads opted in with `reading_from_replica` go to the replica alias (tests/replica.py's tests only)."""
    settings.DATABASE_REPLICA_READS = True


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    # Tasks (long jobs, the scheduled maintenance) run at once in the caller: deterministic. The worker's own tests
    # use the database backend and real `manage.py worker` processes (apps/core/tests/test_jobs_worker.py).
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.JOBS_DIR = tmp_path / "jobs"
    settings.MEDIA_ROOT = tmp_path / "media"  # uploads of its own (pytest-xdist workers share var/)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DATABASE_REPLICA_READS = False  # on only in the router's tests (the replica alias mirrors the test database)
    # Counters in the database whatever the environment says: parallel workers would share one Redis database. The
    # rate-limit tests run both stores (apps/core/tests/test_ratelimit.py, REDIS_TEST_URL).
    settings.REDIS_URL = ""
    # Each test starts with an empty cache of its own.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": str(tmp_path)}}
    settings.STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def tree(db):
    from tests.factories import Tree

    return Tree.restored()


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login
