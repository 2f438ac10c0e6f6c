"""考核评价 in the browser, the results published: the district administrator closes a round of the demo's 村 group
(its confirmation dialog), sees the ranking with its chart, publishes it with a 年述评 note; an anonymous visitor
opens the public page and sees the ranking and the note, on a 390 px phone without sideways scrolling, and it prints
on A4 (letterhead, no buttons, nothing past the margin). Withdrawn, the page is gone."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.accounts.models import User
from apps.assessment import round_services
from apps.assessment.models import IndicatorSystem
from tests.browser.conftest import PHONE
from tests.browser.test_phone import _no_horizontal_scroll
from tests.browser.test_print import _check_print_view

NOTE = "全年各村党组织组织生活规范有序，群众诉求办理满意率较高。排名靠后的村要对照需改进事项逐项整改。"


@pytest.mark.django_db(transaction=True)
def test_close_publish_and_read_the_public_page(demo, page, new_page, login, shot):
    admin = User.objects.get(username="district_admin")
    system = IndicatorSystem.objects.filter(group__name="村", status="in_use").order_by("-year").first()  # this year's
    now = timezone.now()
    rnd = round_services.round_create(actor=admin, system=system, data={
        "period_kind": "year", "name": "村 年度考核", "opens_at": now - timedelta(days=1),
        "closes_at": now + timedelta(days=5)})
    rnd = round_services.round_open(actor=admin, round=rnd)
    first = rnd.entries.order_by("organization__path").select_related("organization").first()
    score = first.scores.select_related("indicator", "entry__round").filter(indicator__method="manual").first()
    round_services.score_manual(actor=admin, score=score, points=score.indicator.max_points, comment="全年工作突出")

    login(page, "district_admin")
    page.goto(f"/assessment/rounds/{rnd.pk}/")
    page.once("dialog", lambda dialog: dialog.accept())  # 结束评分 asks for confirmation
    page.get_by_test_id("round-close").click()
    expect(page.locator(".alert-success")).to_contain_text("已结束")
    page.get_by_role("link", name="考核结果").click()
    expect(page.get_by_test_id("results")).to_contain_text(first.organization.name)
    expect(page.locator("#ranking-chart svg")).to_be_visible()  # ECharts drew the bars
    page.get_by_test_id("publish").click()
    page.locator("select[name=kind]").select_option("year")
    page.locator("textarea[name=note]").fill(NOTE)
    page.get_by_test_id("publish-submit").click()
    expect(page.get_by_test_id("publications")).to_contain_text("已发布")
    public_url = page.get_by_test_id("public-link").get_attribute("href")

    visitor = new_page()  # nobody signed in
    visitor.goto("/accounts/login/")  # where the public pages are offered
    visitor.get_by_test_id("public-links").get_by_role("link", name="考核结果公示").click()
    visitor.get_by_role("link", name="村 年度考核 考核结果").click()
    expect(visitor).to_have_url(f"{visitor.url.split('/results/')[0]}{public_url}")
    expect(visitor.get_by_test_id("note")).to_contain_text("年述评")
    expect(visitor.get_by_test_id("note")).to_contain_text(NOTE)
    expect(visitor.get_by_test_id("ranking")).to_contain_text(first.organization.name)
    expect(visitor.get_by_test_id("ranking").locator("tbody tr")).to_have_count(min(rnd.entries.count(), 50))
    expect(visitor.locator("#ranking-chart svg")).to_be_visible()
    shot(visitor, "assessment-results-public")
    _check_print_view(visitor, "assessment_results", "村 年度考核 考核结果", rnd.organization.name)

    phone = new_page(**PHONE)
    phone.goto(public_url)
    expect(phone.get_by_test_id("note")).to_be_visible()
    _no_horizontal_scroll(phone)
    shot(phone, "assessment-results-phone")

    page.once("dialog", lambda dialog: dialog.accept())  # 撤回发布 asks too
    page.get_by_test_id("withdraw").click()
    expect(page.get_by_test_id("publications")).to_contain_text("已撤回")
    assert visitor.goto(public_url).status == 404
