"""The books in the browser: the township's administrator reads last month's collection summary (a row per child),
the reconciliation (收缴 + 下级上缴 = 上缴上级 + 留存, balanced), records a remittance to the district and sees it in
the figures; closing a month already closed, or one not yet over, is refused with the reason."""

import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.access.models import RoleAssignment
from apps.dues import book_selectors
from apps.dues.models import MonthClose, Remittance
from apps.dues.rules import add_months, month_start
from apps.orgs.models import Organization

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _town():
    return RoleAssignment.objects.select_related("organization").get(user__username="town_admin").organization


def _figures(row):
    """收缴, 下级上缴, 上缴上级, 留存 of a books row, as Decimals."""
    cells = [c.inner_text().strip() for c in row.locator("td.text-end").all()]
    return [Decimal(c) for c in cells[-4:]]


def test_township_books_summary_reconciliation_remittance_and_close(demo, page, login, shot):
    town = _town()
    district = Organization.objects.get(path=town.path[:Organization.steplen])
    this_month = month_start(timezone.localdate())
    last = add_months(this_month, -1)
    login(page, "town_admin")

    # The summary of last month: one row per child organization (with its subtree) and the township's own.
    # From the top navigation's 党费 to the 收缴汇总 tab: the user's township and last month by default.
    page.get_by_test_id("nav-dues").click()
    page.get_by_test_id("dues-tabs").get_by_role("link", name="收缴汇总").click()
    expect(page.locator("main h1")).to_contain_text(f"{town.name} {last.year}年{last.month}月")
    children = list(Organization.objects.filter(path__startswith=town.path, depth=town.depth + 1)
                    .values_list("name", flat=True))
    table = page.get_by_test_id("summary")
    body = table.locator("tbody tr")
    assert 1 <= len(children) <= 50
    expect(body).to_have_count(len(children) + 1)
    for name in children:
        expect(table.locator("tbody")).to_contain_text(name)
    collected = [Decimal(r.locator("td").nth(4).inner_text()) for r in body.all()]
    total = Decimal(table.locator("tfoot td").nth(4).inner_text())
    assert total == sum(collected) and total > 0
    rates = [r.locator("td").nth(6).inner_text() for r in body.all()]
    assert any(re.fullmatch(r"\d+(\.\d+)?%", rate) for rate in rates), rates
    shot(page, "dues_summary_town")

    # The reconciliation of the township's own books and of each child's subtree.
    page.locator("main a.btn", has_text="账目").click()  # the summary's organization and month kept
    expect(page.locator("main h1")).to_contain_text(f"{town.name} {last.year}年{last.month}月")
    own = page.get_by_test_id("own-books").locator("tbody tr")
    expect(own).to_contain_text("平衡")
    got, received, remitted, held = _figures(own)
    assert got + received == remitted + held
    assert received > 0  # the branches and villages remitted last month's dues to the township
    child_rows = page.get_by_test_id("child-books").locator("tbody tr")
    assert child_rows.count() == len(children) + 1
    assert all("平衡" in r.inner_text() for r in child_rows.all())
    shot(page, "dues_books_town")

    # A village that had not yet remitted last month: its remittance to the township, recorded from its own books.
    late = next((o for o in Organization.objects.filter(path__startswith=town.path, depth=town.depth + 1)
                 if book_selectors.reconcile(o, last).held > 0), None)
    assert late is not None, "one of the township's children is late with last month's remittance"
    page.get_by_test_id("child-books").get_by_role("link", name=late.name, exact=True).click()
    late_held = _figures(page.get_by_test_id("own-books").locator("tbody tr"))[3]
    page.get_by_role("link", name="记录上缴").click()
    form = page.locator("main form")
    expect(form.locator("input[name=month]")).to_have_value(f"{last:%Y-%m}")
    expect(form.locator("input[name=remitted_on]")).to_have_value(f"{timezone.localdate():%Y-%m-%d}")
    form.locator("input[name=amount]").fill(str(late_held))
    shot(page, "dues_remit_form")
    with page.expect_navigation():
        form.get_by_role("button", name="保存").click()
    expect(page.locator("main")).to_contain_text(f"已记录党费上缴 {late_held} 元")
    expect(page.get_by_test_id("remittances")).to_contain_text(town.name)

    # The township now holds it (下级上缴 grew) and hands it on to the district: 上缴上级 grows, 留存 back to what it was.
    page.goto(f"/dues/books/?org={town.pk}&month={last:%Y-%m}")
    own = page.get_by_test_id("own-books").locator("tbody tr")
    expect(own).to_contain_text("平衡")
    assert _figures(own) == [got, received + late_held, remitted, held + late_held]
    page.get_by_role("link", name="记录上缴").click()
    form = page.locator("main form")
    form.locator("input[name=amount]").fill(str(late_held))
    form.locator("input[name=note]").fill("补缴上月党费")
    with page.expect_navigation():
        form.get_by_role("button", name="保存").click()
    expect(page.locator("main")).to_contain_text(f"已记录党费上缴 {late_held} 元")
    own = page.get_by_test_id("own-books").locator("tbody tr")
    expect(own).to_contain_text("平衡")
    assert _figures(own) == [got, received + late_held, remitted + late_held, held]
    sent = page.get_by_test_id("remittances").locator("tbody tr", has_text="补缴上月党费")
    expect(sent).to_have_count(1)
    expect(sent).to_contain_text(district.name)
    expect(sent).to_contain_text(str(late_held))
    remittance = Remittance.objects.get(organization=town, note="补缴上月党费")
    assert (remittance.to_organization_id, remittance.month, remittance.amount) == (district.pk, last, late_held)
    shot(page, "dues_books_remitted")

    # Closing: a month the district already closed, then this month (not over) — each refused with its reason.
    closed = MonthClose.objects.filter(organization=district).order_by("-month").first()
    assert closed is not None and closed.month < last
    page.goto(f"/dues/books/close/?org={town.pk}&month={closed.month:%Y-%m}")
    with page.expect_navigation():
        page.locator("main form").get_by_role("button", name="结账").click()
    expect(page.locator("main")).to_contain_text(f"{closed.month:%Y年%m月} 已由{district.name}结账，不能再修改")
    shot(page, "dues_close_refused")
    page.locator("main form input[name=month]").fill(f"{this_month:%Y-%m}")
    with page.expect_navigation():
        page.locator("main form").get_by_role("button", name="结账").click()
    expect(page.locator("main")).to_contain_text("只能对已结束的月份结账")
    assert not MonthClose.objects.filter(organization=town).exists()
