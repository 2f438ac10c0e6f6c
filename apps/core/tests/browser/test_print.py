"""Printing: a meeting record, a member's file, the compliance table and a case page print on A4 — with print
media emulated, navigation, tabs, buttons, forms and pagers are hidden and the letterhead names the page and its
organization; each page is printed to PDF (and a screenshot of the print view saved) under var/screenshots/."""

import pytest
from playwright.sync_api import expect

from apps.cases.models import Case
from apps.core.tests.browser.conftest import SCREENSHOTS
from apps.members.models import Member
from apps.records.models import ActivityRecord, RecordStatus

# A4 at 72 points per inch: 595 × 842.
A4_POINTS = (595, 842)


def _pages(pdf_bytes):
    """Page count and the first page's size from a PDF Chromium wrote (its objects are not compressed away)."""
    import re

    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf_bytes)
    return len(boxes), tuple(round(float(v)) for v in boxes[0])


def _check_print_view(page, name, title_text, org_name):
    button = page.get_by_test_id("print-button")
    expect(button).to_be_visible()  # on screen: the 打印 button, no letterhead
    expect(page.locator(".print-header")).to_be_hidden()
    page.emulate_media(media="print")
    try:
        header = page.locator(".print-header")
        expect(header).to_be_visible()
        expect(header.locator(".print-title")).to_contain_text(title_text)
        expect(header.locator(".print-site")).to_contain_text(org_name)
        expect(page.locator("nav.app-navbar")).to_be_hidden()
        expect(button).to_be_hidden()
        for selector in ("main button", "main form", "main .btn", ".nav-tabs", ".pagination"):
            visible = [el for el in page.locator(selector).all() if el.is_visible()]
            assert not visible, f"{name}: {selector} visible in print"
        # Links print as their text, without the address appended.
        after = page.evaluate("() => { const a = document.querySelector('main a[href]');"
                              " return a ? getComputedStyle(a, '::after').content : 'none'; }")
        assert after in ("none", "normal", '""')
        # Table rows are never split across pages; headers repeat on every page.
        rows = page.evaluate("() => [...document.querySelectorAll('main tr')].map(r => getComputedStyle(r).breakInside)")
        assert all(value == "avoid" for value in rows)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"print_{name}.png"), full_page=True)
        pdf = page.pdf(path=str(SCREENSHOTS / f"print_{name}.pdf"), prefer_css_page_size=True, print_background=False)
    finally:
        page.emulate_media(media="screen")
    count, size = _pages(pdf)
    assert count >= 1 and size == A4_POINTS, (name, count, size)
    return pdf


@pytest.mark.django_db(transaction=True)
def test_four_pages_print_on_a4(demo, page, login):
    login(page, "district_admin")

    record = ActivityRecord.objects.filter(status=RecordStatus.SUBMITTED).select_related("organization").order_by("-held_on").first()
    page.goto(f"/records/{record.pk}/")
    _check_print_view(page, "record", "组织生活纪实", record.organization.name)

    member = Member.objects.select_related("organization").order_by("id").first()
    page.goto(f"/members/{member.pk}/")
    expect(page.get_by_test_id("reveal-id")).to_be_visible()
    _check_print_view(page, "member", member.name, member.organization.name)

    page.goto("/records/compliance/")
    expect(page.get_by_test_id("compliance-table")).to_be_visible()
    root_name = page.locator("main h1 small").inner_text().split(" · ")[0]
    _check_print_view(page, "compliance", "组织生活完成情况", root_name)

    case = Case.objects.exclude(area=None).select_related("area").order_by("-submitted_at").first()
    page.goto(f"/cases/{case.pk}/")
    _check_print_view(page, "case", case.number, case.area.name)
