"""Printing: a meeting record, a member's file, the compliance table and a case page print on A4 — with print
media emulated, navigation, tabs, buttons, forms and pagers are hidden and the letterhead names the page and its
organization; each page is printed to PDF (and a screenshot of the print view saved) under var/screenshots/."""

import subprocess

import pytest
from playwright.sync_api import expect

from apps.cases.models import Case
from apps.members.models import Member
from apps.records.models import ActivityRecord, RecordStatus
from tests.browser.conftest import SCREENSHOTS

# A4 at 72 points per inch: 595 × 842; the right margin of print.css's @page is 14 mm (≈ 40 pt).
A4_POINTS = (595, 842)
RIGHT_EDGE = 595 - 14 * 72 / 25.4
# A4's printable width at print.css's margins (210 − 2 × 14 mm) in CSS pixels: the print layout's viewport.
PRINT_WIDTH = round((210 - 28) / 25.4 * 96)


def _pdf_text(path, first=None, last=None, bbox=False):
    args = ["pdftotext", "-enc", "UTF-8"]
    if first:
        args += ["-f", str(first), "-l", str(last or first)]
    if bbox:
        args.append("-bbox")
    return subprocess.run([*args, str(path), "-"], capture_output=True, text=True, check=True).stdout


def _words_past_the_right_margin(path):
    """Words the PDF places beyond the right margin (cards or tables that ran past the page's printable width)."""
    import re

    words = re.findall(r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>',
                       _pdf_text(path, bbox=True))
    return [(text, float(x)) for x, text in words if float(x) > RIGHT_EDGE + 1]


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
        # Laid out at the paper's width, nothing is wider than the page.
        size = page.viewport_size
        page.set_viewport_size({"width": PRINT_WIDTH, "height": size["height"]})
        overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"{name}: {overflow}px wider than the paper"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"print_{name}.png"), full_page=True)
        page.set_viewport_size(size)
        pdf = page.pdf(path=str(SCREENSHOTS / f"print_{name}.pdf"), prefer_css_page_size=True, print_background=False)
    finally:
        page.emulate_media(media="screen")
    count, size = _pages(pdf)
    assert count >= 1 and size == A4_POINTS, (name, count, size)
    assert not _words_past_the_right_margin(SCREENSHOTS / f"print_{name}.pdf"), name
    return pdf


@pytest.mark.django_db(transaction=True)
def test_four_pages_print_on_a4(demo, page, login):
    login(page, "district_admin")

    record = ActivityRecord.objects.filter(status=RecordStatus.SUBMITTED).select_related("organization").order_by("-held_on").first()
    # Minutes longer than a page: the record's content must still start on page 1, under the letterhead (a card
    # kept whole used to leave page 1 with the title only).
    minutes = "\n".join(f"第{i}项：支部书记传达上级精神，党员逐一发言，结合本村实际讨论了下一步工作安排。" for i in range(1, 61))
    ActivityRecord.objects.filter(pk=record.pk).update(minutes=minutes, place="村委会二楼会议室")
    page.goto(f"/records/{record.pk}/")
    _check_print_view(page, "record", "组织生活纪实", record.organization.name)
    first = _pdf_text(SCREENSHOTS / "print_record.pdf", 1)
    assert "村委会二楼会议室" in first and "第1项" in first and "第3项" in first, first[:400]
    assert _pages(open(SCREENSHOTS / "print_record.pdf", "rb").read())[0] >= 2  # the long minutes go on to page 2

    member = Member.objects.select_related("organization").order_by("id").first()
    page.goto(f"/members/{member.pk}/")
    expect(page.get_by_test_id("reveal-id")).to_be_visible()
    _check_print_view(page, "member", member.name, member.organization.name)

    page.goto("/records/compliance/")
    expect(page.get_by_test_id("compliance-table")).to_be_visible()
    root_name = page.locator("main h1 small").inner_text().split(" · ")[0]
    _check_print_view(page, "compliance", "组织生活完成情况", root_name)
    # The table fits the paper in portrait with its organization names whole (they wrapped every 4–5 characters).
    first = _pdf_text(SCREENSHOTS / "print_compliance.pdf", 1)
    names = page.evaluate("() => [...document.querySelectorAll('[data-testid=compliance-table] tbody td:first-child')]"
                          ".map(td => td.innerText.trim()).filter(t => t && t.length <= 10)")
    assert names and all(n in first for n in names), [n for n in names if n not in first]
    assert "逾期" in first

    case = Case.objects.exclude(area=None).select_related("area").order_by("-submitted_at").first()
    page.goto(f"/cases/{case.pk}/")
    _check_print_view(page, "case", case.number, case.area.name)
