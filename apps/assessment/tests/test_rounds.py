"""Rounds and scoring: the period within the system's weights, the scoring window, manual points, deduction and bonus
caps, the automatic job's inputs and its missing-value rule, the frozen snapshot after close, grade bands, rank ties,
the change from the previous round, year_total's weights."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.assessment import round_selectors, round_services, round_states
from apps.assessment.models import GradeBand, Period
from apps.assessment.round_models import Round, RoundStatus, Score
from apps.audit.models import AuditEvent

from .round_helpers import make_round, manual, published, score_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def system(make_system, admin):
    return published(make_system, admin, weight_quarter=D(40), weight_year=D(60))


def test_round_fixes_the_groups_organizations_within_scope(tree, admin, system):
    rnd = make_round(admin, system, open_=False)
    assert {e.organization for e in rnd.entries.all()} == {tree.branch_a, tree.branch_b}
    assert rnd.status == RoundStatus.DRAFT and rnd.period_key == "2026"
    # every leaf has a score: deductions full, bonuses 0, the rest unscored
    entry = rnd.entries.get(organization=tree.branch_a)
    assert entry.scores.count() == 8
    assert score_of(rnd, tree.branch_a, "负面清单").points == D(5)
    assert score_of(rnd, tree.branch_a, "表彰加分").points == D(0)
    assert entry.total == D(5)
    assert AuditEvent.objects.filter(object_type="assessment.round", action="create").count() == 1


def test_only_weighted_periods_and_in_use_systems(admin, system, make_system):
    with pytest.raises(ValidationError) as exc:
        make_round(admin, system, kind="month", number=3)
    assert "权重为0" in str(exc.value)
    rnd = make_round(admin, system, kind="quarter", number=2, open_=False)
    assert (rnd.period_start, rnd.period_end, rnd.period_key) == (date(2026, 4, 1), date(2026, 6, 30), "2026Q2")
    with pytest.raises(ValidationError):
        make_round(admin, system, kind="quarter", number=5)
    draft = make_system(group="a")
    with pytest.raises(ValidationError) as exc:
        make_round(admin, draft)
    assert "使用中" in str(exc.value)


def test_half_year_bounds():
    assert round_services.period_bounds(Period.HALF, 2026, 2)[1:] == (date(2026, 7, 1), date(2026, 12, 31))
    assert round_services.period_bounds(Period.MONTH, 2026, 2)[1:] == (date(2026, 2, 1), date(2026, 2, 28))


def test_scoring_refused_before_opening_early_and_late(tree, admin, system):
    rnd = make_round(admin, system, open_=False)
    with pytest.raises(ValidationError) as exc:
        manual(admin, rnd, tree.branch_a, 2)
    assert "草稿须先开始评分" in str(exc.value)
    now = timezone.now()
    early = make_round(admin, system, opens=now + timedelta(days=1), closes=now + timedelta(days=2))
    with pytest.raises(ValidationError) as exc:
        manual(admin, early, tree.branch_a, 2)
    assert "评分尚未开始" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        round_services.scoring_start(actor=admin, round=early)
    assert "评分尚未开始" in str(exc.value)
    late = make_round(admin, system)
    with pytest.raises(ValidationError) as exc:
        round_states.check_window(late, now + timedelta(days=11))
    assert "评分已截止" in str(exc.value)
    with pytest.raises(ValidationError):
        round_services.score_manual(actor=admin, score=score_of(late, tree.branch_a, "民主测评"), points="2",
                                    comment="迟到", now=now + timedelta(days=11))
    assert score_of(late, tree.branch_a, "民主测评").points is None


def test_manual_points_checked_and_audited(tree, admin, system):
    rnd = make_round(admin, system)
    for bad, message in (("-1", "负数"), ("2.6", "不能超过"), ("1e9", "不能超过"), ("abc", "数字"), ("NaN", "数字"),
                         ("1.234", "两位小数")):
        with pytest.raises(ValidationError) as exc:
            round_services.score_manual(actor=admin, score=score_of(rnd, tree.branch_a, "民主测评"), points=bad,
                                        comment="说明")
        assert message in str(exc.value), bad
    with pytest.raises(ValidationError) as exc:  # a manual score says why
        round_services.score_manual(actor=admin, score=score_of(rnd, tree.branch_a, "民主测评"), points="1", comment="  ")
    assert exc.value.message_dict == {"comment": ["请填写评分说明（评分依据）"]}
    with pytest.raises(ValidationError):
        round_services.score_manual(actor=admin, score=score_of(rnd, tree.branch_a, "民主测评"), points="1",
                                    comment="bad\x00")
    assert score_of(rnd, tree.branch_a, "民主测评").points is None
    manual(admin, rnd, tree.branch_a, "2.5")
    assert rnd.entries.get(organization=tree.branch_a).total == D("7.5")
    assert AuditEvent.objects.filter(object_type="assessment.score", action="update").count() == 1
    with pytest.raises(ValidationError):  # a deduction is scored by its items, not by hand
        round_services.score_manual(actor=admin, score=score_of(rnd, tree.branch_a, "负面清单"), points="1")


def test_deduction_and_bonus_caps(tree, admin, system):
    rnd = make_round(admin, system)
    add = round_services.score_item_add
    for i in range(5):  # 1 point each, cap 5
        add(actor=admin, score=score_of(rnd, tree.branch_a, "负面清单"), what=f"违规{i}", happened_on=date(2026, 3, 1))
    assert score_of(rnd, tree.branch_a, "负面清单").points == D(0)
    with pytest.raises(ValidationError) as exc:
        add(actor=admin, score=score_of(rnd, tree.branch_a, "负面清单"), what="再一次", happened_on=date(2026, 3, 1))
    assert "已扣满" in str(exc.value)
    for i in range(4):  # 0.5 each, cap 2
        add(actor=admin, score=score_of(rnd, tree.branch_a, "表彰加分"), what=f"表彰{i}", happened_on=date(2026, 5, 1))
    bonus = score_of(rnd, tree.branch_a, "表彰加分")
    assert (bonus.points, bonus.item_count, bonus.items.count()) == (D(2), 4, 4)
    with pytest.raises(ValidationError):
        add(actor=admin, score=bonus, what="又一次", happened_on=date(2026, 5, 1))
    with pytest.raises(ValidationError) as exc:  # outside the round's period
        add(actor=admin, score=score_of(rnd, tree.branch_b, "表彰加分"), what="x", happened_on=date(2025, 5, 1))
    assert "考核期间" in str(exc.value)
    assert round_services.item_points(bonus.indicator, 100) == D(2)
    assert rnd.entries.get(organization=tree.branch_a).total == D(2)


def test_automatic_scoring_job_snapshot_and_missing_rule(tree, admin, system, types):
    rnd = make_round(admin, system)
    job = round_services.scoring_start(actor=admin, round=rnd)
    job.refresh_from_db()
    assert job.status == "succeeded", job.result
    rate = score_of(rnd, tree.branch_a, "群众诉求满意率")
    # no case was rated in the tree: no data, scored 0 with the reason, shown as 无数据
    assert rate.points == D(0) and rate.inputs["missing"] and "无数据" in rate.comment
    overdue = score_of(rnd, tree.branch_a, "超期诉求")  # a count: 0 overdue cases is full points
    assert overdue.points == D(10) and overdue.inputs["numerator"] == 0
    assert overdue.inputs["formula"] and overdue.inputs["period"] == "2026"
    rnd.refresh_from_db()
    assert rnd.scored_at is not None


def test_close_freezes_scores_and_refuses_rescoring(tree, admin, system, types, monkeypatch):
    rnd = make_round(admin, system)
    round_services.scoring_start(actor=admin, round=rnd)
    manual(admin, rnd, tree.branch_a, 2)
    before = {e.organization_id: e.total for e in rnd.entries.all()}
    snapshot = {s.pk: (s.points, s.inputs) for s in Score.objects.filter(entry__round=rnd)}
    round_services.round_close(actor=admin, round=rnd)
    # The records change afterwards: every automatic metric now reads differently.
    from apps.records import metrics

    def changed(orgs, period, today=None):
        out = {}
        for org in orgs:
            m = metrics.Metrics(required=10, held=10, records=4, late_records=0, expected=10, present=10)
            out[org.pk] = m
        return out

    monkeypatch.setattr(metrics, "metrics_by_organization", changed)
    with pytest.raises(ValidationError) as exc:
        round_services.scoring_start(actor=admin, round=rnd)
    assert "已结束" in str(exc.value)
    with pytest.raises(ValidationError):
        manual(admin, rnd, tree.branch_a, 1)
    # Even a job queued before the close finds the round frozen and writes nothing.
    from apps.core import jobs
    from apps.core.models import Job

    stale = Job.objects.create(kind=round_services.SCORING_KIND, title="x", created_by=admin, params={"round": rnd.pk})
    assert jobs.run(stale, round_services.scoring_job).status == "failed"
    assert {e.organization_id: e.total for e in rnd.entries.all()} == before
    assert {s.pk: (s.points, s.inputs) for s in Score.objects.filter(entry__round=rnd)} == snapshot


def test_grade_bands_and_rank_ties(tree, admin, system):
    bands = list(GradeBand.objects.filter(system=system).order_by("-min_score"))
    assert round_selectors.band_of(bands, D(100)).name == "好"
    assert round_selectors.band_of(bands, D(90)).name == "好"
    assert round_selectors.band_of(bands, D("89.99")).name == "较好"
    assert round_selectors.band_of(bands, D(0)).name == "差"
    assert round_selectors.ranks([D(95), D(90), D(90), D(80)]) == [1, 2, 2, 4]
    rnd = make_round(admin, system)
    manual(admin, rnd, tree.branch_a, 2)
    manual(admin, rnd, tree.branch_b, 2)
    rows = round_selectors.results(rnd, rnd.entries.all())
    assert [r.rank for r in rows] == [1, 1]
    assert rows[0].band.name == "差"
    # what to improve: the three leaves that lost most (a bonus not earned is no loss)
    assert [i.name for i, _lost in rows[0].improve] == ["组织生活完成率", "主题党日", "群众诉求满意率"]
    manual(admin, rnd, tree.branch_b, "2.5")
    # The round's page reads the first rows only, ranked among all; a secretary's single row too.
    [top] = round_selectors.results(rnd, list(round_selectors.ordered(rnd.entries.all())[:1]))
    assert (top.entry.organization_id, top.rank) == (tree.branch_b.pk, 1)
    [own] = round_selectors.results(rnd, rnd.entries.filter(organization=tree.branch_a))
    assert own.rank == 2 and [i.name for i, _lost in own.improve] == ["组织生活完成率", "主题党日", "群众诉求满意率"]


def test_change_from_previous_closed_round(tree, admin, system):
    q1 = make_round(admin, system, kind="quarter", number=1)
    manual(admin, q1, tree.branch_a, 1)
    round_services.round_close(actor=admin, round=q1)
    q2 = make_round(admin, system, kind="quarter", number=2)
    manual(admin, q2, tree.branch_a, "2.5")
    year = make_round(admin, system)  # another period kind: not the previous of a quarter
    round_services.round_close(actor=admin, round=year)
    # q1's close took its automatic snapshot (超期诉求's 10); q2's own scored by the job, so the two compare alike
    assert round_services.scoring_run(actor=admin, round=q2).status == "succeeded"
    rows = {r.entry.organization_id: r for r in round_selectors.results(q2, q2.entries.all())}
    assert rows[tree.branch_a.pk].change == D("1.5")
    assert rows[tree.branch_b.pk].change == D(0)
    assert round_selectors.results(q1, q1.entries.all())[0].change is None


def test_year_total_weights_and_mean_of_quarters(tree, admin, system):
    # quarter 40 %, year 60 %: the quarters' mean counts 40 %
    for number, points in ((1, "1"), (2, "2")):
        rnd = make_round(admin, system, kind="quarter", number=number)
        manual(admin, rnd, tree.branch_a, points)
        round_services.round_close(actor=admin, round=rnd)
    partial = round_selectors.year_total(system.group, 2026, tree.branch_a)
    # totals 16 and 17 (5 of the deduction's full points + 10 of 超期诉求, none overdue, from the automatic snapshot
    # the close took + the manual points): mean 16.5 × 40 % = 6.6
    assert partial.total == D("6.60") and partial.missing == [Period.YEAR]
    rnd = make_round(admin, system)
    manual(admin, rnd, tree.branch_a, "2.5")
    open_total = round_selectors.year_total(system.group, 2026, tree.branch_a)
    assert open_total.total == D("6.60")  # an open round does not count
    round_services.round_close(actor=admin, round=rnd)
    full = round_selectors.year_total(system.group, 2026, tree.branch_a)
    assert full.total == D("17.10") and full.missing == []  # 6.6 + 17.5 × 60 %


def test_round_delete_only_draft(admin, system):
    rnd = make_round(admin, system, open_=False)
    round_services.round_delete(actor=admin, round=rnd)
    assert not Round.objects.filter(pk=rnd.pk).exists()
    rnd = make_round(admin, system)
    with pytest.raises(ValidationError):
        round_services.round_delete(actor=admin, round=rnd)


def test_half_year_round_scored_by_the_job(tree, admin, make_system, types):
    system = published(make_system, admin, weight_half=D(50), weight_year=D(50))
    rnd = make_round(admin, system, kind="half", number=1)
    assert (rnd.period_key, rnd.period_start, rnd.period_end) == ("2026H1", date(2026, 1, 1), date(2026, 6, 30))
    job = round_services.scoring_start(actor=admin, round=rnd)
    job.refresh_from_db()
    assert job.status == "succeeded", job.result
    assert score_of(rnd, tree.branch_a, "超期诉求").inputs["period"] == "2026H1"
    with pytest.raises(ValidationError):
        make_round(admin, system, kind="quarter", number=1)
