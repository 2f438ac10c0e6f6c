"""A member's dues standard and a hardship decision in the browser: the secretary sets a new standard (the amount
previewed with its bracket before saving); an application to pay less goes 支部同意 (the secretary) → 上级批准 (the
township's administrator) and what the member owes this month changes."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.dues.models import DuesStandard, HardshipDecision
from apps.dues.rules import month_start
from apps.members.models import Member
from tests.browser.test_dues_sheet import _rows

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_secretary_sets_a_standard_with_its_bracket_explained(demo, page, login, shot):
    login(page, "secretary")
    page.goto("/dues/sheet/")
    pk = next(pk for pk, (behind, _paid, _payable) in _rows(page).items() if behind == 0)
    member = Member.objects.get(pk=pk)
    before = DuesStandard.objects.filter(member=member).count()
    page.goto(f"/dues/members/{pk}/")
    expect(page.locator("main h1")).to_contain_text(f"{member.name}的党费")
    expect(page.get_by_test_id("standard-row")).to_have_count(before)
    page.get_by_test_id("standard-new").click()
    form = page.get_by_test_id("standard-form")
    form.locator("select[name=category]").select_option("in_service")
    form.locator("input[name=base]").fill("4200.00")
    form.locator("input[name=effective_from]").fill(f"{timezone.localdate():%Y-%m-%d}")
    form.locator("input[name=note]").fill("工资调整")
    page.get_by_test_id("standard-preview-button").click()
    preview = page.get_by_test_id("standard-preview")
    expect(preview).to_contain_text("每月 42.00 元")
    expect(preview).to_contain_text("3000 < 基数 ≤ 5000")
    expect(preview).to_contain_text("1%")
    expect(preview).to_contain_text("税后月收入 4,200.00 元")
    shot(page, "dues_standard_preview")
    with page.expect_navigation():
        page.get_by_test_id("standard-save").click()
    expect(page.locator("main")).to_contain_text("已核定党费标准")
    expect(page.get_by_test_id("standard-row")).to_have_count(before + 1)
    newest = page.get_by_test_id("standard-row").first
    expect(newest).to_contain_text("42.00")
    expect(newest).to_contain_text("工资调整")
    saved = DuesStandard.objects.filter(member=member).order_by("-pk").first()
    assert (saved.category, str(saved.base), str(saved.monthly_amount)) == ("in_service", "4200.00", "42.00")
    shot(page, "dues_standard_saved")


def test_hardship_agreed_by_the_branch_and_approved_above_changes_what_is_owed(demo, new_page, login, shot):
    page = new_page(viewport={"width": 1280, "height": 900})
    login(page, "secretary")
    page.goto("/dues/sheet/")
    pk = next(pk for pk, (behind, paid, payable) in _rows(page).items() if behind == 0 and payable and paid == "未缴")
    member = Member.objects.get(pk=pk)
    page.goto(f"/dues/payments/member/{pk}/")
    owed_before = page.get_by_test_id("due-now").inner_text()
    assert owed_before.endswith("元") and owed_before != "0.00 元", owed_before

    page.goto(f"/dues/members/{pk}/")
    page.get_by_test_id("hardship-new").click()
    form = page.get_by_test_id("hardship-form")
    form.locator("input[name=first_month]").fill(f"{month_start(timezone.localdate()):%Y-%m}")
    form.locator("input[name=monthly_amount]").fill("0")
    form.locator("textarea[name=reason]").fill("家中突发变故，长期患病，经济困难")
    with page.expect_navigation():
        form.get_by_role("button", name="提交申请").click()
    expect(page.locator("main")).to_contain_text("已提交少交或免交党费申请")
    row = page.get_by_test_id("hardship-row").first
    expect(row.get_by_test_id("hardship-status")).to_have_text("已申请")
    expect(row.get_by_test_id("hardship-approve")).to_have_count(0)  # the branch cannot approve its own
    with page.expect_navigation():
        row.get_by_test_id("hardship-agree").click()
    expect(page.locator("main")).to_contain_text("支部已同意，待上级党委批准")
    expect(page.get_by_test_id("hardship-row").first.get_by_test_id("hardship-status")).to_have_text("支部已同意")
    shot(page, "dues_hardship_agreed")

    above = new_page(viewport={"width": 1280, "height": 900})
    login(above, "town_admin")
    above.get_by_test_id("nav-dues").click()
    above.get_by_test_id("dues-tabs").get_by_role("link", name="减免申请").click()
    waiting = above.get_by_test_id("hardship-row").filter(has_text=member.name)
    expect(waiting).to_have_count(1)
    shot(above, "dues_hardship_list")
    waiting.locator("input[name=note]").fill("同意免交")
    with above.expect_navigation():
        waiting.get_by_test_id("hardship-approve").click()
    expect(above.locator("main")).to_contain_text("已批准少交或免交党费")
    decision = HardshipDecision.objects.filter(member=member).order_by("-pk").first()
    assert decision.status == "approved" and decision.decided_by.username == "town_admin"

    # What the member owes this month: waived now, on their page and on the branch's sheet.
    page.goto(f"/dues/payments/member/{pk}/")
    expect(page.get_by_test_id("due-now")).to_contain_text("0.00 元")
    page.goto(f"/dues/members/{pk}/")
    expect(page.get_by_test_id("hardship-row").first.get_by_test_id("hardship-status")).to_have_text("已批准")
    expect(page.get_by_test_id("hardship-row").first).to_contain_text("同意免交")
    page.goto("/dues/sheet/")
    expect(page.locator(f"#row-{pk} td.text-end").first).to_have_text("0.00")
    shot(page, "dues_hardship_sheet")
