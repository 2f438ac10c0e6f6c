"""Reads opted in with `reading_from_replica` go to the `replica` alias; writes, reads after a write of the same model,
reads inside a transaction and every read outside such a block stay on the primary; migrations only on the primary.

The replica is a test mirror of the default database (conftest.py: another connection to the same test database),
so the tests are transactional (the mirror sees committed rows only) and watch each alias's queries. The reports
that opt in: apps/cases/tests/test_rankings_replica.py, tests/integration/test_replica_reports.py."""

import threading
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import router, transaction
from django.utils import timezone

from apps.core.dbrouter import reading_from_replica
from apps.core.models import RateCounter
from tests.replica import REPLICA_TESTS, captured

pytestmark = REPLICA_TESTS




def _sql(queries):
    return " ".join(q["sql"] for q in queries)


def _counter(key="k", **fields):
    now = timezone.now()
    return RateCounter(scope="t", key_hash=key * 64, window_start=now, expires_at=now + timedelta(hours=1), **fields)


def test_reads_in_an_opted_in_block_go_to_the_replica():
    _counter(count=7).save()
    with captured() as (primary, replica), reading_from_replica():
        counts = list(RateCounter.objects.values_list("count", flat=True))
    assert counts == [7]  # the replica sees the primary's committed row
    assert "core_ratecounter" in _sql(replica.captured_queries)
    assert primary.captured_queries == []


def test_reads_outside_a_block_and_with_reads_off_stay_on_the_primary(settings):
    _counter(count=7).save()
    with captured() as (primary, replica):
        assert RateCounter.objects.count() == 1
        settings.DATABASE_REPLICA_READS = False  # no replica configured
        with reading_from_replica():
            assert RateCounter.objects.count() == 1
    assert replica.captured_queries == []
    assert _sql(primary.captured_queries).count("core_ratecounter") == 2


def test_writes_go_to_the_primary_and_later_reads_of_that_model_too():
    with captured() as (primary, replica), reading_from_replica():
        assert ContentType.objects.filter(app_label="core").exists()
        _counter(count=1).save()
        assert RateCounter.objects.count() == 1  # read after write: the primary
        assert ContentType.objects.filter(app_label="core").count() >= 1  # another model: still the replica
    assert "core_ratecounter" not in _sql(replica.captured_queries)
    assert len([q for q in replica.captured_queries if "django_content_type" in q["sql"]]) == 2
    assert all(q["sql"].lstrip().upper().startswith("SELECT") for q in replica.captured_queries)
    assert "INSERT INTO" in _sql(primary.captured_queries) and "django_content_type" not in _sql(primary.captured_queries)


def test_a_write_in_a_nested_block_counts_for_the_outer_one():
    with captured() as (primary, replica), reading_from_replica():
        with reading_from_replica():
            _counter(count=1).save()
        assert RateCounter.objects.count() == 1
    assert "core_ratecounter" not in _sql(replica.captured_queries)


def test_reads_inside_a_transaction_stay_on_the_primary():
    with captured() as (primary, replica), reading_from_replica(), transaction.atomic():
        _counter(count=1).save()
        assert RateCounter.objects.filter(count=1).exists()  # its own uncommitted row: only the primary has it
        assert ContentType.objects.filter(app_label="core").exists()
    assert replica.captured_queries == []


def test_the_decorator_and_threads():
    """A decorated function opts in for each call; a thread started inside a block does not inherit it."""

    @reading_from_replica()
    def report():
        return RateCounter.objects.count()

    with captured() as (primary, replica):
        assert report() == 0
    assert len(replica.captured_queries) == 1 and primary.captured_queries == []
    seen = []
    with reading_from_replica():
        thread = threading.Thread(target=lambda: seen.append(router.db_for_read(RateCounter)))
        thread.start()
        thread.join()
        seen.append(router.db_for_read(RateCounter))
    assert seen == ["default", "replica"]


def test_migrations_and_relations():
    assert router.allow_migrate("replica", "core") is False
    assert router.allow_migrate("default", "core") is True
    counter = _counter(count=1)
    counter.save()
    with reading_from_replica():
        from_replica = RateCounter.objects.get(pk=counter.pk)
    assert from_replica._state.db == "replica"
    assert router.allow_relation(counter, from_replica)
    # Outside the block, an object read from the replica takes its related rows from the primary.
    assert router.db_for_read(RateCounter, instance=from_replica) == "default"
