"""For the tests of reads sent to the read replica (apps.core.dbrouter): the replica is a test mirror of the default
database (conftest.py: another connection to the same test database), so such tests are transactional and watch each
alias's queries. `REPLICA_TESTS` is their pytestmark; `captured()` the queries each alias ran inside a block."""

from contextlib import contextmanager

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

# Transactional (the mirror sees committed rows only), both aliases allowed, DATABASE_REPLICA_READS on (conftest.py).
REPLICA_TESTS = [pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
                 pytest.mark.usefixtures("replica_reads")]


@contextmanager
def captured():
    """The queries each alias ran inside the block (a test's own data is made before it): (primary, replica)."""
    with CaptureQueriesContext(connections["default"]) as primary, CaptureQueriesContext(connections["replica"]) as replica:
        yield primary, replica
