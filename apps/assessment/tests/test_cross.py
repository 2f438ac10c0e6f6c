"""Cross-assessment (交叉考核) and 1+N: who may score whom (never one's own subtree nor one's superior), forming the
groups, sealing until close (the assessed, the district and every list see nothing), the mean at close (two places,
half up), 1+N's weighting, late scoring refused, one row per assessor."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from apps.access import policy
from apps.access.models import Role
from apps.assessment import cross_services, round_services
from apps.assessment.cross_models import CrossScore
from apps.assessment.round_models import Score
from tests.factories import make_user

from .cross_helpers import cross_round, member_of, town_c
from .round_helpers import score_of

pytestmark = pytest.mark.django_db


def _score(user, group, org, rnd, entry_org, points, **kw):
    leaf = score_of(rnd, entry_org, "民主测评").indicator
    return cross_services.cross_score(actor=user, member=member_of(group, org), entry=rnd.entries.get(organization=entry_org),
                                      indicator=leaf, points=points, **kw)


def test_member_scores_peer_not_own_subtree(tree, make_system, admin):
    rnd, group = cross_round(make_system, admin, tree)
    town_a_admin = tree.users["town_a_admin"]
    row = _score(town_a_admin, group, tree.town_a, rnd, tree.branch_b, "2")
    assert (row.points, row.assessor_id) == (D("2.00"), tree.town_a.pk)
    with pytest.raises(ValidationError, match="不能为本单位"):
        _score(town_a_admin, group, tree.town_a, rnd, tree.branch_a, "2")
    # staff of another organization cannot score on a member's behalf
    with pytest.raises(ValidationError, match="不能代其评分"):
        _score(tree.users["secretary_b"], group, tree.town_a, rnd, tree.branch_b, "2")
    assert list(cross_services.eligible_entries(member_of(group, tree.town_a)).values_list("organization", flat=True)) == [
        tree.branch_b.pk]


def test_never_the_own_superior(tree, make_system, admin):
    """A member below an assessed organization (a party group under branch A) never scores branch A."""
    rnd, group = cross_round(make_system, admin, tree, members=(tree.group_a, tree.town_b))
    sec = make_user("sec_group", Role.SECRETARY, tree.group_a)
    with pytest.raises(ValidationError, match="上级组织"):
        _score(sec, group, tree.group_a, rnd, tree.branch_a, "1")
    assert _score(sec, group, tree.group_a, rnd, tree.branch_b, "1").points == D("1.00")


def test_forming_groups_rules(tree, make_system, admin):
    rnd, group = cross_round(make_system, admin, tree)
    with pytest.raises(ValidationError, match="已是本轮次"):
        cross_services.member_add(actor=admin, group=group, organization=tree.town_a)
    other = cross_services.group_create(actor=admin, round=rnd, name="第二组")
    cross_services.member_add(actor=admin, group=other, organization=tree.branch_a)
    with pytest.raises(ValidationError, match="上下级"):
        cross_services.member_add(actor=admin, group=other, organization=tree.group_a)
    with pytest.raises(ValidationError, match="成员单位须是"):
        cross_services.member_add(actor=admin, group=other, organization=tree.district)
    with pytest.raises(ValidationError, match="同名"):
        cross_services.group_create(actor=admin, round=rnd, name="第一组")
    with pytest.raises(ValidationError, match="含有不允许的字符"):
        cross_services.group_create(actor=admin, round=rnd, name="a\x00b")
    _score(tree.users["town_a_admin"], group, tree.town_a, rnd, tree.branch_b, "2")
    with pytest.raises(ValidationError, match="已有评分"):
        cross_services.member_remove(actor=admin, member=member_of(group, tree.town_a))
    with pytest.raises(ValidationError, match="已有评分"):
        cross_services.group_delete(actor=admin, group=group)
    cross_services.member_remove(actor=admin, member=member_of(group, tree.town_b))
    round_services.round_close(actor=admin, round=rnd)
    with pytest.raises(ValidationError, match="已结束"):
        cross_services.group_create(actor=admin, round=rnd, name="第三组")


def test_sealed_until_close_then_mean(tree, make_system, admin):
    town, village, town_c_admin = town_c(tree)
    rnd, group = cross_round(make_system, admin, tree, members=(tree.town_a, tree.town_b, town))
    _score(tree.users["town_a_admin"], group, tree.town_a, rnd, tree.branch_b, "2")
    _score(town_c_admin, group, town, rnd, tree.branch_b, "1.25", comment="较好")
    _score(town_c_admin, group, town, rnd, tree.branch_a, "2.5")
    leaf_b = score_of(rnd, tree.branch_b, "民主测评")
    assert leaf_b.points is None
    # sealed: nobody but the author sees a cross score — not the assessed, not the district
    for user in (tree.users["secretary_b"], tree.users["district_admin"], tree.users["secretary_a"]):
        assert not policy.restrict(CrossScore, user).exists()
    assert policy.restrict(CrossScore, tree.users["town_a_admin"]).count() == 1
    assert policy.restrict(CrossScore, town_c_admin).count() == 2
    total_before = rnd.entries.get(organization=tree.branch_b).total
    round_services.round_close(actor=admin, round=rnd)
    leaf_b.refresh_from_db()
    assert leaf_b.points == D("1.63")  # (2 + 1.25) / 2 = 1.625, half up
    assert leaf_b.inputs["count"] == 2 and leaf_b.inputs["mean"] == "1.63"
    # + 超期诉求's 10: the automatic snapshot the close took (none overdue)
    assert rnd.entries.get(organization=tree.branch_b).total == total_before + D("1.63") + D(10)
    assert score_of(rnd, tree.branch_a, "民主测评").points == D("2.50")
    # a village nobody scored counts 0 and says so
    c = score_of(rnd, village, "民主测评")
    assert c.points == D(0) and "无交叉评分" in c.inputs["note"]
    # opened: whoever sees the entry sees its scores
    assert policy.restrict(CrossScore, tree.users["secretary_b"]).count() == 2
    assert policy.restrict(CrossScore, tree.users["district_admin"]).count() == 3
    assert not policy.restrict(CrossScore, tree.users["secretary_a"]).filter(entry__organization=tree.branch_b).exists()


def test_one_plus_n(tree, make_system, admin):
    """1+N at 40%: the superior's 2.00 × 60% + the peers' mean 1.00 × 40% = 1.60."""
    rnd, group = cross_round(make_system, admin, tree, weight=40)
    score = score_of(rnd, tree.branch_b, "民主测评")
    round_services.score_manual(actor=admin, score=score, points=D(2), comment="上级")
    score.refresh_from_db()
    assert score.points is None and score.inputs["superior"] == "2.00"
    _score(tree.users["town_a_admin"], group, tree.town_a, rnd, tree.branch_b, "1")
    round_services.round_close(actor=admin, round=rnd)
    score.refresh_from_db()
    assert score.points == D("1.60")
    assert (score.inputs["superior"], score.inputs["mean"], score.inputs["weight"]) == ("2.00", "1.00", 40)


def test_superior_refused_on_a_pure_cross_leaf(tree, make_system, admin):
    rnd, _group = cross_round(make_system, admin, tree)
    with pytest.raises(ValidationError, match="互评"):
        round_services.score_manual(actor=admin, score=score_of(rnd, tree.branch_b, "民主测评"), points=D(1))


def test_late_and_bad_scores_refused(tree, make_system, admin):
    rnd, group = cross_round(make_system, admin, tree)
    user = tree.users["town_a_admin"]
    with pytest.raises(ValidationError, match="评分已截止"):
        _score(user, group, tree.town_a, rnd, tree.branch_b, "1", now=rnd.closes_at + timedelta(minutes=1))
    for bad, message in (("3", "不能超过"), ("-1", "负数"), ("abc", "数字"), ("1.234", "两位小数"), ("NaN", "数字")):
        with pytest.raises(ValidationError, match=message):
            _score(user, group, tree.town_a, rnd, tree.branch_b, bad)
    assert not CrossScore.objects.exists()
    round_services.round_close(actor=admin, round=rnd)
    with pytest.raises(ValidationError, match="不在评分中"):
        _score(user, group, tree.town_a, rnd, tree.branch_b, "1")


def test_one_row_per_assessor_updated_in_place(tree, make_system, admin):
    rnd, group = cross_round(make_system, admin, tree)
    user = tree.users["town_a_admin"]
    _score(user, group, tree.town_a, rnd, tree.branch_b, "1")
    _score(user, group, tree.town_a, rnd, tree.branch_b, "2.25", comment="改")
    row = CrossScore.objects.get()
    assert (row.points, row.comment) == (D("2.25"), "改")


def test_cross_weight_kept_only_on_manual_leaves(tree, make_system, admin):
    from apps.assessment import services
    from apps.assessment.models import Indicator

    system = make_system(group="village")
    auto = Indicator.objects.get(system=system, name="党员参会率")
    services.indicator_update(actor=admin, indicator=auto, data={"cross_weight": 50})
    assert Indicator.objects.get(pk=auto.pk).cross_weight == 0
    manual = Indicator.objects.get(system=system, name="民主测评")
    with pytest.raises(ValidationError, match="0至100"):
        services.indicator_update(actor=admin, indicator=manual, data={"cross_weight": 101})
    services.indicator_update(actor=admin, indicator=manual, data={"cross_weight": 30})
    copy = services.system_copy(actor=admin, system=system, year=2027)
    assert Indicator.objects.get(system=copy, name="民主测评").cross_weight == 30


def test_close_never_leaves_a_cross_leaf_blank(tree, make_system, admin):
    rnd, _group = cross_round(make_system, admin, tree)
    round_services.round_close(actor=admin, round=rnd)
    assert not Score.objects.filter(entry__round=rnd, points__isnull=True, indicator__cross_weight__gt=0).exists()
