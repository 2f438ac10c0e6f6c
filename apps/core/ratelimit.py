"""Atomic counters for every limit that parallel requests must not defeat: login failures per client address,
wrong query codes on the residents' lookup, one-time tokens (the public form's challenge).

Why the database and not the cache: the default cache is a file cache, whose get-then-set is not atomic across
processes, so thirty parallel requests all read the same old count. Here a hit is ONE statement,

    INSERT … ON CONFLICT (scope, key_hash, window_start) DO UPDATE SET count = count + 1 RETURNING count

(SQLite ≥ 3.35 and PostgreSQL), and whether the attempt is allowed is decided from the value that statement
returned: parallel hits each get a different count, so at most `limit` of them can see a count within the limit.
Callers count BEFORE they check the password or code (reserve, then check) and may give a success back with
`refund`, so a burst is bounded by the limit whatever its size.

Windows are fixed (aligned to the epoch) with the previous window's count weighted by how much of it still overlaps
the sliding window (the usual sliding-window estimate), so a burst straddling a window boundary gets no second
allowance. Keys are keyed hashes (apps.core.crypto.keyed_hash): no IP address or phone number is stored. Rows
expire after two windows; `purge()` deletes them (the scheduled maintenance, `maintenance.maintenance_round`, which
`manage.py worker` queues every MAINTENANCE_INTERVAL_MINUTES, calls it), and hits purge now and then on their own so
the table stays small even with no worker running.

Call `hit` outside any transaction of your own (views, not services): a count made inside a transaction that later
rolls back would be lost, and its row lock would be held until that transaction ends.

Several servers: with `REDIS_URL` set the same counters live in Redis instead (`apps.core.ratelimit_redis`): a hit
is one Lua script (INCR, EXPIREAT, and the previous window's count read back, atomic in one round trip), a one-time
token one `SET NX EXAT`; same windows, same estimate, same `Hit`. The database stays the default (nothing to run).
"""

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from .crypto import keyed_hash

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
PURGE_CHANCE = 0.005  # about one hit in 200 also deletes expired rows


