"""考核评价 in the browser: the district administrator sets up a group and a draft through the pages and publishes it
(its confirmation dialog); the system's page prints on A4 (letterhead, no buttons, nothing past the margin) and reads
on a 390 px phone without sideways scrolling."""

import pytest
from playwright.sync_api import expect

from apps.accounts.models import User
from apps.assessment.models import IndicatorSystem
from apps.assessment.tests.conftest import add_tree
from apps.records.models import ActivityType
from tests.browser.conftest import PHONE
from tests.browser.test_phone import _no_horizontal_scroll
from tests.browser.test_print import _check_print_view


@pytest.mark.django_db(transaction=True)
def test_set_up_publish_print_and_read_on_a_phone(demo, page, new_page, login, shot):
    login(page, "district_admin")
    page.get_by_role("link", name="考核评价").click()
    page.get_by_role("link", name="考核类别", exact=True).click()
    page.get_by_role("link", name="新建考核类别").click()
    page.locator("input[name=name]").fill("示范村")  # the demo has a group 村 already
    page.get_by_label("村", exact=True).check()
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("members")).to_be_visible()

    page.goto("/assessment/new/")
    page.locator("input[name=name]").fill("村党组织考核")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("system-status")).to_contain_text("草稿")
    expect(page.get_by_test_id("problems")).to_contain_text("尚未设置考核指标")

    system = IndicatorSystem.objects.select_related("group__organization").get(name="村党组织考核")
    add_tree(system, User.objects.get(username="district_admin"), {t.code: t for t in ActivityType.objects.all()})
    page.reload()
    expect(page.get_by_test_id("problems")).to_have_count(0)
    expect(page.locator("[data-testid=indicator-tree] > li")).to_have_count(11)
    page.once("dialog", lambda dialog: dialog.accept())  # 发布 asks for confirmation
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("system-status")).to_contain_text("使用中")
    shot(page, "assessment-published")
    _check_print_view(page, "assessment", "村党组织考核", system.group.organization.name)

    phone = new_page(**PHONE)
    login(phone, "district_admin")
    phone.goto(f"/assessment/systems/{system.pk}/")
    expect(phone.get_by_test_id("indicator-tree")).to_be_visible()
    _no_horizontal_scroll(phone)
    shot(phone, "assessment-phone")
    phone.goto("/assessment/")
    _no_horizontal_scroll(phone)
