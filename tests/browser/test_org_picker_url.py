"""The organization picker inside an htmx filter form that pushes its URL (the member list): the picker's own search
requests never reach the address bar (/orgs/pick/ was pushed once, so reload/back showed a bare list); choosing a match
and pressing 查询 filters the list and puts the list's own URL in the address bar; /orgs/pick/ opened directly is a
whole page in the layout. The audit trail and the records list use the same widget inside plain GET forms."""

from urllib.parse import parse_qs, urlparse

from playwright.sync_api import expect

from apps.members.models import CURRENT_STATUSES, Member
from apps.orgs.models import Organization

# Every URL the page puts into its history (htmx pushes with history.pushState / replaceState).
RECORD_HISTORY = """
window.__urls = [];
for (const name of ["pushState", "replaceState"]) {
  const original = history[name].bind(history);
  history[name] = (state, title, url) => { if (url) window.__urls.push(String(url)); return original(state, title, url); };
}
"""


def _target():
    """A branch (党支部) with members whose name is shared by no other organization of the district."""
    for org in Organization.objects.filter(kind__in=["branch"], is_active=True).order_by("path"):
        members = Member.objects.filter(status__in=CURRENT_STATUSES, organization__path__startswith=org.path).count()
        if 0 < members < 50 and Organization.objects.filter(name=org.name).count() == 1:
            return org, members
    raise AssertionError("no branch with members and a unique name in the demo")


def _filtered(page, org, expected):
    expect(page.get_by_test_id("org-filter")).to_contain_text(org.name)
    rows = page.get_by_test_id("member-table").locator("tbody tr")
    expect(rows).to_have_count(expected)
    assert {rows.nth(i).locator("td").last.inner_text() for i in range(expected)} <= set(
        Organization.objects.filter(path__startswith=org.path).values_list("name", flat=True))


def _choose(page, box, org):
    box.click()
    box.fill("")
    with page.expect_response(lambda r: "/orgs/pick/" in r.url) as info:
        box.press_sequentially(org.name, delay=5)
    assert info.value.status == 200
    option = page.locator(f"[data-org-option][data-pk='{org.pk}']")
    expect(option).to_be_visible()
    option.click()


def test_picker_never_changes_the_address_bar(demo, page, login, shot):
    org, expected = _target()
    page.add_init_script(RECORD_HISTORY)
    login(page, "district_admin")
    page.goto("/members/")
    box = page.get_by_label("组织（含下级）", exact=True)
    _choose(page, box, org)
    assert urlparse(page.url).path == "/members/"
    with page.expect_response(lambda r: urlparse(r.url).path == "/members/" and r.request.method == "GET"):
        page.get_by_role("button", name="查询").click()
    _filtered(page, org, expected)
    url = urlparse(page.url)
    assert url.path == "/members/" and parse_qs(url.query).get("org"), page.url
    pushed = page.evaluate("window.__urls")
    assert pushed and not [u for u in pushed if "/orgs/pick/" in u], pushed
    assert all(urlparse(u).path == "/members/" for u in pushed), pushed
    shot(page, "picker_members_filtered")

    # The address is the filtered list: reloading it shows the same filtered list.
    page.reload()
    _filtered(page, org, expected)
    assert "/orgs/pick/" not in page.url

    # Opened directly, the picker's address is a page in the site's layout, not a bare fragment.
    page.goto(f"/orgs/pick/?cap=member.view&q={org.name}")
    expect(page.locator("nav.app-navbar")).to_be_visible()
    expect(page.get_by_test_id("pick-page")).to_be_visible()
    expect(page.locator("main")).to_contain_text(org.name)


def test_picker_in_get_filter_forms(demo, new_page, login):
    """The audit trail and the records list: choosing an organization and submitting gives the list's own URL."""
    org, _ = _target()
    for user, path in (("district_admin", "/records/"), ("auditor", "/audit/")):
        page = new_page(viewport={"width": 1280, "height": 900})
        login(page, user)
        page.goto(path)
        box = page.locator("main [data-org-text]").first
        _choose(page, box, org)
        assert urlparse(page.url).path == path
        with page.expect_navigation():
            page.locator("main form.filter-form").get_by_role("button", name="查询").click()
        url = urlparse(page.url)
        assert url.path == path and "/orgs/pick/" not in page.url, page.url
        assert str(org.pk) in url.query or org.code in url.query, page.url
