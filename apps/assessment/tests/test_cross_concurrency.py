"""One assessor's submissions for one entry and indicator at once (a double click, two tabs) end in one row, the
last written, never an error: they are written one after the other under the entry's row lock. Without the lock
(patched out, a pause between the read and the write) the same submissions collide on the unique constraint — so
the test would fail if the lock were removed. Close and a member's write never interleave (the round's lock)."""

import time
from decimal import Decimal as D

import pytest
from django.db import IntegrityError, connection

from apps.assessment import cross_services, round_services
from apps.assessment.cross_models import CrossScore
from apps.assessment.round_models import RoundStatus
from tests.parallel import run_parallel

from .cross_helpers import cross_round, member_of
from .round_helpers import score_of

pytestmark = [pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel connections need PostgreSQL"),
              pytest.mark.django_db(transaction=True)]


def _slow_parse(monkeypatch):
    real = round_services.parse_points

    def slow(value, max_points):  # between looking for the row and writing it
        time.sleep(0.2)
        return real(value, max_points)

    monkeypatch.setattr(round_services, "parse_points", slow)


def _submit_in_parallel(tree, rnd, group, count):
    member = member_of(group, tree.town_a)
    entry = rnd.entries.get(organization=tree.branch_b)
    leaf = score_of(rnd, tree.branch_b, "民主测评").indicator
    user = tree.users["town_a_admin"]

    def submit(i):
        try:
            cross_services.cross_score(actor=user, member=member, entry=entry, indicator=leaf, points=f"1.{i}")
        except IntegrityError:
            return "collided"
        return "saved"

    return run_parallel(count, submit)


def test_parallel_submissions_end_in_one_row(tree, make_system, admin, monkeypatch):
    rnd, group = cross_round(make_system, admin, tree)
    _slow_parse(monkeypatch)
    results = _submit_in_parallel(tree, rnd, group, 4)
    assert results == ["saved"] * 4
    row = CrossScore.objects.get()
    assert row.points in {D(f"1.{i}") for i in range(4)}


def test_without_the_lock_they_collide(tree, make_system, admin, monkeypatch):
    rnd, group = cross_round(make_system, admin, tree)
    _slow_parse(monkeypatch)
    monkeypatch.setattr(round_services, "_lock_entry", lambda pk: None)
    results = _submit_in_parallel(tree, rnd, group, 4)
    assert "collided" in results and CrossScore.objects.count() == 1


def test_close_waits_for_a_write(tree, make_system, admin, monkeypatch):
    """A submission in flight when the round closes is either counted in the mean or refused, never lost."""
    rnd, group = cross_round(make_system, admin, tree)
    _slow_parse(monkeypatch)
    member = member_of(group, tree.town_a)
    entry = rnd.entries.get(organization=tree.branch_b)
    leaf = score_of(rnd, tree.branch_b, "民主测评").indicator

    def work(i):
        if i == 0:
            cross_services.cross_score(actor=tree.users["town_a_admin"], member=member, entry=entry, indicator=leaf,
                                       points="2")
            return "scored"
        time.sleep(0.05)
        round_services.round_close(actor=admin, round=rnd)
        return "closed"

    assert run_parallel(2, work) == ["scored", "closed"]
    rnd.refresh_from_db()
    assert rnd.status == RoundStatus.CLOSED
    assert score_of(rnd, tree.branch_b, "民主测评").points == D("2.00")
