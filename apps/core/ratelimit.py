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
expire after two windows; `purge()` deletes them (the periodic runner, `manage.py run_periodic`, calls it every round), and hits
purge now and then on their own so the table stays small even unscheduled.

Call `hit` outside any transaction of your own (views, not services): a count made inside a transaction that later
rolls back would be lost, and its row lock would be held until that transaction ends.
"""

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

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


def hit(scope: str, key: str, *, limit: int, window: int, now=None) -> Hit:
    """Count one attempt for `key` under `scope` and say whether it is within `limit` per `window` seconds."""
    from .models import RateCounter

    now = now or timezone.now()
    key_hash = _key(scope, key)
    start = _window_start(now, window)
    count = _increment(scope, key_hash, start, start + timedelta(seconds=2 * window))
    previous = (RateCounter.objects.filter(scope=scope, key_hash=key_hash, window_start=start - timedelta(seconds=window))
                .values_list("count", flat=True).first() or 0)
    overlap = 1 - (now - start).total_seconds() / window
    # The previous window only adds to the estimate: the bound `count <= limit` per window holds on its own.
    estimate = count + previous * overlap
    if random.random() < PURGE_CHANCE:
        purge(now)
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
    """Give back an attempt counted by `hit` (e.g. it turned out to be a success, which the limit does not count)."""
    from django.db.models import F

    from .models import RateCounter

    RateCounter.objects.filter(scope=attempt.scope, key_hash=attempt.key_hash, window_start=attempt.window_start,
                               count__gt=0).update(count=F("count") - 1)


def peek(scope: str, key: str, *, window: int, now=None) -> int:
    """The count of the current window, without counting (for pages and tests)."""
    from .models import RateCounter

    now = now or timezone.now()
    return (RateCounter.objects.filter(scope=scope, key_hash=_key(scope, key), window_start=_window_start(now, window))
            .values_list("count", flat=True).first() or 0)


def claim_once(scope: str, key: str, *, ttl: int, now=None) -> bool:
    """True for the first claim of `key` within `ttl` seconds, False for every later one, however parallel: the
    claim is the same single upsert, and only one caller can get the count 1 back."""
    now = now or timezone.now()
    return _increment(scope, _key(scope, key), EPOCH, now + timedelta(seconds=ttl)) == 1


def purge(now=None) -> int:
    """Delete expired counters; the number of rows deleted."""
    from .models import RateCounter

    deleted, _detail = RateCounter.objects.filter(expires_at__lt=now or timezone.now()).delete()
    return deleted
