"""Test-wide settings and fixtures."""

from pathlib import Path

import pytest

BROWSER_TESTS = Path(__file__).resolve().parent / "tests" / "browser"


def pytest_collection_modifyitems(config, items):
    """Everything under tests/browser is marked `browser`: `-m browser` selects them, `-m "not browser"` leaves them out."""
    for item in items:
        if BROWSER_TESTS in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.JOBS_RUN_INLINE = True
    settings.JOBS_DIR = tmp_path / "jobs"
    settings.MEDIA_ROOT = tmp_path / "media"  # uploads of its own (pytest-xdist workers share var/)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
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

    return Tree()


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login
