"""core.bulk.update_rows (the scoring job's write) writes the given fields of many rows in a few statements — decimals, JSON,
text, dates and foreign keys (None included) as Model.save would — and leaves every other field and row alone."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.assessment.round_models import Score
from apps.assessment.tests.round_helpers import make_round, published
from apps.core.bulk import update_rows

pytestmark = pytest.mark.django_db


def test_fields_of_many_rows_in_a_few_statements(make_system, admin):
    rnd = make_round(admin, published(make_system, admin))
    scores = list(Score.objects.filter(entry__round=rnd).order_by("pk"))
    assert len(scores) > 3
    untouched = scores[-1]
    now = timezone.now().replace(microsecond=0)
    chosen = scores[:-1]
    for i, s in enumerate(reversed(chosen)):  # not in key order: written in key order all the same
        s.points = Decimal(i) + Decimal("0.25")
        s.inputs = {"metric": "records.completion", "value": None, "label": "“引号”\x27"}
        s.comment = "无数据，按0分计" if i % 2 else ""
        s.scored_at = now
        s.scored_by = admin if i % 2 else None
        s.item_count = 99  # not among the fields written
    with CaptureQueriesContext(connection) as queries:
        assert update_rows(Score, chosen, ["points", "inputs", "comment", "scored_at", "scored_by"], chunk=2) == len(chosen)
    assert len(queries) == (len(chosen) + 1) // 2
    for s in chosen:
        row = Score.objects.get(pk=s.pk)
        assert (row.points, row.inputs, row.comment, row.scored_at, row.scored_by_id) == (
            s.points, s.inputs, s.comment, now, s.scored_by_id)
        assert row.item_count == 0
    row = Score.objects.get(pk=untouched.pk)
    assert (row.points, row.inputs, row.scored_at) == (untouched.points, untouched.inputs, None)
    assert update_rows(Score, [], ["points"]) == 0
