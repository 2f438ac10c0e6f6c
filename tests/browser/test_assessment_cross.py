"""Cross-assessment (交叉考核) in the browser: a township administrator whose township is in a cross-assessment group
scores a village of the other township from 我的交叉评分 (sealed: the page says only their own unit sees it), and is
refused — with the reason — when the same form is sent for a village of their own township; the page reads on a
390 px phone without sideways scrolling."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.accounts.models import User
from apps.assessment import cross_services, services
from apps.assessment.cross_models import CrossScore
from apps.assessment.models import Indicator
from apps.assessment.tests.conftest import add_tree
from apps.assessment.tests.round_helpers import make_round
from apps.orgs.models import Organization
from apps.records.models import ActivityType
from tests.browser.conftest import PHONE
from tests.browser.test_phone import _no_horizontal_scroll


def _cross_round():
    admin = User.objects.get(username="district_admin")
    own = User.objects.get(username="town_admin").roles.get().organization
    district = Organization.objects.get(path=own.path[:Organization.steplen])
    group = services.group_create(actor=admin, organization=district, data={"name": "交叉测试村", "domains": ["village"]})
    system = services.system_create(actor=admin, group=group, data={"year": timezone.now().year, "name": "交叉考核测试"})
    add_tree(system, admin, {t.code: t for t in ActivityType.objects.all()})
    services.indicator_update(actor=admin, indicator=Indicator.objects.get(system=system, name="民主测评"),
                              data={"cross_weight": 100})
    rnd = make_round(admin, services.system_publish(actor=admin, system=system))
    # another township with a village in the round
    townships = {e.organization.path[:2 * Organization.steplen] for e in rnd.entries.select_related("organization")}
    other = Organization.objects.filter(depth=2, path__in=townships).exclude(pk=own.pk).order_by("path").first()
    cross = cross_services.group_create(actor=admin, round=rnd, name="第一组")
    for org in (own, other):
        cross_services.member_add(actor=admin, group=cross, organization=org)
    own_entry = rnd.entries.filter(organization__path__startswith=own.path).first()
    return rnd, own_entry


@pytest.mark.django_db(transaction=True)
def test_cross_member_scores_a_peer_and_is_refused_for_own(demo, page, new_page, login, shot):
    rnd, own_entry = _cross_round()
    assert own_entry is not None
    login(page, "town_admin")
    page.get_by_role("link", name="考核评价").click()
    page.get_by_role("link", name="我的交叉评分").click()
    page.get_by_role("link", name=rnd.name).click()
    first = page.get_by_test_id("cross-entry").first
    first.locator("input[name=points]").fill("2")
    first.locator("input[name=comment]").fill("材料齐全")
    first.get_by_test_id("cross-save").click()
    expect(page.locator("body")).to_contain_text("轮次结束前仅本单位可见")
    expect(page.get_by_test_id("cross-own").first).to_contain_text("本单位已评 2.00 分")
    shot(page, "assessment-cross")
    assert CrossScore.objects.filter(entry__round=rnd).count() == 1

    # The same form sent for a village of the town_admin's own township: refused with the reason, nothing saved.
    page.evaluate("""url => { const f = document.querySelector('[data-testid=cross-entry] form');
                              f.action = url; f.querySelector('[name=points]').value = '1'; f.submit(); }""",
                  f"/assessment/rounds/entries/{own_entry.pk}/cross/")
    expect(page.locator("body")).to_contain_text("不能为本单位")
    assert CrossScore.objects.filter(entry__round=rnd).count() == 1

    phone = new_page(**PHONE)
    login(phone, "town_admin")
    phone.goto(f"/assessment/rounds/{rnd.pk}/cross/")
    expect(phone.get_by_test_id("cross-sheet").first).to_be_visible()
    _no_horizontal_scroll(phone)
