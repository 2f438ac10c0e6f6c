"""民主评议党员, end to end: the secretary opens this year's evaluation of the branch, a member writes a
self-evaluation and rates a fellow member from a phone, the secretary reads both, is refused one 优秀 too
many, grades everyone and finalizes; the grade then shows on the member's record."""

import re

from django.utils import timezone
from playwright.sync_api import expect

from apps.access.models import RoleAssignment
from apps.accounts.models import User
from apps.evaluations.models import Evaluation, Participant
from apps.evaluations.rules import excellent_limit

SELF_EVALUATION = "本年度认真学习党的理论，按时参加组织生活、交纳党费，带头参与村里环境整治。\n不足：学习不够系统，今后加强。"
WIDTH = 390


def _no_horizontal_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH, f"page is {width}px wide on a {WIDTH}px screen"


def test_evaluation_from_opening_to_the_member_record(demo, page, new_page, login, shot):
    from tests.browser.conftest import PHONE

    branch = RoleAssignment.objects.get(user__username="secretary").organization
    me = User.objects.get(username="member").member
    year = timezone.localdate().year
    assert me.category == "full" and me.organization_id == branch.pk
    assert not Evaluation.objects.filter(organization=branch, year=year).exists()

    # The secretary opens this year's evaluation of the branch.
    secretary = page
    login(secretary, "secretary")
    secretary.get_by_role("link", name="民主评议").click()
    secretary.get_by_role("link", name="开展民主评议").click()
    # The organization picker: type part of the name, choose the match (shown with its parent path).
    secretary.locator("#id_organization").fill(branch.name[:2])
    secretary.locator(f'[data-org-option][data-pk="{branch.pk}"]').click()
    expect(secretary.locator('input[name="organization_pk"]')).to_have_value(str(branch.pk))
    secretary.get_by_label("评议年度").fill(str(year))
    shot(secretary, "evaluation-01-open")
    secretary.get_by_role("button", name="开展评议").click()
    expect(secretary.get_by_role("heading", level=1)).to_contain_text(f"{year}年度民主评议党员")
    evaluation = Evaluation.objects.get(organization=branch, year=year)
    participants = list(Participant.objects.filter(evaluation=evaluation).select_related("member"))
    graded = [p for p in participants if p.is_graded]
    limit = excellent_limit(len(graded))
    assert len(graded) >= 6 and limit >= 1
    expect(secretary.get_by_test_id("excellent-count")).to_contain_text(f"0 / {limit}")
    shot(secretary, "evaluation-02-opened")

    # The member, on a phone: 民主评议 from the menu, then the self-evaluation and a rating of a fellow member.
    phone = new_page(**PHONE)
    login(phone, "member")
    phone.locator(".navbar-toggler").click()
    phone.get_by_role("link", name="民主评议").click()
    mine = phone.get_by_test_id("my-evaluations")
    expect(mine).to_contain_text(branch.name)
    _no_horizontal_scroll(phone)
    shot(phone, "evaluation-03-phone-list")
    mine.locator("tr", has_text=str(year)).get_by_role("link", name="参加评议").click()
    phone.get_by_label("个人自评").fill(SELF_EVALUATION)
    phone.get_by_role("button", name="提交自评").click()
    expect(phone.get_by_role("alert")).to_contain_text("个人自评已提交")
    ratee = next(p for p in graded if p.member_id != me.pk)
    row = phone.get_by_test_id(f"rate-{ratee.member_id}")
    row.get_by_label(ratee.member.name, exact=True).select_option(label="优秀")
    row.get_by_placeholder("评议意见（选填）").fill("工作积极，带头服务群众")
    row.get_by_role("button", name="保存").click()
    expect(phone.get_by_role("alert")).to_contain_text("互评意见已保存")
    expect(phone.get_by_test_id("peer-ratings")).to_contain_text(f"已评 1 / {len(graded) - 1} 人")
    expect(phone.get_by_test_id(f"rate-{ratee.member_id}").get_by_role("button", name="修改")).to_be_visible()
    _no_horizontal_scroll(phone)
    shot(phone, "evaluation-04-phone-participate")

    # The secretary sees the self-evaluation and the tally of the peer ratings.
    secretary.reload()
    roster = secretary.get_by_test_id("roster")
    mine_row = roster.locator(f"tr[data-member='{me.pk}']")
    expect(mine_row).to_contain_text("已提交")
    expect(roster.locator(f"tr[data-member='{ratee.member_id}']")).to_contain_text("优秀 1")
    shot(secretary, "evaluation-05-roster")
    mine_row.get_by_role("link", name=me.name).click()
    expect(secretary.get_by_test_id("self-evaluation")).to_contain_text("带头参与村里环境整治")
    shot(secretary, "evaluation-06-participant")
    secretary.go_back()

    # One 优秀 more than allowed: refused, in Chinese, and nothing is saved.
    excellent_text = secretary.get_by_test_id("excellent-count").inner_text()
    shown_limit = int(re.search(r"/\s*(\d+)", excellent_text).group(1))
    assert shown_limit == limit
    for i, p in enumerate(graded):
        secretary.locator(f"select[name=grade_{p.pk}]").select_option("excellent" if i <= shown_limit else "qualified")
    secretary.get_by_role("button", name="保存等次").click()
    expect(secretary.get_by_test_id("grades-error")).to_contain_text(f"至多评定{shown_limit}名优秀")
    expect(secretary.get_by_test_id("grades-error")).to_contain_text(f"现评定{shown_limit + 1}名")
    assert not Participant.objects.filter(evaluation=evaluation).exclude(grade="").exists()
    shot(secretary, "evaluation-07-too-many-excellent")

    # Valid grades for every graded member: the member 优秀, then 合格 but one 基本合格.
    chosen = {me.pk: "excellent"}
    for p in graded:
        if p.member_id in chosen:
            continue
        if sum(1 for g in chosen.values() if g == "excellent") < shown_limit:
            chosen[p.member_id] = "excellent"
        elif "basically_qualified" not in chosen.values():
            chosen[p.member_id] = "basically_qualified"
        else:
            chosen[p.member_id] = "qualified"
    for p in graded:
        secretary.locator(f"select[name=grade_{p.pk}]").select_option(chosen[p.member_id])
    secretary.get_by_role("button", name="保存等次").click()
    expect(secretary.get_by_role("alert")).to_contain_text("等次已保存")
    expect(secretary.get_by_test_id("excellent-count")).to_contain_text(f"{shown_limit} / {shown_limit}")

    # Finalize (after the browser's confirmation): the results are locked.
    secretary.once("dialog", lambda dialog: dialog.accept())
    secretary.get_by_role("button", name="结束评议").click()
    expect(secretary.get_by_role("alert")).to_contain_text("评议已结束，结果已公布")
    expect(secretary.get_by_role("heading", level=1)).to_contain_text("已结束")
    expect(secretary.locator("select[name^=grade_]")).to_have_count(0)
    shot(secretary, "evaluation-08-finalized")
    evaluation.refresh_from_db()
    assert not evaluation.is_open

    # The member sees the result on the phone: in 民主评议, then on the record (我的档案); so does the secretary.
    phone.goto("/evaluations/")
    mine = phone.get_by_test_id("my-evaluations")
    expect(mine.locator("tr", has_text=str(year))).to_contain_text("优秀")
    mine.locator("tr", has_text=str(year)).get_by_role("link", name="查看").click()
    expect(phone.get_by_test_id("my-result")).to_contain_text("优秀")
    expect(phone.get_by_role("textbox")).to_have_count(0)  # locked: nothing to write any more
    _no_horizontal_scroll(phone)
    shot(phone, "evaluation-09-phone-result")
    phone.locator(".navbar-toggler").click()
    phone.get_by_role("link", name="我的档案").click()
    results = phone.get_by_test_id("evaluation-results")
    expect(results.locator("tr", has_text=str(year))).to_contain_text("优秀")
    expect(results.locator("tr", has_text=str(year - 1))).to_contain_text(branch.name)  # the demo's last year
    results.scroll_into_view_if_needed()
    _no_horizontal_scroll(phone)
    shot(phone, "evaluation-10-phone-record")
    secretary.goto(f"/members/{me.pk}/")
    expect(secretary.get_by_test_id("evaluation-results").locator("tr", has_text=str(year))).to_contain_text("优秀")
    shot(secretary, "evaluation-11-record")
