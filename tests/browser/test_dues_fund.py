"""The care fund in the browser: the township's administrator enters a spending for a member, cannot approve their own
entry (the page says why), the district's administrator approves it and the balance drops; the report gives totals
by type; the public page (no login) shows totals and no names, and fits a phone."""

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.access.models import RoleAssignment
from apps.dues.fund_models import CareFund, FundEntry
from apps.members.models import Member
from tests.browser.conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _yuan(text):
    return Decimal(text.replace(",", "").replace("元", "").strip())


def test_a_spending_entered_by_one_and_approved_by_another(demo, new_page, login, shot):
    town = RoleAssignment.objects.get(user__username="town_admin").organization
    fund = CareFund.objects.get(organization=town)
    helped = Member.objects.filter(organization__path__startswith=town.path, status="normal").order_by("pk")[5]

    page = new_page(viewport={"width": 1280, "height": 900})
    login(page, "town_admin")
    page.get_by_test_id("nav-dues").click()
    page.get_by_test_id("dues-tabs").get_by_role("link", name="关怀基金").click()
    page.get_by_role("link", name=fund.name).first.click()
    expect(page.locator("main h1")).to_contain_text(fund.name)
    balance = _yuan(page.get_by_test_id("fund-balance").inner_text())
    assert balance > 0
    page.get_by_role("link", name="登记收支").click()
    form = page.get_by_test_id("fund-entry-form")
    expect(form.locator("#id_direction")).to_have_value("spending")
    expect(form.locator("input[name=occurred_on]")).to_have_value(f"{timezone.localdate():%Y-%m-%d}")
    form.locator("#id_kind").select_option(label="应急救助")
    form.locator("#member-q").fill(helped.name)
    form.locator(f"#m{helped.pk}").check()
    form.locator("input[name=amount]").fill("600.00")
    form.locator("textarea[name=reason]").fill("突发重病住院应急救助")
    shot(page, "dues_fund_entry_form")
    with page.expect_navigation():
        form.get_by_role("button", name="提交审批").click()
    expect(page.locator("main")).to_contain_text("已登记，待另一位管理人审批后入账")
    entry = FundEntry.objects.get(fund=fund, reason="突发重病住院应急救助")
    assert entry.beneficiary_id == helped.pk and entry.status == "pending"
    details = page.get_by_test_id("fund-entry")
    expect(details).to_contain_text("600.00")
    expect(details).to_contain_text(helped.name)
    # The one who entered it may not approve it: no button, the reason instead.
    expect(page.get_by_role("button", name="批准入账")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("您录入了这笔收支，须由另一位管理人审批。")
    shot(page, "dues_fund_entry_own")
    page.goto(f"/dues/funds/{fund.pk}/")
    mine = page.get_by_test_id("fund-pending").locator("tr", has_text="600.00")
    expect(mine).to_contain_text("待他人审批")
    assert _yuan(page.get_by_test_id("fund-balance").inner_text()) == balance  # pending: not yet in the balance

    other = new_page(viewport={"width": 1280, "height": 900})
    login(other, "district_admin")
    other.goto(f"/dues/funds/entries/{entry.pk}/")
    other.locator("input[name=note]").fill("同意救助")
    with other.expect_navigation():
        other.get_by_role("button", name="批准入账").click()
    expect(other.locator("main")).to_contain_text("已批准入账")
    expect(other.get_by_test_id("fund-entry")).to_contain_text("同意救助")
    entry.refresh_from_db()
    assert entry.status == "posted" and entry.decided_by.username == "district_admin"
    other.goto(f"/dues/funds/{fund.pk}/")
    assert _yuan(other.get_by_test_id("fund-balance").inner_text()) == balance - Decimal("600.00")
    shot(other, "dues_fund_detail_approved")

    # The report: totals by type for the year, the new aid among them.
    other.goto(f"/dues/funds/{fund.pk}/report/?period=year&year={timezone.localdate().year}")
    report = other.get_by_test_id("fund-report")
    kinds = {r.locator("td").nth(2).inner_text(): _yuan(r.locator("td").nth(3).inner_text())
             for r in report.locator("tbody tr").all()}
    posted = FundEntry.objects.filter(fund=fund, status="posted", kind="emergency_aid",
                                      occurred_on__year=timezone.localdate().year)
    assert kinds["应急救助"] == sum(e.amount for e in posted) and kinds["应急救助"] >= Decimal("600.00")
    assert {"财政拨款", "返还党费", "节日慰问"} <= set(kinds), kinds
    shot(other, "dues_fund_report")


def test_the_public_fund_page_shows_totals_and_no_names_on_a_phone(demo, new_page, shot):
    page = new_page(**PHONE)
    page.goto("/funds/")
    assert "/accounts/login/" not in page.url
    expect(page.locator("main h1")).to_have_text("党内关怀基金收支公开")
    table = page.get_by_test_id("fund-public")
    expect(table).to_contain_text("全年收入合计")
    expect(table).to_contain_text("全年支出合计")
    expect(table).to_contain_text("财政拨款")
    expect(table).to_contain_text("节日慰问")
    income = _yuan(table.locator("tfoot tr").first.locator("th").last.inner_text())
    posted_income = sum(e.amount for e in FundEntry.objects.filter(
        status="posted", direction="income", reverses__isnull=True, occurred_on__year=timezone.localdate().year))
    assert income == posted_income > 0
    text = page.locator("main").inner_text()
    names = set(FundEntry.objects.exclude(beneficiary=None).values_list("beneficiary__name", flat=True))
    assert names and not [n for n in names if n in text]
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"{overflow}px of sideways scroll"
    shot(page, "dues_fund_public_phone")
