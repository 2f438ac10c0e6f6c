"""Cadres' performance pay in the browser: the district administrator opens a closed round's pay sheet from the
考核评价 tabs, clicks a cadre's bonus and lands on the score sheet behind it (the entry's 评分表 of the round); the pay
sheet prints on A4 landscape (letterhead, no buttons, nothing past the margin) and reads on a 390 px phone."""

import re

import pytest
from playwright.sync_api import expect

from apps.assessment.pay_models import PaySheet
from tests.browser.conftest import PHONE
from tests.browser.test_phone import _no_horizontal_scroll
from tests.browser.test_print import SCREENSHOTS, _pages, _pdf_text

A4_LANDSCAPE = (842, 595)


def _closed_round_with_sheet():
    """The demo's closed quarterly round of the 村 group and its pay sheet (apps.demo.assessment_pay_seed, a draft)."""
    sheet = PaySheet.objects.select_related("round").get()
    return sheet.round, sheet


@pytest.mark.django_db(transaction=True)
def test_a_cadres_bonus_on_the_pay_sheet_links_back_to_the_score(demo, page, new_page, login, shot):
    rnd, sheet = _closed_round_with_sheet()
    assert sheet.lines.exists(), "the demo's villages have committees: the sheet has lines"
    line = sheet.lines.select_related("entry__organization").filter(bonus__gt=0).order_by("position").first()
    assert line is not None, "a village scored well enough earns a bonus"

    login(page, "district_admin")
    page.get_by_role("link", name="考核评价").click()
    page.get_by_role("link", name="绩效报酬", exact=True).click()
    page.get_by_test_id("pay-sheets").get_by_role("link", name=rnd.name).click()
    expect(page.get_by_test_id("pay-sheet-status")).to_contain_text("草稿")
    row = page.locator(f"[data-line='{line.position}']")
    expect(row).to_contain_text(line.name)
    bonus = row.get_by_test_id("pay-bonus")
    expect(bonus).to_have_text(str(line.bonus))
    shot(page, "assessment-pay-sheet")

    # A4 landscape: the sheet's own @page; the letterhead names it, no buttons print, nothing runs past the margin.
    page.emulate_media(media="print")
    try:
        expect(page.locator(".print-header .print-title")).to_contain_text("绩效报酬表")
        for selector in ("main button", "main form", ".nav-tabs"):
            assert not [el for el in page.locator(selector).all() if el.is_visible()], selector
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / "print_assessment_pay.pdf"
        pdf = page.pdf(path=str(path), prefer_css_page_size=True, print_background=False)
    finally:
        page.emulate_media(media="screen")
    count, size = _pages(pdf)
    assert count >= 1 and size == A4_LANDSCAPE, size
    words = re.findall(r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)"', _pdf_text(path, bbox=True))
    assert words and max(float(x) for x in words) <= 842 - 10 * 72 / 25.4 + 1  # the right margin: 10 mm

    bonus.click()
    expect(page).to_have_url(re.compile(rf"/assessment/rounds/entries/{line.entry_id}/$"))
    expect(page.get_by_test_id("sheet")).to_be_visible()
    expect(page.locator("h1")).to_contain_text(line.entry.organization.name)
    expect(page.get_by_text(str(line.score), exact=False).first).to_be_visible()

    phone = new_page(**PHONE)  # 390 px: the table scrolls inside its frame, the page does not
    login(phone, "district_admin")
    phone.goto(f"/assessment/pay/sheets/{sheet.pk}/")
    expect(phone.get_by_test_id("pay-lines")).to_be_visible()
    _no_horizontal_scroll(phone)
