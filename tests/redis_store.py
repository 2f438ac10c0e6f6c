"""Rate limits in Redis for one test (apps.core.ratelimit_redis): REDIS_TEST_URL (default redis://127.0.0.1:6379/2),
a key prefix per pytest worker, only this worker's keys deleted (before and after); skipped when no Redis answers,
except in CI (the environment variable CI set, as .ci/run is run), where .ci/run has started Redis and a missing one fails."""

import os

import pytest
import redis

REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/2")


def require_redis(url=REDIS_TEST_URL):
    """A client that answered a ping; otherwise skip the test (fail it in CI)."""
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.ConnectionError:
        if os.environ.get("CI"):
            pytest.fail(f"CI: no Redis at {url} (.ci/run starts one)")
        pytest.skip(f"no Redis at {url}")
    return client


def own_keys(client, prefix=None):
    return [k.decode() for k in client.scan_iter(match=f"{prefix or client.prefix}:*")]


def use_redis(settings, worker_id):
    """Generator for a fixture: switches the settings to Redis and yields the client (with `.prefix`)."""
    client = require_redis()
    client.prefix = f"yg-test-{worker_id}"
    for key in own_keys(client):
        client.delete(key)
    settings.REDIS_URL = REDIS_TEST_URL
    settings.REDIS_KEY_PREFIX = client.prefix
    yield client
    for key in own_keys(client):
        client.delete(key)
