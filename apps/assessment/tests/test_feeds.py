"""Sources of deduction and bonus items (feeds.py) and pulling them into a round (feed_services.round_items_pull):
idempotent, capped like items entered by hand, only within the round's period, only what was not done, refused
outside scoring; the indicator names its source while a draft; the manual form shows the inspections."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from apps.assessment import duty_selectors, feed_services, feeds, round_services, services
from apps.assessment.round_models import ScoreItem
from apps.assessment.round_services import item_points
from apps.audit.models import AuditEvent
from tests.factories import make_user

from .duty_helpers import fed_system, inspect, score, template
from .round_helpers import make_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def duties(tree, admin):
    template(admin, tree)
    return inspect(tree.users["town_a_admin"], tree.branch_a)  # Q1: a task not done, a prohibited act violated


def test_pull_is_idempotent_and_links_the_result(tree, admin, make_system, duties):
    rnd = make_round(admin, fed_system(make_system, admin))
    report = feed_services.round_items_pull(actor=admin, round=rnd)
    assert (report.added, report.already, report.over_cap, report.out_of_period) == (2, 0, [], 0)
    s = score(rnd, tree.branch_a)
    assert s.points == D(3) and s.item_count == 2  # 5 − 2 × 1
    assert rnd.entries.get(organization=tree.branch_a).total == D(3) + D(0)  # nothing else scored yet
    assert score(rnd, tree.branch_b).points == D(5)  # no inspection, nothing taken off
    items = list(s.items.order_by("id"))
    failed = duties.results.filter(outcome="not_done").order_by("id")
    assert [i.source_ref for i in items] == [f"inspection-result:{r.pk}" for r in failed]
    assert items[0].url == f"/assessment/inspections/{duties.pk}/#result-{failed[0].pk}"
    assert items[0].happened_on == date(2026, 3, 28) and "每季度讲一次党课" in items[0].what and items[0].note == "核查"
    assert "违反" in items[1].what
    again = feed_services.round_items_pull(actor=admin, round=rnd)
    assert (again.added, again.already) == (0, 2)
    assert ScoreItem.objects.filter(score=s).count() == 2
    s.refresh_from_db()
    assert s.points == D(3)
    assert AuditEvent.objects.filter(object_type="assessment.scoreitem").count() == 2
    # the source is copied with the system (next year's draft keeps it)
    copy = services.system_copy(actor=admin, system=rnd.system, year=2027)
    assert copy.indicators.get(name="负面清单").item_feed == "duties.violations"


def test_cap_respected_with_items_entered_by_hand(tree, admin, make_system, duties):
    rnd = make_round(admin, fed_system(make_system, admin))
    s = score(rnd, tree.branch_a)
    for n in range(4):  # 4 of the cap's 5 points entered by hand
        round_services.score_item_add(actor=admin, score=s, what=f"手工{n}", happened_on=date(2026, 5, 1))
    report = feed_services.round_items_pull(actor=admin, round=rnd)
    assert report.added == 1 and len(report.over_cap) == 1
    assert report.over_cap[0][:2] == ("甲村党支部", "负面清单") and "违反" in report.over_cap[0][2]
    assert "1项超出" in report.message()
    s.refresh_from_db()
    assert s.item_count == 5 and s.points == D(0)
    again = feed_services.round_items_pull(actor=admin, round=rnd)
    assert again.added == 0 and again.already == 1 and len(again.over_cap) == 1
    assert rnd.entries.get(organization=tree.branch_a).total == D(0)


def test_only_within_the_period_and_only_not_done(tree, admin, make_system, duties):
    # Q4 of the year before, inspected in January: it counts in that quarter, not in 2026
    inspect(tree.users["town_a_admin"], tree.branch_a, key="2025Q4", inspected_on=date(2026, 1, 10))
    # Q2 all done: nothing
    inspect(tree.users["town_a_admin"], tree.branch_a, key="2026Q2", inspected_on=date(2026, 6, 20), failing=())
    system = fed_system(make_system, admin, weight_quarter=D(40), weight_year=D(60))
    q2 = make_round(admin, system, kind="quarter", number=2)
    assert feed_services.round_items_pull(actor=admin, round=q2).added == 0
    assert score(q2, tree.branch_a).points == D(5)
    year = make_round(admin, system)
    assert feed_services.round_items_pull(actor=admin, round=year).added == 2  # Q1's two only
    assert set(score(year, tree.branch_a).items.values_list("happened_on", flat=True)) == {date(2026, 3, 28)}
    found = duty_selectors.violations([tree.branch_a.pk], date(2025, 10, 1), date(2025, 12, 31))
    assert [e["happened_on"] for e in found[tree.branch_a.pk]] == [date(2025, 12, 31)] * 2


def test_refused_unless_open(tree, admin, make_system, duties):
    system = fed_system(make_system, admin)
    draft = make_round(admin, system, open_=False)
    with pytest.raises(ValidationError, match="草稿须先开始评分"):
        feed_services.round_items_pull(actor=admin, round=draft)
    rnd = make_round(admin, system)
    round_services.round_close(actor=admin, round=rnd)
    with pytest.raises(ValidationError, match="已结束的轮次不能再评分"):
        feed_services.round_items_pull(actor=admin, round=rnd)
    assert not ScoreItem.objects.exists()


def test_a_generic_feed_for_a_bonus_and_a_feed_out_of_period(tree, admin, make_system):
    calls = []

    def honours(org_ids, start, end):
        calls.append((sorted(org_ids), start, end))
        return {tree.branch_b.pk: [
            {"ref": "h1", "what": "示范党支部", "happened_on": date(2026, 4, 1), "note": "", "url": "/x/1"},
            {"ref": "h2", "what": "过期", "happened_on": date(2025, 4, 1)},
            {"ref": "h3", "what": "先进", "happened_on": date(2026, 5, 1), "url": "javascript:alert(1)"},
            {"ref": "h4", "what": "第五", "happened_on": date(2026, 6, 1)},
            {"ref": "h5", "what": "第六", "happened_on": date(2026, 7, 1)},
            {"ref": "h6", "what": "第七", "happened_on": date(2026, 8, 1)}]}

    feeds.register("test.honours", "示范创建", honours)
    try:
        system = make_system(group="village")
        leaf = system.indicators.get(name="表彰加分")
        services.indicator_update(actor=admin, indicator=leaf, data={"item_feed": "test.honours"})
        with pytest.raises(ValidationError, match="未知的扣（加）分事项来源"):
            services.indicator_update(actor=admin, indicator=leaf, data={"item_feed": "nope"})
        manual = system.indicators.get(name="民主测评")
        services.indicator_update(actor=admin, indicator=manual, data={"item_feed": "test.honours"})
        manual.refresh_from_db()
        assert manual.item_feed == ""  # only a deduction or bonus takes items
        system = services.system_publish(actor=admin, system=system)
        rnd = make_round(admin, system)
        report = feed_services.round_items_pull(actor=admin, round=rnd)
    finally:
        feeds.unregister("test.honours")
    assert calls == [(sorted([tree.branch_a.pk, tree.branch_b.pk]), date(2026, 1, 1), date(2026, 12, 31))]
    # 0.5 a honour, at most 2 points: four counted, one beyond the cap, one out of the period
    assert (report.added, len(report.over_cap), report.out_of_period) == (4, 1, 1)
    bonus = score(rnd, tree.branch_b, "表彰加分")
    assert bonus.points == D(2)
    assert dict(bonus.items.values_list("source_ref", "url")) == {"h1": "/x/1", "h3": "", "h4": "", "h5": ""}


def test_the_round_page_button_and_the_sheet(client, tree, admin, make_system, duties):
    rnd = make_round(admin, fed_system(make_system, admin))
    client.force_login(admin)
    assert 'data-testid="pull-items"' in client.get(f"/assessment/rounds/{rnd.pk}/").content.decode()
    response = client.post(f"/assessment/rounds/{rnd.pk}/pull/")
    assert response.status_code == 302
    assert score(rnd, tree.branch_a).item_count == 2
    town = make_user("town_admin_2", "org_admin", tree.town_a)
    client.force_login(town)  # sees the round, does not manage it
    assert client.post(f"/assessment/rounds/{rnd.pk}/pull/").status_code == 403
    sheet = client.get(f"/assessment/rounds/entries/{rnd.entries.get(organization=tree.branch_a).pk}/").content.decode()
    assert 'data-testid="item-source"' in sheet and f"/assessment/inspections/{duties.pk}/#result-" in sheet
    # the manual leaf shows the period's inspections: 1 done, 2 not done
    assert 'data-testid="inspections"' in sheet and "完成1项，未完成（违反）2项" in sheet
    round_services.round_close(actor=admin, round=rnd)
    client.force_login(admin)
    response = client.post(f"/assessment/rounds/{rnd.pk}/pull/")
    assert response.status_code == 400 and "已结束的轮次不能再评分" in response.content.decode()
    assert 'data-testid="pull-items"' not in client.get(f"/assessment/rounds/{rnd.pk}/").content.decode()


def test_the_honours_feed_credits_a_bonus_indicator(tree, admin, make_system):
    """示范创建 → 加分: an award approved within the period is pulled into the bonus leaf naming the registered
    honours feed, linked to its nomination; pulling again adds nothing."""
    from apps.assessment import honour_selectors

    from .honour_helpers import approve, campaign, nominate

    award = approve(tree, nominate(tree, campaign(tree), "五好示范党支部", org=tree.branch_a), on=date(2026, 3, 5))
    assert feeds.get(honour_selectors.AWARDS_FEED) is not None
    system = make_system(group="village")
    leaf = system.indicators.get(name="表彰加分")
    services.indicator_update(actor=admin, indicator=leaf, data={"item_feed": honour_selectors.AWARDS_FEED})
    rnd = make_round(admin, services.system_publish(actor=admin, system=system))
    assert feed_services.round_items_pull(actor=admin, round=rnd).added == 1
    assert feed_services.round_items_pull(actor=admin, round=rnd).added == 0
    bonus = score(rnd, tree.branch_a, "表彰加分")
    item = bonus.items.get()
    assert item.source_ref == f"honour:{award.pk}" and item.url == f"/assessment/honours/nominations/{award.pk}/"
    assert bonus.points == item_points(bonus.indicator, 1) > 0
