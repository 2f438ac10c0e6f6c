"""The shared atomic counter (apps.core.ratelimit): its rules on both stores (the database, the default, and Redis,
with REDIS_URL set) and both databases; that parallel hits can never all see the old count (the database store on
PostgreSQL, the Redis store everywhere). The public form's challenge on Redis: apps/cases/tests/test_challenge_redis.py.

The Redis tests use REDIS_TEST_URL (default redis://127.0.0.1:6379/2) under a key prefix of their own per pytest
worker, delete only their own keys, and skip when no Redis answers there (tests/redis_store.py)."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from apps.core import ratelimit, ratelimit_redis
from apps.core.models import RateCounter
from tests.parallel import run_parallel
from tests.redis_store import own_keys, use_redis

WINDOW = 600


def _start_of_window(offset=0):
    """A moment `offset` seconds into a fresh window."""
    return ratelimit._window_start(timezone.now(), WINDOW) + timedelta(seconds=WINDOW + offset)


@pytest.fixture
def redis_store(settings, worker_id):
    yield from use_redis(settings, worker_id)


@pytest.fixture(params=["database", "redis"])
def store(request, settings):
    """Each test of the counter's rules once per store: the database (REDIS_URL unset) and Redis."""
    if request.param == "redis":
        return request.getfixturevalue("redis_store")
    settings.REDIS_URL = ""
    return None


