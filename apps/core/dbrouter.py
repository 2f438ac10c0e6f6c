"""Reads of reports from a read replica, where a caller asks for it.

With `DATABASE_REPLICA_URL` set, settings define a second alias, `replica` (a streaming standby of the primary), and
`DATABASE_REPLICA_READS` is on. Nothing goes there by default: a replica lags, so a page that reads what it just
wrote, a permission check, or a read inside a transaction must see the primary. A caller opts in for a block whose
reads are a report over many rows and may be a moment old (rankings, the compliance table, exports):

    with reading_from_replica():
        rows = metrics.rankings(period, …)

or `@reading_from_replica()` on a function. Inside such a block, reads go to `replica` except
- while the primary's connection is in a transaction (`atomic`, a test case's too): all of it stays on the primary;
- reads of a model the block has written (a job's progress, an audit row), which stay on the primary for the rest
  of the block (read your own writes).
Writes always go to the primary; migrations run only there. The opt-in is a context variable: a thread started
inside the block (a background job) starts without it and opts in on its own.
"""

from contextlib import ContextDecorator
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"

# The models written inside the current opted-in block, or None outside any.
# One set per outermost block, shared by the blocks nested in it, so a write in an inner block counts for the outer.
_block: ContextVar[set | None] = ContextVar("reading_from_replica", default=None)


class reading_from_replica(ContextDecorator):  # noqa: N801 - used like contextlib's lower-case helpers
    """Send this block's reads to the replica (see the module's docstring); nests, and does nothing without one."""

    def _recreate_cm(self):
        return type(self)()  # a decorated function may run in several threads at once: one token each

    def __enter__(self):
        current = _block.get()
        self._token = _block.set(current if current is not None else set())
        return self

    def __exit__(self, *exc):
        _block.reset(self._token)
        return False


def replica_enabled() -> bool:
    return bool(getattr(settings, "DATABASE_REPLICA_READS", False)) and REPLICA in connections


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        # The primary by name, not None: Django would otherwise follow an instance hint, so an object loaded from the
        # replica would take its related objects from there too, outside any opted-in block.
        written = _block.get()
        if written is None or not replica_enabled() or model._meta.label_lower in written:
            return DEFAULT_DB_ALIAS
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model, **hints):
        written = _block.get()
        if written is not None:
            written.add(model._meta.label_lower)
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the primary's rows: an object read from either may refer to one from the other.
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA, None}:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db == REPLICA else None
