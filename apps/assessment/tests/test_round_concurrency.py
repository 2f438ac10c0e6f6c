"""Deduction items added by many assessors at once never pass the cap: the count is read and written under the
score's (and entry's) row lock. Without the lock (patched out, a pause between the read and the write) the same
adds overshoot — so the test would fail if the lock were removed."""

import time
from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from apps.assessment import round_services
from apps.assessment.round_models import Score, ScoreItem
from tests.parallel import run_parallel

from .round_helpers import make_round, published, score_of

pytestmark = [pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel connections need PostgreSQL"),
              pytest.mark.django_db(transaction=True)]


def _add_in_parallel(rnd, tree, admin, count):
    score = score_of(rnd, tree.branch_a, "负面清单")  # 1 point per item, cap 5

    def add(i):
        try:
            round_services.score_item_add(actor=admin, score=score, what=f"违规{i}", happened_on=date(2026, 3, 1))
        except ValidationError as exc:
            return exc.messages[0]
        return "added"

    return score, run_parallel(count, add)


def _slow_points(monkeypatch):
    real = round_services.item_points

    def slow(indicator, count):  # between reading the count and writing it
        time.sleep(0.2)
        return real(indicator, count)

    monkeypatch.setattr(round_services, "item_points", slow)


def test_parallel_items_never_pass_the_cap(tree, make_system, admin, monkeypatch):
    rnd = make_round(admin, published(make_system, admin))
    _slow_points(monkeypatch)
    score, results = _add_in_parallel(rnd, tree, admin, 8)
    assert results.count("added") == 5
    assert all("已扣满" in r for r in results if r != "added")
    score = Score.objects.get(pk=score.pk)
    assert (score.item_count, score.points, ScoreItem.objects.filter(score=score).count()) == (5, D(0), 5)
    assert rnd.entries.get(organization=tree.branch_a).total == D(0)


def test_without_the_lock_the_cap_is_passed(tree, make_system, admin, monkeypatch):
    """The control: the same adds with the row locks taken away lose updates and add more items than the cap."""
    rnd = make_round(admin, published(make_system, admin))
    _slow_points(monkeypatch)
    monkeypatch.setattr(round_services, "_lock_entry", lambda pk: None)
    monkeypatch.setattr(round_services, "_lock_score", lambda pk: Score.objects.select_related(
        "indicator", "entry__organization").get(pk=pk))
    score, results = _add_in_parallel(rnd, tree, admin, 8)
    assert ScoreItem.objects.filter(score=score).count() > 5
