"""The remaining screens, each with what it must show: term reminders, structure warnings, the member form
(secretary, own branch only), profile, users and roles (sysadmin), a member's own record (self-service)."""

import re
from datetime import date

from playwright.sync_api import expect

from apps.access import policy
from apps.access.models import RoleAssignment
from apps.accounts.models import User
from apps.core.idcard import make_id_number
from apps.core.query import prefix_q
from apps.members.models import Member
from apps.orgs import selectors
from apps.orgs.models import Organization
from tests.factories import PASSWORD, Tree


def test_terms_warnings_and_profile(demo, page, login, shot):
    admin = User.objects.get(username="district_admin")
    root = Organization.objects.get(depth=1)
    login(page, "district_admin")

    page.get_by_role("link", name="换届提醒").first.click()
    expect(page.get_by_role("heading", name=re.compile("换届提醒"))).to_be_visible()
    due = list(selectors.term_reminders(policy.restrict(Organization, admin, policy.ORG_VIEW)))
    assert due
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(min(len(due), 50))
    expect(rows.first.locator("td").first).to_have_text(due[0].name)
    expect(rows.first.locator("td").nth(3)).to_have_text(f"{due[0].term_ends_on:%Y-%m-%d}")
    expected_badge = "已届满" if due[0].term_ends_on < date.today() else "即将届满"
    expect(rows.first.locator(".badge")).to_have_text(expected_badge)
    shot(page, "terms")

    page.goto(f"/orgs/{root.pk}/warnings/")
    orgs = list(Organization.objects.filter(prefix_q("path", root.path), is_active=True).order_by("path"))
    stats = selectors.stats_for_subtree(root, orgs=orgs)
    flagged = [o for o in orgs if stats[o.pk].warnings]
    expect(page.locator("h1")).to_contain_text(f"共 {len(flagged)} 个组织有提示")
    expect(page.locator("main table tbody tr")).to_have_count(min(len(flagged), 50))
    first = page.locator("main table tbody tr").first
    expect(first.locator("td").first).to_have_text(flagged[0].name)
    expect(first.locator(".warning-list li")).to_have_text(list(stats[flagged[0].pk].warnings))
    shot(page, "warnings")

    page.get_by_role("link", name="区委组织部管理员").click()
    expect(page.get_by_role("heading", name=re.compile("个人设置"))).to_be_visible()
    expect(page.locator("main")).to_contain_text(f"区级管理员 · {root.name}（可查看完整身份证号）")
    shot(page, "profile")


def test_secretary_enters_a_member_in_their_own_branch_only(demo, page, login, shot):
    branch = RoleAssignment.objects.get(user__username="secretary").organization
    other = Organization.objects.filter(kind="branch").exclude(pk=branch.pk).first()
    before = Member.objects.count()
    id_number = make_id_number("110101", date(1988, 8, 8), 123)
    login(page, "secretary")
    page.goto("/members/")
    page.get_by_role("link", name="录入党员").click()
    expect(page.get_by_role("heading", name="录入党员")).to_be_visible()

    def fill(id_value, org_code):
        page.get_by_label("姓名").fill("林志远")
        page.get_by_label("身份证号").fill(id_value)
        page.locator("#id_organization").fill(org_code)  # the organization picker takes a typed code too
        page.get_by_label("人员类别").select_option(label="正式党员")
        page.get_by_label("党员状态").select_option(label="正常")
        page.get_by_label("入党日期").fill("2012-07-01")
        page.get_by_label("转正日期").fill("2013-07-01")
        with page.expect_navigation():
            page.get_by_role("button", name="保存").click()

    # Another branch's code and a wrong check digit: both refused, in Chinese, nothing saved.
    fill(id_number[:17] + ("0" if id_number[17] != "0" else "1"), other.code)
    feedback = page.locator(".invalid-feedback")
    expect(feedback.filter(has_text="未找到该组织，或它不在您的权限范围内")).to_have_count(1)
    shot(page, "member_form_errors")
    fill(id_number[:17] + ("0" if id_number[17] != "0" else "1"), branch.code)
    expect(feedback.filter(has_text="校验位")).to_have_count(1)
    assert Member.objects.count() == before

    fill(id_number, branch.code)
    expect(page.get_by_role("alert")).to_have_text("已录入党员 林志远")
    expect(page.locator("h1")).to_contain_text("林志远")
    member = Member.objects.get(name="林志远")
    assert (member.organization_id, member.birth_date, member.sex) == (branch.pk, date(1988, 8, 8), "M")
    expect(page.get_by_test_id("id-number")).to_have_text(member.id_masked)
    shot(page, "member_created")


def test_sysadmin_and_member_self_service(transactional_db, page, new_page, login, shot):
    tree = Tree()
    login(page, "sysadmin", PASSWORD)
    expect(page).to_have_url(re.compile(r"/accounts/users/$"))
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(User.objects.count())
    expect(rows.filter(has_text="secretary_a")).to_contain_text(f"支部书记 · {tree.branch_a.name}")
    expect(page.get_by_role("link", name="党员信息库")).to_have_count(0)  # 三员分立: no member data for sysadmin
    assert page.request.get("/members/").status == 403
    shot(page, "users")

    me = tree.member_a
    page = new_page(viewport={"width": 1280, "height": 900})
    login(page, "member_a", PASSWORD)
    expect(page).to_have_url(re.compile(r"/members/me/$"))
    expect(page.locator("h1")).to_contain_text(me.name)
    expect(page.get_by_role("link", name="我的档案")).to_be_visible()
    expect(page.get_by_test_id("reveal-id")).to_have_count(0)
    other = tree.member_b
    assert page.request.get(f"/members/{other.pk}/").status == 404
    assert page.request.get("/members/").status == 403
    shot(page, "member_self_service")
