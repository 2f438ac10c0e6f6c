"""Chinese full-text search by bigrams, and the three rates and rankings."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from apps.cases import metrics, search, services
from apps.cases.models import Case
from apps.core.periods import parse_period, period_containing

pytestmark = pytest.mark.django_db


def test_tokens():
    assert search.index_text("路灯不亮") == "路灯 灯不 不亮"
    assert search.index_text("3号楼 Wi-Fi", "漏") == "3 号楼 wi fi 漏"
    assert search.parse_query("漏水  3号楼 水") == ([["漏水"], ["3"], ["号楼"]], ["水"])


def test_search_finds_words_in_order_not_scattered_characters(cases, submit):
    a, _ = submit(description="3号楼楼顶漏水严重，雨天屋里都是水")
    b, _ = submit(description="水管爆裂，漏了一地")
    c, _ = submit(description="路灯不亮已经三天", address="新华路12号")
    everything = Case.objects.all()
    assert set(search.search(everything, "漏水")) == {a}
    assert set(search.search(everything, "漏水 3号楼")) == {a}
    assert set(search.search(everything, "水管 爆裂")) == {b}
    assert set(search.search(everything, "新华路")) == {c}  # the address is searched too
    assert set(search.search(everything, "水")) == {a, b}  # one character: a substring match
    assert not search.search(everything, "不存在的词").exists()
    assert not search.search(everything, "!!").exists()
    # The answer joins the text once the case is resolved.
    services.case_sign(actor=cases.users["town_a_admin"], case=c, unit=cases.town_a)
    services.case_resolve(actor=cases.users["town_a_admin"], case=c, unit=cases.town_a, answer="已更换灯泡")
    assert set(search.search(everything, "更换灯泡")) == {c}


def _month():
    return period_containing("month", timezone.localdate())


def _handle(cases, case, *, sign_after=None, rating=None, solved=True, late=False, unit=None, actor=None):
    unit, actor = unit or cases.town_a, actor or cases.users["town_a_admin"]
    case.refresh_from_db()
    now = timezone.now()
    services.case_sign(actor=actor, case=case, unit=unit, now=now + (sign_after or timedelta(minutes=5)))
    if rating is not None or late:
        resolved = case.deadline + timedelta(hours=1) if late else now + timedelta(hours=2)
        services.case_resolve(actor=actor, case=case, unit=unit, answer="已处理", now=resolved)
    if rating:
        services.case_rate(case=case, rating=rating, solved=solved, now=timezone.now() + timedelta(days=10))


def test_three_rates_for_a_unit(cases, submit):
    for _ in range(4):
        _handle(cases, submit()[0], rating="satisfied")
    _handle(cases, submit()[0], rating="basic")
    _handle(cases, submit()[0], rating="unsatisfied", solved=False)
    _handle(cases, submit()[0], sign_after=timedelta(hours=3), late=True)  # signed late, resolved late, unrated
    submit()  # dispatched, still within the time to sign: not yet in the response rate
    f = metrics.case_figures(period=_month(), units=[cases.town_a])
    assert (f.received, f.response_base, f.responded) == (8, 7, 6)
    assert (f.resolved, f.rated, f.solved, f.satisfied, f.overdue) == (7, 6, 5, 5, 1)
    assert f.response_rate == pytest.approx(6 / 7) and f.solution_rate == pytest.approx(5 / 6)
    assert f.satisfaction_rate == pytest.approx(5 / 6)
    assert f.score == pytest.approx(round((30 * 6 / 7 + 35 * 5 / 6 + 35 * 5 / 6), 1))
    assert f.avg_handling_hours > 2
    with override_settings(CASE_RATE_WEIGHTS="100,0,0"):
        assert f.score == pytest.approx(round(100 * 6 / 7, 1))


def test_open_cases_past_the_deadline_are_overdue_and_a_time_to_sign_run_out_counts(cases, submit):
    case, _ = submit()
    later = timezone.now() + timedelta(days=8)
    f = metrics.case_figures(period=_month(), units=[cases.town_a], now=later)
    assert f.overdue == 1 and (f.response_base, f.responded) == (1, 0)
    assert metrics.case_figures(period=_month(), units=[cases.town_a]).overdue == 0


def test_merged_submissions_count_once_but_every_rating_counts(cases, submit):
    first, _ = submit()
    second, _ = submit()
    services.case_merge(actor=cases.users["dispatcher"], case=second, master=first)
    _handle(cases, first, rating="satisfied")
    services.case_rate(case=Case.objects.get(pk=second.pk), rating="unsatisfied", solved=False)
    f = metrics.case_figures(period=_month(), units=[cases.town_a])
    assert f.received == 1 and f.rated == 2 and f.satisfied == 1


@override_settings(CASE_RANKING_MIN_CASES=1)  # the grouping, not the sample size (test_score_rules.py)
def test_rankings_by_township_department_area_and_category(cases, submit):
    for _ in range(3):
        _handle(cases, submit()[0], rating="satisfied")
    _handle(cases, submit(area=cases.tree.branch_b)[0], rating="unsatisfied", solved=False, unit=cases.town_b)
    _handle(cases, submit("housing")[0], rating="basic", unit=cases.dept, actor=cases.users["dept_handler"])
    period = _month()
    township = metrics.rankings(period, group="township")
    assert [(r.label, r.rank, r.figures.received) for r in township] == [("甲镇", 1, 3), ("乙镇", 2, 1)]
    department = metrics.rankings(period, group="department")
    assert department[0].label == "区住建委" and department[0].figures.received == 1
    assert department[-1].label == "区群众工作中心" and department[-1].rank is None  # no cases: last, unranked
    area = {r.label: r.figures.received for r in metrics.rankings(period, group="area")}
    assert area == {"甲镇": 4, "乙镇": 1}  # the housing case is in 甲镇, whoever handled it
    by_service = {r.label: r.figures.received for r in metrics.rankings(period, group="service")}
    assert by_service["环境卫生"] == 4 and by_service["住房安全"] == 1
    # A township's village units roll up into it.
    from apps.cases.models import HandlingUnit, UnitKind

    village = HandlingUnit.objects.create(name="甲村", kind=UnitKind.VILLAGE, organization=cases.tree.branch_a,
                                          parent=cases.town_a)
    case, _ = submit()
    assert Case.objects.get(pk=case.pk).lead_unit == village  # 属地: the village's own unit, the nearest
    assert metrics.rankings(period, group="township")[0].figures.received == 4
    # Within a township's scope only that township is ranked.
    assert [r.label for r in metrics.rankings(period, group="township", within=cases.tree.town_b)] == ["乙镇"]
    # Another period has nothing.
    empty = metrics.rankings(parse_period("2001"), group="township")
    assert all(r.figures.received == 0 and r.rank is None for r in empty)


def test_metrics_query_once_whatever_the_number_of_units(cases, submit, django_assert_max_num_queries):
    for _ in range(3):
        submit()
    with django_assert_max_num_queries(4):  # the roll-ups, the open cases' clock-driven parts, the units, their villages
        metrics.rankings(_month(), group="township")


def test_rejected_cases_are_no_units_work(cases, submit):
    kept, _ = submit()
    dropped, _ = submit()
    services.case_reject(actor=cases.users["dispatcher"], case=dropped, reason="重复的测试信息")
    f = metrics.case_figures(period=_month(), units=[cases.town_a], now=timezone.now() + timedelta(days=30))
    assert f.received == 1 and f.response_base == 1 and f.overdue == 1
    assert kept.status == "dispatched"  # case_submit hands back the case as routed


def test_the_text_index_survives_sqlite_rebuilding_the_table(cases, submit):
    from django.db import connection

    from apps.cases.search import ensure_index

    case, _ = submit(description="村口的桥栏杆断了")
    if connection.vendor != "sqlite":
        assert ensure_index() is False
        return
    with connection.cursor() as cursor:  # what a migration rebuilding cases_case does to its triggers
        cursor.execute("DROP TRIGGER cases_case_fts_ai")
        cursor.execute("DROP TRIGGER cases_case_fts_au")
    Case.objects.filter(pk=case.pk).update(search_tokens=search.index_text("桥梁护栏损坏"))
    assert ensure_index() is True  # put back, and the index rebuilt from the table
    assert set(search.search(Case.objects.all(), "护栏")) == {case}
    assert ensure_index() is False
    other, _ = submit(description="桥头路灯不亮")
    assert set(search.search(Case.objects.all(), "路灯")) == {other}


@override_settings(CASE_RANKING_MIN_CASES=1)
def test_ranked_by_volume_as_well(cases, submit):
    _handle(cases, submit()[0], rating="unsatisfied", solved=False)
    for _ in range(2):
        submit(area=cases.tree.branch_b)
    by_score = metrics.rankings(_month(), group="township")
    by_volume = metrics.rankings(_month(), group="township", order="received")
    # 乙镇's two cases wait to be signed for, still in time: nothing to score yet, so by the score it is unranked.
    assert [(r.label, r.rank) for r in by_score] == [("甲镇", 1), ("乙镇", None)]
    assert [(r.label, r.rank) for r in by_volume] == [("乙镇", 1), ("甲镇", 2)]
