"""District admin: login form → organization tree with subtree counts → expand a node (htmx) → org detail."""

import re

from playwright.sync_api import expect

from apps.orgs import selectors
from apps.orgs.models import Organization

COUNTS = re.compile(r"^(\d+) 个组织 · (\d+) 名党员$")


def _counts(node_li):
    text = node_li.locator(":scope > .node [data-testid=node-counts]").inner_text().strip()
    match = COUNTS.match(text)
    assert match, f"unexpected counts text {text!r}"
    return int(match.group(1)), int(match.group(2))


def test_district_admin_browses_the_org_tree(demo, page, login, shot):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    username, password = page.locator("input[name=username]"), page.locator("input[name=password]")
    assert password.bounding_box()["y"] > username.bounding_box()["y"]  # one field per line in the narrow card
    shot(page, "login")
    login(page, "district_admin")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()
    expect(page.locator(".navbar")).to_contain_text("区委组织部管理员")
    root = Organization.objects.get(depth=1)
    expected = selectors.subtree_counts(root)
    expect(page.get_by_test_id("org-count")).to_have_text(f"{expected['orgs']:,}")  # grouped in thousands
    expect(page.get_by_test_id("member-count")).to_have_text(f"{expected['members']:,}")
    shot(page, "home")

    page.get_by_role("link", name="党组织", exact=True).click()
    expect(page).to_have_url(re.compile(r"/orgs/$"))
    tree = page.get_by_test_id("org-tree")
    roots = tree.locator(":scope > ul > li")
    expect(roots).to_have_count(1)
    root_li = roots.first
    expect(root_li.locator(":scope > .node > a")).to_have_text(root.name)
    assert expected["orgs"] == demo["orgs"]
    assert _counts(root_li) == (expected["orgs"], expected["members"])

    # The root is open: its children arrive by htmx on load, each with its own subtree counts.
    children = list(Organization.objects.get_children(root).filter(is_active=True))
    child_items = root_li.locator(":scope > ul > li")
    expect(child_items).to_have_count(len(children))
    town = next(c for c in children if c.name.endswith("镇党委") and c.numchild)
    town_li = root_li.locator(":scope > ul > li").filter(has=page.get_by_role("link", name=town.name, exact=True))
    town_counts = selectors.subtree_counts(town)
    assert _counts(town_li) == (town_counts["orgs"], town_counts["members"])
    assert sum(_counts(child_items.nth(i))[0] for i in range(len(children))) == expected["orgs"] - 1

    # Expand the township: the + button fetches its children into the nested list and turns into −.
    toggle = town_li.locator(":scope > .node > button.toggle")
    expect(toggle).to_have_text("+")
    town_children = list(Organization.objects.get_children(town).filter(is_active=True))
    with page.expect_response(lambda r: r.url.endswith(f"/orgs/{town.pk}/children/")):
        toggle.click()
    expect(toggle).to_have_text("−")
    grand_items = town_li.locator(":scope > ul > li")
    expect(grand_items).to_have_count(len(town_children))
    expect(town_li.locator(":scope > ul")).to_be_visible()
    names = [grand_items.nth(i).locator(":scope > .node > a").inner_text() for i in range(len(town_children))]
    assert sorted(names) == sorted(c.name for c in town_children)
    branch = max(town_children, key=lambda c: selectors.subtree_counts(c)["members"])
    branch_li = grand_items.filter(has=page.get_by_role("link", name=branch.name, exact=True))
    branch_counts = selectors.subtree_counts(branch)
    assert _counts(branch_li) == (branch_counts["orgs"], branch_counts["members"])
    shot(page, "org_tree")

    # Collapse hides the subtree without a second request.
    toggle.click()
    expect(toggle).to_have_text("+")
    expect(town_li.locator(":scope > ul")).to_be_hidden()
    toggle.click()
    expect(town_li.locator(":scope > ul")).to_be_visible()
    expect(grand_items).to_have_count(len(town_children))

    # Org detail: heading, breadcrumb to the ancestors, the same counts in the stat cards.
    branch_li.locator(":scope > .node > a").click()
    expect(page).to_have_url(re.compile(rf"/orgs/{branch.pk}/$"))
    expect(page.locator("h1")).to_contain_text(branch.name)
    expect(page.locator("main nav").first).to_contain_text(root.name)
    expect(page.locator("main nav").first).to_contain_text(town.name)
    expect(page.get_by_text(f"编码 {branch.code}")).to_be_visible()
    stats = page.locator(".stat")
    expect(stats.nth(0)).to_have_text(str(branch_counts["orgs"]))
    expect(stats.nth(1)).to_have_text(str(branch_counts["members"]))
    expect(page.get_by_role("link", name="编辑")).to_be_visible()
    shot(page, "org_detail")

    # The roster link of the detail page filters the member list to this branch.
    page.get_by_role("link", name="查看党员名册").click()
    expect(page).to_have_url(re.compile(rf"/members/\?org={branch.pk}$"))
    expect(page.get_by_test_id("member-table").locator("tbody tr")).to_have_count(min(branch_counts["members"], 50))