@dataclass(frozen=True)
class Hit:
    scope: str
    key_hash: str
    window_start: datetime
    count: int  # attempts counted in this window, this one included
    estimate: float  # the sliding-window estimate the decision was taken on
    limit: int
    retry_after: int  # seconds until the current window ends

    @property
    def allowed(self) -> bool:
        return self.estimate <= self.limit

    @property
    def retry_minutes(self) -> int:
        return max(1, -(-self.retry_after // 60))


def _key(scope, key) -> str:
    return keyed_hash(f"ratelimit:{scope}:{key}")


def _window_start(now, seconds) -> datetime:
    elapsed = int((now - EPOCH).total_seconds())
    return EPOCH + timedelta(seconds=elapsed - elapsed % seconds)


class DatabaseStore:
    """The counters as `RateCounter` rows, one upsert per hit."""

    @staticmethod
    def _increment(scope, key_hash, window_start, expires_at, delta=1) -> int:
        """Add `delta` to a counter row (creating it) in one statement; the count after the change."""
        from .models import RateCounter

        meta = RateCounter._meta
        qn = connection.ops.quote_name
        table = qn(meta.db_table)
        field = meta.get_field
        params = [
            scope, key_hash, field("window_start").get_db_prep_value(window_start, connection),
            delta, field("expires_at").get_db_prep_value(expires_at, connection), delta,
        ]
        sql = (
            f"INSERT INTO {table} ({qn('scope')}, {qn('key_hash')}, {qn('window_start')}, {qn('count')}, {qn('expires_at')}) "
            f"VALUES (%s, %s, %s, %s, %s) "
            f"ON CONFLICT ({qn('scope')}, {qn('key_hash')}, {qn('window_start')}) "
            f"DO UPDATE SET {qn('count')} = {table}.{qn('count')} + %s RETURNING {qn('count')}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]

    def count(self, scope, key_hash, start, window, now) -> tuple[int, int]:
        """Count one hit in the window starting at `start`: (this window's count, the previous window's)."""
        count = self._increment(scope, key_hash, start, start + timedelta(seconds=2 * window))
        previous = self.current(scope, key_hash, start - timedelta(seconds=window))
        if random.random() < PURGE_CHANCE:
            self.purge(now)
        return count, previous

    def current(self, scope, key_hash, start) -> int:
        from .models import RateCounter

        return (RateCounter.objects.filter(scope=scope, key_hash=key_hash, window_start=start)
                .values_list("count", flat=True).first() or 0)

    def give_back(self, scope, key_hash, start) -> None:
        from django.db.models import F

        from .models import RateCounter

        RateCounter.objects.filter(scope=scope, key_hash=key_hash, window_start=start,
                                   count__gt=0).update(count=F("count") - 1)

    def claim(self, scope, key_hash, ttl, now) -> bool:
        # Only one caller can get the count 1 back from the upsert.
        return self._increment(scope, key_hash, EPOCH, now + timedelta(seconds=ttl)) == 1

    def purge(self, now) -> int:
        from .models import RateCounter

        deleted, _detail = RateCounter.objects.filter(expires_at__lt=now).delete()
        return deleted


_DATABASE = DatabaseStore()


def store():
    """Where the counters live: Redis when REDIS_URL is set (shared by several servers), else the database."""
    if getattr(settings, "REDIS_URL", ""):
        from .ratelimit_redis import redis_store

        return redis_store(settings.REDIS_URL)
    return _DATABASE


def hit(scope: str, key: str, *, limit: int, window: int, now=None) -> Hit:
    """Count one attempt for `key` under `scope` and say whether it is within `limit` per `window` seconds."""
    now = now or timezone.now()
    key_hash = _key(scope, key)
    start = _window_start(now, window)
    count, previous = store().count(scope, key_hash, start, window, now)
    overlap = 1 - (now - start).total_seconds() / window
    # The previous window only adds to the estimate: the bound `count <= limit` per window holds on its own.
    estimate = count + previous * overlap
    retry = int((start + timedelta(seconds=window) - now).total_seconds()) + 1
    return Hit(scope=scope, key_hash=key_hash, window_start=start, count=count, estimate=estimate, limit=limit,
               retry_after=retry)


def hit_each(scope: str, key: str, *, limits, now=None) -> list[Hit]:
    """Count one attempt for `key` against several limits at once — (limit, window seconds) pairs, e.g. per hour and
    per day — each in its own counter (scope "<scope>/<window>": windows aligned to the epoch may start together, and
    must not share a row). Every Hit, in the order given; the attempt is allowed only if all of them are."""
    now = now or timezone.now()
    return [hit(f"{scope}/{window}", key, limit=limit, window=window, now=now) for limit, window in limits]


def refund(attempt: Hit) -> None:
    """Give back an attempt counted by `hit` (e.g. it turned out to be a success, which the limit does not count);
    never below zero."""
    store().give_back(attempt.scope, attempt.key_hash, attempt.window_start)


def peek(scope: str, key: str, *, window: int, now=None) -> int:
    """The count of the current window, without counting (for pages and tests)."""
    now = now or timezone.now()
    return store().current(scope, _key(scope, key), _window_start(now, window))


def claim_once(scope: str, key: str, *, ttl: int, now=None) -> bool:
    """True for the first claim of `key` within `ttl` seconds, False for every later one, however parallel and on
    however many servers: one atomic statement (an upsert, or SET NX in Redis) decides."""
    return store().claim(scope, _key(scope, key), ttl, now or timezone.now())


def purge(now=None) -> int:
    """Delete expired counter rows; the number deleted. Also with Redis, which expires its own keys: rows left from
    before the switch to it still go."""
    return _DATABASE.purge(now or timezone.now())
