"""Cadres' performance pay in the browser: the district administrator opens a closed round's pay sheet from the
考核评价 tabs, clicks a cadre's bonus and lands on the score sheet behind it (the entry's 评分表 of the round); the pay
sheet prints on A4 landscape (letterhead, no buttons, nothing past the margin) and reads on a 390 px phone."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.accounts.models import User
from apps.assessment import round_services, services
from apps.assessment.models import IndicatorSystem
from apps.demo.assessment_pay_seed import write_pay
from tests.browser.conftest import PHONE
from tests.browser.test_phone import _no_horizontal_scroll
from tests.browser.test_print import SCREENSHOTS, _pages, _pdf_text

A4_LANDSCAPE = (842, 595)


def _closed_round_with_sheet():
    """A closed yearly round of this year's 村 system, scored (automatically; the first village's manual indicators in
    full), and its pay sheet (apps.demo.assessment_pay_seed)."""
    admin = User.objects.get(username="district_admin")
    last_year = IndicatorSystem.objects.get(group__name="村", status="in_use")
    # This year's copy (复制为下一年度, published): the demo's records are of the last twelve months.
    system = services.system_publish(actor=admin, system=services.system_copy(
        actor=admin, system=last_year, year=timezone.localdate().year))
    now = timezone.now()
    rnd = round_services.round_create(actor=admin, system=system, data={
        "period_kind": "year", "number": 1, "name": "村 年度考核（报酬）", "opens_at": now - timedelta(hours=1),
        "closes_at": now + timedelta(days=1)})
    rnd = round_services.round_open(actor=admin, round=rnd)
    round_services.scoring_start(actor=admin, round=rnd)  # the automatic scores, from the demo's records and cases
    first = rnd.entries.order_by("organization__path").first()
    for score in first.scores.select_related("indicator", "entry__round").filter(indicator__method="manual"):
        round_services.score_manual(actor=admin, score=score, points=score.indicator.max_points)
    rnd = round_services.round_close(actor=admin, round=rnd)
    sheet = write_pay(system.group.organization, timezone.localdate(), lambda *_: None, rnd)
    return rnd, sheet


@pytest.mark.django_db(transaction=True)
def test_a_cadres_bonus_on_the_pay_sheet_links_back_to_the_score(demo, page, new_page, login, shot):
    rnd, sheet = _closed_round_with_sheet()
    line = sheet.lines.select_related("entry__organization").order_by("position").first()
    assert line is not None, "the demo's villages have committees: the sheet has lines"
    assert line.bonus > 0, (line.score, line.band)  # the first village, scored in full by hand, earns a bonus

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
