"""The rules of an indicator system (rules.py), on plain values and through the services that refuse a change."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from apps.assessment import rules, services
from apps.assessment.models import GradeBand, Indicator
from apps.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_weights_add_up_to_100():
    assert rules.weight_problems([D(0), D(40), D(0), D(60)]) == []
    assert rules.weight_problems([D(30), D(30), D(30), D(0)]) == ["各考核周期的权重合计须为100%，当前为90%"]
    assert rules.weight_problems([D(-10), D(10), D(0), D(100)]) == ["权重不能为负数"]
    assert rules.weight_problems([D("33.33"), D("33.33"), D("33.34"), D(0)]) == []


def test_bands_cover_0_to_100_without_overlap():
    good = [("好", D(90), D(100)), ("较好", D(80), D(90)), ("一般", D(60), D(80)), ("差", D(0), D(60))]
    assert rules.band_problems(good) == []
    assert rules.band_problems(list(reversed(good))) == []  # any order
    assert rules.band_problems([("合格", D(0), D(100))]) == []
    overlap = [("好", D(85), D(100)), ("较好", D(80), D(90)), ("差", D(0), D(80))]
    assert rules.band_problems(overlap) == ["等次「较好」与「好」的分数范围重叠"]
    gap = [("好", D(90), D(100)), ("差", D(0), D(80))]
    assert rules.band_problems(gap) == ["等次「差」与「好」之间有空档：80–90分不属于任何等次"]
    assert "考核等次须从0分起" in rules.band_problems([("好", D(10), D(100))])[0]
    assert "考核等次须覆盖到100分" in rules.band_problems([("差", D(0), D("99.5"))])[0]
    assert rules.band_problems([("好", D(50), D(100)), ("好", D(0), D(50))]) == ["等次名称「好」重复"]
    assert "最低分小于最高分" in rules.band_problems([("好", D(100), D(0))])[0]
    assert "最低分小于最高分" in rules.band_problems([("好", D(0), D(120))])[0]
    assert rules.band_problems([]) == ["请至少设置一个考核等次"]


def test_one_indicator_values():
    ok = rules.indicator_problems
    assert ok(max_points=D(10), method="deduction", points_per=D(1), cap=D(10)) == {}
    assert ok(max_points=D(10), method="deduction", points_per=D(1), cap=D(11)) == {"cap": "最多扣（加）分不能超过该指标的分值（10分）"}
    assert ok(max_points=D(10), method="bonus", cap=D(5)) == {"points_per": "加分项须填写每项加分"}
    assert ok(max_points=D(10), method="deduction") == {"points_per": "负面清单须填写每项扣分"}
    assert ok(max_points=D(-1), method="manual") == {"max_points": "分值须大于0"}
    assert ok(max_points=D(0), method="manual") == {"max_points": "分值须大于0"}
    assert ok(max_points=D(101), method="manual") == {"max_points": "分值不能超过100分"}
    assert ok(max_points=D(10), method="automatic") == {"metric": "自动计分的指标须选择一项计分指标"}
    assert ok(max_points=D(10), method="automatic", metric="records.nope") == {"metric": "未知的自动计分指标：records.nope"}
    assert "activity_type" in ok(max_points=D(10), method="automatic", metric="records.type_completion")
    assert "points_per" in ok(max_points=D(10), method="automatic", metric="cases.overdue")
    assert ok(max_points=D(10), method="automatic", metric="cases.overdue", points_per=D(1)) == {}


class _Node:
    def __init__(self, pk, parent_id, name, points, method="manual", **kw):
        self.pk, self.parent_id, self.name, self.max_points, self.method = pk, parent_id, name, D(points), method
        self.metric, self.activity_type_id = kw.get("metric", ""), kw.get("activity_type_id")
        self.points_per, self.cap = kw.get("points_per"), kw.get("cap")


def test_the_tree_adds_up():
    tree = [_Node(1, None, "甲", 60, ""), _Node(2, 1, "甲一", 30), _Node(3, 1, "甲二", 30), _Node(4, None, "乙", 40)]
    assert rules.tree_problems(tree) == []
    tree[2].max_points = D(20)
    assert rules.tree_problems(tree) == ["「甲」的下级指标分值合计为50分，应等于其分值60分"]
    tree[3].max_points = D(30)
    assert "一级指标分值合计须为100分，当前为90分" in rules.tree_problems(tree)
    assert rules.tree_problems([]) == ["尚未设置考核指标"]
    leafless = [_Node(1, None, "甲", 100, "")]
    assert rules.tree_problems(leafless) == ["末级指标「甲」尚未设置评分方式"]
    parent_scored = [_Node(1, None, "甲", 100, "manual"), _Node(2, 1, "甲一", 100)]
    assert rules.tree_problems(parent_scored) == ["「甲」有下级指标，由下级指标计分，不能再设置评分方式"]


def test_services_refuse_and_save_nothing(make_system, admin):
    system = make_system(tree=False)
    audits = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.indicator_create(actor=admin, system=system, data={"name": "负面清单", "max_points": D(5),
                                                                    "method": "deduction", "points_per": D(1), "cap": D(6)})
    assert refused.value.message_dict == {"cap": ["最多扣（加）分不能超过该指标的分值（5分）"]}
    with pytest.raises(ValidationError):
        services.indicator_create(actor=admin, system=system, data={"name": "x", "max_points": D(-3), "method": "manual"})
    with pytest.raises(ValidationError):
        services.system_update(actor=admin, system=system, data={"weight_month": D(50)})  # + year's 100 = 150
    bands = list(system.bands.values_list("name", "min_score", "max_score"))
    with pytest.raises(ValidationError) as refused:
        services.system_set_bands(actor=admin, system=system, bands=[("好", D(80), D(100)), ("差", D(0), D(85))])
    assert refused.value.messages == ["等次「差」与「好」的分数范围重叠"]
    assert list(system.bands.values_list("name", "min_score", "max_score")) == bands
    assert not Indicator.objects.filter(system=system).exists()
    assert AuditEvent.objects.count() == audits
    system.refresh_from_db()
    assert system.weight_month == 0


def test_deduction_cap_defaults_to_the_points_and_methods_keep_only_their_fields(make_system, admin, types):
    system = make_system(tree=False)
    node = services.indicator_create(actor=admin, system=system, data={
        "name": "负面清单", "max_points": D(8), "method": "deduction", "points_per": D(2), "metric": "records.completion",
        "activity_type": types["theme_day"]})
    assert (node.cap, node.metric, node.activity_type) == (D(8), "", None)
    node = services.indicator_update(actor=admin, indicator=node, data={"method": "manual"})
    assert (node.cap, node.points_per, node.method) == (None, None, "manual")


def test_depth_is_bounded(make_system, admin):
    system = make_system(tree=False)
    parent = None
    for level in range(rules.MAX_DEPTH):
        parent = services.indicator_create(actor=admin, system=system, parent=parent,
                                           data={"name": f"第{level + 1}级", "max_points": D(100)})
    with pytest.raises(ValidationError) as refused:
        services.indicator_create(actor=admin, system=system, parent=parent, data={"name": "太深", "max_points": D(100)})
    assert refused.value.messages == [f"指标最多{rules.MAX_DEPTH}级"]


def test_an_indicator_of_another_system_is_no_parent(make_system, admin):
    one, other = make_system(), make_system(group="village")
    foreign = other.indicators.first()
    with pytest.raises(ValidationError):
        services.indicator_create(actor=admin, system=one, parent=foreign, data={"name": "x", "max_points": D(1)})


def test_default_bands_are_valid(make_system):
    system = make_system(tree=False)
    bands = [(b.name, b.min_score, b.max_score) for b in GradeBand.objects.filter(system=system)]
    assert [b[0] for b in sorted(bands, key=lambda b: -b[1])] == ["好", "较好", "一般", "差"]
    assert rules.band_problems(bands) == []
