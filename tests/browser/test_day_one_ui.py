"""Day-one UI in the browser: the organization picker (type, see parent paths, choose with mouse or keyboard,
submit), tab bars that scroll on a phone with a fading edge, the public links on the login page."""

import re

from playwright.sync_api import expect

from apps.orgs.models import Organization


def _namesake():
    """新民村第1党支部 in two townships' 新民村党委: the ambiguity the parent path resolves."""
    from tests.factories import make_org, refresh

    branches = []
    for town in Organization.objects.filter(depth=2, kind="committee", is_active=True).order_by("path")[:2]:
        village = make_org("新民村党委", "committee", refresh(town), domain="village")
        branches.append(make_org("新民村第1党支部", "branch", refresh(village), domain="village"))
    return "新民村第1党支部", branches


def test_org_picker_filters_the_member_list(demo, page, login, shot):
    login(page, "district_admin")
    name, branches = _namesake()
    page.goto("/members/")
    box = page.locator("#id_org")
    box.fill(name)
    options = page.locator("[data-org-option]")
    expect(options.first).to_be_visible()
    assert options.count() >= len(branches) >= 2
    labels = [options.nth(i).get_attribute("data-label") for i in range(options.count())]
    assert len(set(labels)) == len(labels), labels  # namesakes told apart by their parent path
    assert all(" › " in label for label in labels)
    shot(page, "org_picker")
    target = branches[0]
    page.locator(f'[data-org-option][data-pk="{target.pk}"]').click()
    expect(page.locator('input[name="org_pk"]')).to_have_value(str(target.pk))
    assert " › " in box.input_value() and box.input_value().endswith(name)
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_test_id("org-filter")).to_contain_text(target.name)
    assert re.search(rf"org_pk={target.pk}", page.url)

    # Typing again forgets the choice; the keyboard picks the first match.
    box.fill("")
    box.type(name[:3])
    expect(page.locator('input[name="org_pk"]')).to_have_value("")
    expect(options.first).to_be_visible()
    box.press("ArrowDown")
    box.press("Enter")
    expect(page.locator('input[name="org_pk"]')).not_to_have_value("")
    expect(options).to_have_count(0)


def test_tabs_scroll_on_a_phone_with_a_fading_edge(demo, phone_page, login, shot):
    page = phone_page
    login(page, "district_admin")
    page.goto("/records/")
    bar = page.locator("ul.tab-scroll").first
    expect(bar).to_be_visible()
    sizes = bar.evaluate("b => [b.scrollWidth, b.clientWidth]")
    assert sizes[0] > sizes[1], sizes  # six tabs do not fit 390 px
    expect(bar).to_have_class(re.compile(r"\bfade-end\b"))
    mask = bar.evaluate("b => getComputedStyle(b).webkitMaskImage || getComputedStyle(b).maskImage")
    assert "gradient" in mask
    shot(page, "tabs_phone", full_page=False)
    bar.evaluate("b => { b.scrollLeft = b.scrollWidth; b.dispatchEvent(new Event('scroll')); }")
    expect(bar).not_to_have_class(re.compile(r"\bfade-end\b"))
    expect(bar).to_have_class(re.compile(r"\bfade-start\b"))


def test_login_page_offers_the_public_pages(demo, phone_page, shot):
    page = phone_page
    page.goto("/accounts/login/")
    links = page.get_by_test_id("public-links")
    for text in ("我要反映", "查询办理进度", "诉求公开", "特色活动之星", "考核结果公示", "示范创建"):
        expect(links.get_by_role("link", name=text)).to_be_visible()
    shot(page, "login_public_links")
    links.get_by_role("link", name="特色活动之星").click()
    expect(page).to_have_url(re.compile(r"/stars/"))
