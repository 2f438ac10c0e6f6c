"""Settings for several servers: Redis for the cache and the sessions' cache when REDIS_URL is set (the file cache and
database sessions otherwise), the replica alias and router from DATABASE_REPLICA_URL, and the system check that
refuses locally generated keys when several servers share Redis."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import caches

from apps.core.checks import secrets_shared_by_every_server
from tests.redis_store import REDIS_TEST_URL, require_redis

BASE = Path(__file__).resolve().parents[3]


def _settings_with(**env):
    """The settings a fresh process reads from this environment (keys given, so nothing is generated)."""
    environ = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_REPLICA_URL", "REDIS_KEY_PREFIX",
                                                            "DISABLE_SERVER_SIDE_CURSORS"}}
    environ.update({"SECRET_KEY": "s" * 50, "FIELD_ENCRYPTION_KEY": "f" * 50, "FIELD_HASH_KEY": "h" * 50,
                    "DJANGO_SETTINGS_MODULE": "config.settings", **env})
    code = ("import json; from django.conf import settings as s; print(json.dumps({'caches': s.CACHES, "
            "'session': s.SESSION_ENGINE, 'dbs': {k: v['NAME'] for k, v in s.DATABASES.items()}, "
            "'mirror': s.DATABASES.get('replica', {}).get('TEST'), 'reads': s.DATABASE_REPLICA_READS, "
            "'routers': s.DATABASE_ROUTERS, 'prefix': s.REDIS_KEY_PREFIX, "
            "'no_ssc': {k: v.get('DISABLE_SERVER_SIDE_CURSORS', False) for k, v in s.DATABASES.items()}}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=BASE, env=environ, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_one_server_uses_the_file_cache_and_database_sessions():
    s = _settings_with()
    assert s["caches"]["default"]["BACKEND"].endswith("FileBasedCache")
    assert s["session"] == "django.contrib.sessions.backends.db"
    assert set(s["dbs"]) == {"default"} and s["reads"] is False


def test_redis_url_moves_the_cache_and_the_sessions_cache_to_redis():
    s = _settings_with(REDIS_URL="redis://cache.example:6379/0", REDIS_KEY_PREFIX="site1")
    cache = s["caches"]["default"]
    assert cache["BACKEND"] == "django_redis.cache.RedisCache" and cache["LOCATION"] == "redis://cache.example:6379/0"
    assert cache["KEY_PREFIX"] == "site1"
    assert s["session"] == "django.contrib.sessions.backends.cached_db"


def test_without_a_prefix_each_site_gets_its_own_from_its_secret_key():
    """Two sites sharing one Redis must not share keys: the default prefix is derived from SECRET_KEY (the same on
    every server of a site, since they share that key)."""
    one = _settings_with(REDIS_URL="redis://cache.example:6379/0")
    again = _settings_with(REDIS_URL="redis://cache.example:6379/0")
    other = _settings_with(REDIS_URL="redis://cache.example:6379/0", SECRET_KEY="o" * 50)
    assert one["prefix"] == again["prefix"] == one["caches"]["default"]["KEY_PREFIX"]
    assert one["prefix"].startswith("yg-") and len(one["prefix"]) == 11 and other["prefix"] != one["prefix"]
    assert _settings_with()["prefix"] == "yg"


def test_server_side_cursors_can_be_turned_off_for_pgbouncer():
    urls = {"DATABASE_URL": "postgres://u@bouncer:6432/yg", "DATABASE_REPLICA_URL": "postgres://u@standby:5432/yg"}
    assert _settings_with(**urls)["no_ssc"] == {"default": False, "replica": False}
    assert _settings_with(**urls, DISABLE_SERVER_SIDE_CURSORS="true")["no_ssc"] == {"default": True, "replica": True}


def test_a_replica_url_adds_the_alias_mirrored_in_tests():
    s = _settings_with(DATABASE_URL="postgres://u@primary:5432/yg", DATABASE_REPLICA_URL="postgres://u@standby:5432/yg")
    assert s["dbs"] == {"default": "yg", "replica": "yg"} and s["mirror"] == {"MIRROR": "default"}
    assert s["reads"] is True and s["routers"] == ["apps.core.dbrouter.ReplicaRouter"]


def test_several_servers_need_their_keys_from_the_environment(settings):
    settings.REDIS_URL = "redis://cache.example:6379/0"
    settings.SECRETS_FROM_FILES = ["FIELD_ENCRYPTION_KEY"]
    errors = secrets_shared_by_every_server()
    assert [e.id for e in errors] == ["core.E010"] and "FIELD_ENCRYPTION_KEY" in errors[0].msg
    settings.SECRETS_FROM_FILES = []
    assert secrets_shared_by_every_server() == []
    settings.REDIS_URL, settings.SECRETS_FROM_FILES = "", ["SECRET_KEY"]  # one server: its own keys are fine
    assert secrets_shared_by_every_server() == []


@pytest.mark.django_db
def test_a_session_is_kept_in_the_shared_redis(settings, worker_id, client, tree):
    """cached_db with django-redis: a login is written to Redis (where every server reads it) and the next request
    is served from it."""
    require_redis()
    settings.CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": REDIS_TEST_URL,
                                   "KEY_PREFIX": f"yg-test-{worker_id}"}}
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    client.force_login(tree.users["district_admin"])
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    try:
        assert caches["default"].get(f"django.contrib.sessions.cached_db{key}") is not None
        assert client.get("/accounts/profile/").status_code == 200
    finally:
        caches["default"].delete(f"django.contrib.sessions.cached_db{key}")
