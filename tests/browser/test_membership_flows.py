"""Issue 15's flowing members and status changes in the browser: the demo secretary registers a member of the branch
as gone to work elsewhere (流出), records a report-back, and the member's page tells it in the whole history; the
township administrator records 停止党籍 for a member long out of contact — refused first for a date under six months
from the day contact was lost, then recorded — and the member's page shows the new status and the change."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.access.models import RoleAssignment
from apps.core.dates import add_months
from apps.members.models import Member, MemberStatus
from apps.membership.flow_models import FlowOut, LostContact, LostStatus
from apps.membership.transfer_models import OPEN_TRANSFER, Transfer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_flows_out_reports_back_and_the_history_tells_it(demo, new_page, login, shot):
    branch = RoleAssignment.objects.select_related("organization").get(user__username="secretary").organization
    busy = Transfer.objects.filter(status__in=OPEN_TRANSFER).values("member_id")
    member = (Member.objects.filter(organization=branch, status=MemberStatus.NORMAL).exclude(pk__in=busy)
              .exclude(user__username="member").order_by("-pk").first())
    page = new_page(viewport={"width": 1280, "height": 900})
    login(page, "secretary")
    today = timezone.localdate()

    page.goto("/membership/flows/out/new/")
    page.locator("#member-q").fill(member.name)
    with page.expect_navigation():
        page.get_by_role("button", name="查找").click()
    page.get_by_test_id("member-matches").get_by_role("link", name=member.name).first.click()
    page.locator("[name=place]").fill("浙江省宁波市")
    page.locator("[name=since]").fill(f"{today - timedelta(days=200):%Y-%m-%d}")
    page.locator("[name=host_name]").fill("宁波某工业园区党委")
    with page.expect_navigation():
        page.get_by_role("button", name="登记", exact=True).click()
    expect(page.locator("main")).to_contain_text("已登记流出，该党员状态为流动")
    flow = FlowOut.objects.get(member=member, status="open")

    page.locator("[name=reported_on]").fill(f"{today - timedelta(days=10):%Y-%m-%d}")
    page.locator("[name=way]").select_option("phone")
    page.locator("[name=content]").fill("在园区企业务工，参加园区党委组织的主题党日")
    with page.expect_navigation():
        page.get_by_role("button", name="登记汇报").click()
    expect(page.get_by_test_id("reports")).to_contain_text("参加园区党委组织的主题党日")
    expect(page.get_by_test_id("overdue")).to_have_count(0)
    shot(page, "membership_flow_out")

    page.goto(f"/members/{member.pk}/")
    history = page.get_by_test_id("member-history")
    expect(history).to_contain_text("外出流动（流出）")
    expect(history).to_contain_text("浙江省宁波市")
    expect(history).to_contain_text("流动党员向党组织汇报")
    expect(page.locator("main")).to_contain_text("流动")
    with page.expect_navigation():
        history.get_by_role("link", name="外出流动（流出）").click()
    assert page.url.endswith(f"/membership/flows/out/{flow.pk}/")
    assert Member.objects.get(pk=member.pk).status == MemberStatus.FLOWING


def test_suspending_a_member_lost_for_six_months(demo, new_page, login, shot):
    case = (LostContact.objects.filter(status=LostStatus.OPEN, member__status=MemberStatus.LOST_CONTACT)
            .exclude(member_id__in=Transfer.objects.filter(status__in=OPEN_TRANSFER).values("member_id"))
            .select_related("member").order_by("lost_on").first())
    member = case.member
    page = new_page(viewport={"width": 1280, "height": 900})
    login(page, "district_admin")
    page.goto(f"/members/{member.pk}/")
    with page.expect_navigation():
        page.get_by_test_id("status-change-button").click()
    page.locator("[name=kind]").select_option("suspend")
    too_early = add_months(case.lost_on, 6) - timedelta(days=1)
    page.locator("[name=effective_on]").fill(f"{too_early:%Y-%m-%d}")
    page.locator("[name=reason]").fill("与党组织失去联系，经多方查找仍无联系")
    page.locator("[name=approved_by_name]").fill("中共某镇委员会")
    page.locator("[name=document_number]").fill("某组〔2026〕8号")
    with page.expect_navigation():
        page.get_by_role("button", name="登记", exact=True).click()
    expect(page.locator("main")).to_contain_text("方可停止党籍")
    shot(page, "membership_status_refused")
    page.locator("[name=effective_on]").fill(f"{timezone.localdate():%Y-%m-%d}")
    with page.expect_navigation():
        page.get_by_role("button", name="登记", exact=True).click()
    expect(page.locator("main")).to_contain_text("已登记：停止党籍")
    page.goto(f"/members/{member.pk}/")
    expect(page.get_by_test_id("member-state")).to_contain_text("停止党籍")
    expect(page.get_by_test_id("member-history")).to_contain_text("与党组织失去联系")
    shot(page, "membership_member_history")
    assert Member.objects.get(pk=member.pk).status == MemberStatus.SUSPENDED
