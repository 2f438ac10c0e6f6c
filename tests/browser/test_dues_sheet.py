"""Issue 14's "done when" in the browser: the demo secretary records this month's dues from the branch's sheet (the
row's quick 登记 and 批量登记 for two more), sees the row and the totals change; a member three months behind pays
the missing months back at once and leaves the warnings; the arrears page lists the member seven months behind for
the branch to act on; the sheet exports to Excel, fits a phone and prints on A4."""

import io
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.access.models import RoleAssignment
from apps.dues.rules import add_months, month_start
from apps.members.models import Member
from tests.browser.conftest import PHONE
from tests.browser.test_print import _check_print_view

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _branch():
    return RoleAssignment.objects.select_related("organization").get(user__username="secretary").organization


def _rows(page):
    """The sheet's rows as {member id: (behind, paid text, payable)}."""
    found = {}
    for row in page.get_by_test_id("sheet-row").all():
        behind = int(re.match(r"\d+", row.get_by_test_id("behind").inner_text().strip()).group())
        found[int(row.get_attribute("data-member"))] = (behind, row.get_by_test_id("paid").inner_text().strip(),
                                                        row.get_by_test_id("quick-pay").count() == 1)
    return found


def _totals(page):
    text = page.get_by_test_id("total-paid").inner_text()
    amount, count = re.search(r"已缴\s*([\d.]+)\s*元，(\d+)\s*人", text).groups()
    return amount, int(count)


