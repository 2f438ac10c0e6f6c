"""The rate-limit counters and one-time tokens of `apps.core.ratelimit` in Redis, shared by several servers.

Same windows (aligned to the epoch), same sliding-window estimate, same `Hit` as the database store; only the storage
differs. A hit is one Lua script, atomic in Redis and one round trip: INCR this window's key, EXPIREAT two windows
after its start (as the rows' `expires_at`), read the previous window's count. Parallel hits on any number of servers
each get a count of their own, so at most `limit` of them see a count within the limit. A refund decrements only a
positive count (never below zero, never recreating an expired key without its expiry). A one-time token is one
`SET key 1 NX EXAT …`: only the first caller gets OK.

Keys: `<REDIS_KEY_PREFIX>:rl:{<scope>:<keyed hash>}:<window start>` and `<prefix>:once:<scope>:<keyed hash>` — keyed
hashes as in the rows (no address or number is stored); the braces keep a counter's windows in one cluster slot,
since the script reads two of them.
"""

import threading
from datetime import timedelta

import redis
from django.conf import settings

_HIT = """
local count = redis.call('INCR', KEYS[1])
redis.call('EXPIREAT', KEYS[1], ARGV[1])
return {count, tonumber(redis.call('GET', KEYS[2])) or 0}
"""

_GIVE_BACK = """
local count = tonumber(redis.call('GET', KEYS[1]))
if count and count > 0 then return redis.call('DECR', KEYS[1]) end
return 0
"""


class RedisStore:
    def __init__(self, url):
        # One connection pool per process and URL; redis-py's client is thread-safe.
        self.client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self._hit = self.client.register_script(_HIT)
        self._give_back = self.client.register_script(_GIVE_BACK)

    @staticmethod
    def _counter(scope, key_hash, start) -> str:
        return f"{settings.REDIS_KEY_PREFIX}:rl:{{{scope}:{key_hash}}}:{int(start.timestamp())}"

    def count(self, scope, key_hash, start, window, now) -> tuple[int, int]:
        keys = [self._counter(scope, key_hash, start), self._counter(scope, key_hash, start - timedelta(seconds=window))]
        count, previous = self._hit(keys=keys, args=[int(start.timestamp()) + 2 * window])
        return int(count), int(previous)

    def current(self, scope, key_hash, start) -> int:
        return int(self.client.get(self._counter(scope, key_hash, start)) or 0)

    def give_back(self, scope, key_hash, start) -> None:
        self._give_back(keys=[self._counter(scope, key_hash, start)])

    def claim(self, scope, key_hash, ttl, now) -> bool:
        key = f"{settings.REDIS_KEY_PREFIX}:once:{scope}:{key_hash}"
        return bool(self.client.set(key, 1, nx=True, exat=int(now.timestamp()) + ttl))


_stores: dict[str, RedisStore] = {}
_lock = threading.Lock()


def redis_store(url) -> RedisStore:
    store = _stores.get(url)
    if store is None:
        with _lock:
            store = _stores.setdefault(url, RedisStore(url))
    return store
