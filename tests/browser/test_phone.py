"""Phone-sized screen (390×844): login, collapsed navigation, a readable member list, detail and tree pages."""

import re

from playwright.sync_api import expect

from apps.members.models import CURRENT_STATUSES, Member

WIDTH = 390
# The number of text lines in each element: distinct tops of its content's line boxes.
LINE_COUNT = """els => els.map(el => {
  const range = document.createRange(); range.selectNodeContents(el);
  const tops = Array.from(range.getClientRects(), r => r.top).sort((a, b) => a - b);
  let lines = 0, last = -1e9;
  for (const top of tops) { if (top - last > 8) { lines++; last = top; } }
  return lines;
})"""


def _no_horizontal_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH, f"page is {width}px wide on a {WIDTH}px screen"


def test_phone_login_menu_and_member_list(demo, phone_page, login, shot):
    page = phone_page
    page.goto("/accounts/login/")
    username, password = page.locator("input[name=username]"), page.locator("input[name=password]")
    expect(username).to_be_visible()
    assert username.bounding_box()["width"] >= 250  # the fields are stacked, not squeezed side by side
    assert password.bounding_box()["y"] > username.bounding_box()["y"]
    _no_horizontal_scroll(page)
    shot(page, "phone_login")

    login(page, "district_admin")
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()
    toggler = page.locator(".navbar-toggler")
    expect(toggler).to_be_visible()
    members_link = page.get_by_role("link", name="党员信息库")
    expect(members_link).to_be_hidden()
    _no_horizontal_scroll(page)
    shot(page, "phone_home")

    toggler.click()
    expect(members_link).to_be_visible()
    expect(toggler).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#mainnav")).to_have_class(re.compile(r"(^|\s)show(\s|$)"))  # collapse animation finished
    shot(page, "phone_menu_open", full_page=False)
    members_link.click()
    expect(page).to_have_url(re.compile(r"/members/$"))

    table = page.get_by_test_id("member-table")
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(50)
    # Narrow screen: ID number, birth date and status columns are hidden; name, sex, category, organization stay.
    headers = table.locator("thead th")
    visible = [headers.nth(i).inner_text() for i in range(headers.count()) if headers.nth(i).is_visible()]
    assert visible == ["姓名", "性别", "类别", "所在党组织"]
    expect(rows.first.locator("td.masked")).to_be_hidden()
    box = table.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH + 0.5, box
    # Short columns keep to one line; the organization name wraps instead.
    lines = table.locator("tbody tr td:is(:nth-child(1), :nth-child(2), :nth-child(5))").evaluate_all(LINE_COUNT)
    assert len(lines) == 150 and set(lines) == {1}, lines
    font_px = float(rows.first.locator("td").first.evaluate("td => getComputedStyle(td).fontSize").rstrip("px"))
    assert font_px >= 13
    _no_horizontal_scroll(page)

    # The secondary filters fold away so the first rows are on the first screen; 更多筛选 unfolds them.
    assert rows.first.bounding_box()["y"] < 844
    org_filter = page.get_by_label("组织（含下级）", exact=True)
    expect(org_filter).to_be_hidden()
    page.get_by_role("button", name="更多筛选").click()
    expect(org_filter).to_be_visible()
    expect(page.get_by_test_id("more-filters")).to_have_class(re.compile(r"(^|\s)show(\s|$)"))  # animation finished
    expect(page.get_by_label("党龄≤")).to_be_visible()
    expect(page.get_by_label("困难党员")).to_have_value("")
    _no_horizontal_scroll(page)
    shot(page, "phone_members_filters", full_page=False)
    page.get_by_role("button", name="更多筛选").click()
    expect(org_filter).to_be_hidden()

    # Search still works with the on-screen keyboard (key events → htmx).
    member = Member.objects.filter(status__in=CURRENT_STATUSES).order_by("pk").first()
    box = page.locator("input[name=q]")
    with page.expect_response(lambda r: "q=" + member.name_pinyin in r.url):
        box.press_sequentially(member.name_pinyin, delay=10)
    expect(rows.filter(has_text=member.name).first).to_be_visible()
    shot(page, "phone_members")

    rows.filter(has_text=member.name).first.get_by_role("link", name=member.name).click()
    expect(page.locator("h1")).to_contain_text(member.name)
    _no_horizontal_scroll(page)
    shot(page, "phone_member_detail")

    page.goto("/orgs/")
    expect(page.get_by_test_id("org-tree").locator(":scope > ul > li > ul > li").first).to_be_visible()
    _no_horizontal_scroll(page)
    shot(page, "phone_tree")
