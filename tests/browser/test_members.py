"""District admin in the member registry: search by pinyin (htmx), reveal a full 身份证 number (audited)."""

import re
from collections import Counter
from urllib.parse import parse_qs, urlparse

from openpyxl import load_workbook
from playwright.sync_api import expect
from pypinyin import lazy_pinyin

from apps.audit.models import AuditEvent
from apps.members.models import CURRENT_STATUSES, Member
from apps.members.selectors import search_q


def _search(page, text):
    """Type into the search box like a person (keyup drives htmx) and wait for the matching fragment."""
    box = page.locator("input[name=q]")
    box.fill("")

    def is_result(response):
        url = urlparse(response.url)
        return (url.path == "/members/" and response.request.headers.get("hx-request") == "true"
                and parse_qs(url.query).get("q") == [text])

    with page.expect_response(is_result) as info:
        box.press_sequentially(text, delay=5)
    assert info.value.status == 200
    return page.get_by_test_id("member-table").locator("tbody tr")


def _expected(text):
    return Counter(Member.objects.filter(status__in=CURRENT_STATUSES).filter(search_q(text)).values_list("name", flat=True))


def _shown(rows):
    return Counter(rows.nth(i).locator("td").first.locator("a").inner_text() for i in range(rows.count()))


def test_member_search_by_pinyin_initials_and_full_pinyin(demo, page, login, shot, tmp_path):
    current = Member.objects.filter(status__in=CURRENT_STATUSES)
    by_initials = Counter(current.values_list("name_initials", flat=True))
    # A member whose initials are shared by few others, so the result is small enough to check row by row.
    target = min(current.order_by("pk"), key=lambda m: (by_initials[m.name_initials], m.pk))
    assert len(target.name_initials) >= 2 and target.name_pinyin

    login(page, "district_admin")
    page.goto("/members/")
    rows = page.get_by_test_id("member-table").locator("tbody tr")
    expect(rows).to_have_count(50)  # first page of the whole district
    expect(page.get_by_text(f"共 {current.count()} 条")).to_be_visible()
    expect(page.get_by_label("困难党员")).to_have_value("")
    expect(page.get_by_label("困难党员").locator("option:checked")).to_have_text("全部")
    expect(page.get_by_label("组织（含下级）", exact=True)).to_be_visible()  # all filters shown on a wide screen
    shot(page, "members")

    rows = _search(page, target.name_initials)
    expected = _expected(target.name_initials)
    assert target.name in expected and sum(expected.values()) < 50
    expect(rows).to_have_count(sum(expected.values()))
    assert _shown(rows) == expected
    expect(rows.filter(has_text=target.name).first).to_be_visible()
    expect(page).to_have_url(re.compile(rf"[?&]q={target.name_initials}(&|$)"))  # hx-push-url keeps the search in the address
    shot(page, "members_search_initials")
    # The export link follows the search (it is outside the swapped results).
    href = page.get_by_test_id("export-link").get_attribute("href")
    assert parse_qs(urlparse(href).query).get("q") == [target.name_initials], href

    # Exporting now gives exactly the rows found, ID numbers masked.
    with page.expect_navigation():
        page.get_by_test_id("export-link").click()
    expect(page.get_by_test_id("job-status")).to_have_attribute("data-status", "succeeded")
    expect(page.get_by_test_id("job-message")).to_have_text(f"已导出{sum(expected.values())}名党员")
    with page.expect_download() as info:
        page.get_by_test_id("job-download").click()
    assert info.value.suggested_filename == "党员名册.xlsx"
    exported = tmp_path / "export.xlsx"
    info.value.save_as(exported)
    sheet = list(load_workbook(exported).active.iter_rows(values_only=True))
    assert sheet[0][:3] == ("姓名", "性别", "身份证号")
    assert Counter(r[0] for r in sheet[1:]) == expected
    assert all("*" in r[2] for r in sheet[1:])
    page.goto("/members/")

    # Upper case and spaces between syllables are read the same way.
    spaced = " ".join(lazy_pinyin(target.name)).upper()  # e.g. "MA YUN"
    assert " " in spaced
    rows = _search(page, spaced)
    expect(rows.filter(has_text=target.name).first).to_be_visible()

    # A query nobody matches says so in Chinese instead of showing an empty table.
    rows = _search(page, "qqqqqq")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_text("没有符合条件的党员。")

    # Full pinyin: exactly the members whose pinyin starts so; a result opens the member's page.
    rows = _search(page, target.name_pinyin)
    expected = _expected(target.name_pinyin)
    assert target.name in expected
    expect(rows).to_have_count(sum(expected.values()))
    assert _shown(rows) == expected
    with page.expect_navigation():
        rows.locator(f"a[href='/members/{target.pk}/']").click()
    expect(page.locator("h1")).to_contain_text(target.name)


def test_reveal_full_id_number_is_audited(demo, page, new_page, login, shot):
    member = Member.objects.filter(status="normal").order_by("pk").first()
    login(page, "district_admin")
    page.goto(f"/members/{member.pk}/")
    expect(page.locator("h1")).to_contain_text(member.name)
    id_cell = page.get_by_test_id("id-number")
    expect(id_cell).to_have_text(member.id_masked)
    assert "*" in member.id_masked and member.id_number not in page.content()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.UNMASK).exists()
    shot(page, "member_detail")

    page.get_by_test_id("reveal-id").click()
    expect(id_cell).to_have_text(member.id_number)
    assert re.fullmatch(r"\d{17}[\dX]", id_cell.inner_text())
    expect(page.get_by_text("已记录查看")).to_be_visible()
    expect(page.get_by_test_id("reveal-id")).to_have_count(0)
    shot(page, "member_detail_revealed")

    events = AuditEvent.objects.filter(action="unmask")
    assert events.count() == 1
    event = events.get()
    assert event.actor.username == "district_admin"
    assert (event.object_type, event.object_id) == ("members.member", str(member.pk))
    assert member.id_number not in str(event.before) + str(event.after) + event.note

    # Reading the audit trail (auditor) shows the reveal in Chinese.
    audit_page = new_page(viewport={"width": 1280, "height": 900})
    login(audit_page, "auditor")
    expect(audit_page).to_have_url(re.compile(r"/audit/$"))
    rows = audit_page.get_by_test_id("audit-table").locator("tbody tr")
    expect(rows.first).to_contain_text("auditor")  # newest first: the auditor's own login
    row = rows.filter(has=audit_page.get_by_role("cell", name="查看完整身份证号", exact=True))
    expect(row).to_have_count(1)
    expect(row).to_contain_text("district_admin")
    expect(row).to_contain_text(member.name)
    expect(audit_page.get_by_test_id("audit-table")).not_to_contain_text(member.id_number)
    shot(audit_page, "audit_list")