def test_secretary_records_dues_from_the_sheet_and_arrears_update(demo, page, login, shot):
    branch = _branch()
    this_month = month_start(timezone.localdate())
    login(page, "secretary")
    page.goto("/dues/sheet/")
    expect(page.locator("main h1")).to_contain_text(branch.name)
    expect(page.locator("main h1")).to_contain_text(f"{this_month:%Y年%m月}")
    rows = _rows(page)
    assert len(rows) == Member.objects.filter(organization=branch, status__in=("normal", "flowing", "lost")).count()
    behind = sorted(b for b, _paid, _p in rows.values() if b >= 3)
    assert behind == [3, 4, 7], behind  # the demo branch's tail: two warned, one to act on
    unpaid = [pk for pk, (b, paid, payable) in rows.items() if b == 0 and payable and paid == "未缴"]
    assert len(unpaid) >= 3, rows
    amount_before, count_before = _totals(page)
    shot(page, "dues_sheet_before")

    # The quick 登记 of one row: the row shows the payment, the totals follow (htmx, no reload).
    first = page.locator(f"#row-{unpaid[0]}")
    due = first.locator("input[name=amount]").input_value()
    first.get_by_role("button", name="登记").click()
    first = page.locator(f"#row-{unpaid[0]}")
    expect(first.get_by_test_id("paid")).to_contain_text(f"{due}（{timezone.localdate():%Y-%m-%d}")
    expect(first.get_by_test_id("quick-pay")).to_have_count(0)
    expect(page.get_by_test_id("total-paid")).to_contain_text(f"{count_before + 1} 人")
    amount_after, _ = _totals(page)
    assert float(amount_after) == pytest.approx(float(amount_before) + float(due))

    # 批量登记 of two more: ticked, one method and date, all recorded.
    for pk in unpaid[1:3]:
        page.locator(f"#row-{pk} input[type=checkbox]").check()
    page.locator("#batch-method").select_option(label="现金")
    with page.expect_navigation():
        page.get_by_test_id("batch-submit").click()
    expect(page.locator(".alert-success, .toast, [role=status]").first).to_contain_text("已批量登记2人的党费")
    for pk in unpaid[1:3]:
        expect(page.locator(f"#row-{pk}").get_by_test_id("paid")).to_contain_text("现金")
    expect(page.get_by_test_id("total-paid")).to_contain_text(f"{count_before + 3} 人")
    shot(page, "dues_sheet_recorded")

    # The member three months behind (warned) pays the three missing months back at once.
    rows = _rows(page)
    warned = next(pk for pk, (b, _paid, _p) in rows.items() if b == 3)
    listed = next(pk for pk, (b, _paid, _p) in rows.items() if b == 7)
    expect(page.locator(f"#row-{warned}")).to_contain_text("提醒")
    page.goto("/dues/arrears/")
    arrears = page.get_by_test_id("arrears")
    warned_member = Member.objects.get(pk=warned)
    expect(arrears).to_contain_text(warned_member.name)
    page.goto(f"/dues/payments/member/{warned}/")
    expect(page.get_by_test_id("dues-summary").get_by_test_id("behind")).to_have_text("3")
    form = page.get_by_test_id("months-form")
    form.locator("input[name=first_month]").fill(f"{add_months(this_month, -3):%Y-%m}")
    form.locator("input[name=count]").fill("3")
    with page.expect_navigation():
        form.get_by_role("button", name="登记").click()
    expect(page.locator("main")).to_contain_text("已登记3个月的党费")
    expect(page.get_by_test_id("dues-summary").get_by_test_id("behind")).to_have_text("0")
    payments = page.get_by_test_id("payments")
    for back in (1, 2, 3):
        expect(payments).to_contain_text(f"{add_months(this_month, -back):%Y年%m月}")
    shot(page, "dues_member_paid_back")

    page.goto("/dues/sheet/")
    row = page.locator(f"#row-{warned}")
    expect(row.get_by_test_id("behind")).to_have_text("0")
    expect(row).not_to_contain_text("提醒")
    page.goto(f"/dues/arrears/?org={branch.pk}")
    expect(page.get_by_test_id("arrears")).not_to_contain_text(warned_member.name)
    assert page.get_by_test_id("arrears-row").count() == 2  # the 4- and 7-month members are still behind

    # 6+ months: the member seven months behind is listed for the branch to act on.
    page.get_by_test_id("level-list").click()
    listed_member = Member.objects.get(pk=listed)
    expect(page.get_by_test_id("arrears-row")).to_have_count(1)
    expect(page.get_by_test_id("arrears-row")).to_contain_text(listed_member.name)
    expect(page.get_by_test_id("listed")).to_have_text("应处置")
    expect(page.get_by_test_id("arrears-rule")).to_contain_text("系统不会自动改变党员状态")
    shot(page, "dues_arrears_listed")

    # The sheet to Excel: a download named after the branch and month, with the rows just recorded.
    page.goto("/dues/sheet/")
    with page.expect_download() as info:
        page.get_by_test_id("sheet-export").click()
    download = info.value
    assert download.suggested_filename == f"党费收缴表-{branch.code}-{this_month:%Y-%m}.xlsx"
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(open(download.path(), "rb").read()))
    cells = " ".join(str(c.value) for ws in book.worksheets for r in ws.iter_rows() for c in r if c.value is not None)
    assert warned_member.name in cells and listed_member.name in cells

    # Printed: the sheet on A4, without its forms and buttons.
    _check_print_view(page, "dues_sheet", "党费收缴表", branch.name)
    # On paper the 选择 and 登记 columns are gone: the totals stay under their own columns.
    page.emulate_media(media="print")
    try:
        due_header = page.get_by_test_id("sheet-table").locator("thead th", has_text="应缴").bounding_box()
        total_due = page.get_by_test_id("total-due").bounding_box()
        assert abs(due_header["x"] - total_due["x"]) < 2, (due_header, total_due)
    finally:
        page.emulate_media(media="screen")


def test_the_sheet_fits_a_phone(demo, new_page, login, shot):
    page = new_page(**PHONE)
    login(page, "secretary")
    page.goto("/dues/sheet/")
    expect(page.get_by_test_id("sheet-table")).to_be_visible()
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"{overflow}px of sideways scroll"
    shot(page, "dues_sheet_phone")
    page.goto("/dues/arrears/")
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1
    shot(page, "dues_arrears_phone")
