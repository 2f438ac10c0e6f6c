"""The demo's departments under "1+N": the group of the district's departments, this year's system (half-yearly, a
1+N leaf and a cross-only leaf) in use, this half's round open with its 互评 groups, and last half's closed with the
peers' means in. Built on the test tree with a 区直机关工委 of three departments (the full demo seeds too long)."""

from datetime import date
from decimal import Decimal

import pytest

from apps.assessment.cross_models import CrossMember
from apps.assessment.models import SystemStatus
from apps.assessment.round_models import RoundStatus, Score
from apps.demo.assessment_cross_seed import write_cross
from tests.factories import make_org, refresh

pytestmark = pytest.mark.django_db


def test_write_cross(tree):
    organs = make_org("示范区直机关工委", "working_committee", refresh(tree.district), domain="organ")
    for name in ("区财政局机关党支部", "区教育局机关党委", "区卫健委机关党总支"):
        make_org(name, "branch", refresh(organs), domain="organ")
    lines = []
    rnd = write_cross(refresh(tree.district), date(2026, 11, 20), lines.append, closed_round=True)
    assert rnd.status == RoundStatus.OPEN and rnd.period_key == "2026H2" and rnd.entries.count() == 3
    assert rnd.system.status == SystemStatus.IN_USE and rnd.system.weight_half == 100
    assert CrossMember.objects.filter(round=rnd).count() == 3
    past = rnd.system.rounds.get(period_key="2026H1")
    assert past.status == RoundStatus.CLOSED
    cross = Score.objects.filter(entry__round=past, indicator__cross_weight__gt=0)
    assert cross.count() == 6 and not cross.filter(points__isnull=True).exists()
    assert all(s.inputs["count"] == 2 for s in cross)
    assert all(e.total > Decimal(0) for e in past.entries.all())
    assert "3 个部门" in lines[-1]


def test_nothing_without_departments(tree):
    lines = []
    assert write_cross(refresh(tree.district), date(2026, 3, 1), lines.append) is None
    assert "未写入" in lines[-1]