@pytest.mark.django_db
class TestCounter:
    def test_counts_up_and_refuses_past_the_limit(self, store):
        now = _start_of_window(1)
        hits = [ratelimit.hit("t", "10.0.0.1", limit=3, window=WINDOW, now=now) for _ in range(5)]
        assert [h.count for h in hits] == [1, 2, 3, 4, 5]
        assert [h.allowed for h in hits] == [True, True, True, False, False]
        assert hits[-1].retry_after == WINDOW - 1 + 1 and hits[-1].retry_minutes == WINDOW // 60
        assert ratelimit.peek("t", "10.0.0.1", window=WINDOW, now=now) == 5

    def test_keys_and_scopes_are_separate_and_stored_as_keyed_hashes(self, store):
        now = _start_of_window(1)
        ratelimit.hit("t", "10.0.0.1", limit=1, window=WINDOW, now=now)
        assert ratelimit.hit("t", "10.0.0.2", limit=1, window=WINDOW, now=now).allowed
        assert ratelimit.hit("other", "10.0.0.1", limit=1, window=WINDOW, now=now).allowed
        assert not ratelimit.hit("t", "10.0.0.1", limit=1, window=WINDOW, now=now).allowed
        if store is None:
            keys = list(RateCounter.objects.values_list("key_hash", flat=True))
        else:
            assert not RateCounter.objects.exists()  # nothing in the database with Redis
            keys = [k.split("{")[1].split("}")[0].split(":")[1] for k in own_keys(store)]
        assert len(keys) == 3 and all(len(k) == 64 and "10.0.0" not in k for k in keys)

    def test_a_new_window_starts_again_but_a_burst_at_the_boundary_gets_no_second_allowance(self, store):
        start = _start_of_window(0)
        for _ in range(4):
            ratelimit.hit("t", "k", limit=4, window=WINDOW, now=start + timedelta(seconds=WINDOW - 5))
        # Just after the boundary nearly all of the previous window still overlaps the sliding window.
        assert not ratelimit.hit("t", "k", limit=4, window=WINDOW, now=start + timedelta(seconds=WINDOW + 1)).allowed
        # Half-way through, half the previous window counts: 4 × ½ + 2 hits in this window ≤ 4.
        assert ratelimit.hit("t", "k", limit=4, window=WINDOW, now=start + timedelta(seconds=WINDOW * 3 // 2)).allowed
        # Two windows later the old counts are gone.
        assert ratelimit.hit("t", "k", limit=4, window=WINDOW, now=start + timedelta(seconds=WINDOW * 3 + 1)).count == 1

    def test_refund_gives_one_attempt_back(self, store):
        now = _start_of_window(1)
        first = ratelimit.hit("t", "k", limit=1, window=WINDOW, now=now)
        ratelimit.refund(first)
        ratelimit.refund(first)  # never below zero
        assert ratelimit.peek("t", "k", window=WINDOW, now=now) == 0
        assert ratelimit.hit("t", "k", limit=1, window=WINDOW, now=now).allowed

    def test_hit_each_counts_every_window_on_its_own(self, store):
        now = _start_of_window(1)
        for _ in range(3):
            hourly, daily = ratelimit.hit_each("s", "u1", limits=[(2, 3600), (5, 86400)], now=now)
        assert (hourly.count, hourly.allowed, daily.count, daily.allowed) == (3, False, 3, True)

    def test_claim_once(self, store):
        assert ratelimit.claim_once("nonce", "abc", ttl=60)
        assert not ratelimit.claim_once("nonce", "abc", ttl=60)
        assert ratelimit.claim_once("nonce", "abd", ttl=60)

    def test_counters_expire_two_windows_after_their_start(self, store):
        old = timezone.now() - timedelta(seconds=3 * WINDOW)
        ratelimit.hit("t", "old", limit=1, window=WINDOW, now=old)
        ratelimit.hit("t", "new", limit=1, window=WINDOW)
        if store is None:
            assert ratelimit.purge() == 1 and RateCounter.objects.count() == 1
        else:
            assert WINDOW - 1 <= store.ttl(own_keys(store)[0]) <= 2 * WINDOW  # the new one; the old one expired at once
            assert len(own_keys(store)) == 1
        assert ratelimit.peek("t", "old", window=WINDOW, now=old) == 0


@pytest.mark.django_db
def test_purge_deletes_expired_rows_only(settings):
    settings.REDIS_URL = ""
    old = timezone.now() - timedelta(seconds=3 * WINDOW)
    ratelimit.hit("t", "old", limit=1, window=WINDOW, now=old)
    ratelimit.hit("t", "new", limit=1, window=WINDOW)
    ratelimit.claim_once("nonce", "n", ttl=60)
    assert ratelimit.purge() == 1
    assert RateCounter.objects.count() == 2
    assert ratelimit.purge(timezone.now() + timedelta(seconds=3 * WINDOW)) == 2
    out = StringIO()
    call_command("purge_ratelimits", stdout=out)
    assert "0" in out.getvalue()


postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel connections need PostgreSQL")


@postgres_only
@pytest.mark.django_db(transaction=True)
class TestParallelDatabase:
    def test_thirty_parallel_hits_let_exactly_the_limit_through(self, settings):
        settings.REDIS_URL = ""
        now = _start_of_window(1)  # one moment for all: no window boundary in the middle of the burst
        hits = run_parallel(30, lambda i: ratelimit.hit("t", "burst", limit=10, window=WINDOW, now=now))
        assert sorted(h.count for h in hits) == list(range(1, 31))  # every hit saw a count of its own
        assert sum(h.allowed for h in hits) == 10
        assert ratelimit.peek("t", "burst", window=WINDOW, now=now) == 30

    def test_thirty_parallel_claims_of_one_token_succeed_once(self, settings):
        settings.REDIS_URL = ""
        assert sum(run_parallel(30, lambda i: ratelimit.claim_once("nonce", "same", ttl=60))) == 1


@pytest.mark.django_db
class TestRedis:
    def test_twenty_parallel_hits_let_exactly_the_limit_through(self, redis_store):
        now = _start_of_window(1)
        hits = run_parallel(20, lambda i: ratelimit.hit("t", "burst", limit=5, window=WINDOW, now=now))
        assert sorted(h.count for h in hits) == list(range(1, 21))
        assert sum(h.allowed for h in hits) == 5
        assert ratelimit.peek("t", "burst", window=WINDOW, now=now) == 20

    def test_two_servers_share_the_counts(self, redis_store):
        """Another process has its own client and pool: it sees the same counts and the same spent tokens."""
        now = _start_of_window(1)
        ratelimit.hit("t", "k", limit=2, window=WINDOW, now=now)
        assert ratelimit.claim_once("nonce", "n1", ttl=60)
        ratelimit_redis._stores.clear()  # as if on another server
        assert ratelimit.hit("t", "k", limit=2, window=WINDOW, now=now).count == 2
        assert not ratelimit.claim_once("nonce", "n1", ttl=60)
