"""A branch secretary sees only their own branch: tree, roster, and 404 for everything else (guessed IDs included)."""

import re
from collections import Counter

from playwright.sync_api import expect

from apps.access.models import RoleAssignment
from apps.core.query import prefix_q
from apps.members.models import CURRENT_STATUSES, Member
from apps.orgs import selectors
from apps.orgs.models import Organization

NOT_FOUND = "页面不存在或您无权查看"
TOKENS = re.compile(r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+"')
CLOCK = re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?\b")


def _body(response):
    """The page without its per-request CSRF tokens and its printed time (a minute may pass between two requests), to
    compare two responses."""
    return CLOCK.sub("hh:mm", TOKENS.sub(r'\1…"', response.text()))


def test_secretary_sees_only_their_branch(demo, page, login, shot):
    branch = RoleAssignment.objects.get(user__username="secretary").organization
    town = Organization.objects.get_parent(branch)
    own = Member.objects.filter(prefix_q("organization__path", branch.path))
    own_current = own.filter(status__in=CURRENT_STATUSES)
    assert 8 <= own_current.count() < 50

    login(page, "secretary")
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()
    expect(page.locator("main h2 a")).to_have_text([branch.name])

    # Tree: the branch is the only root; nothing above or beside it.
    page.get_by_role("link", name="党组织", exact=True).click()
    tree = page.get_by_test_id("org-tree")
    roots = tree.locator(":scope > ul > li")
    expect(roots).to_have_count(1)
    expect(roots.first.locator(":scope > .node > a")).to_have_text(branch.name)
    counts = selectors.subtree_counts(branch)
    expect(roots.first.locator(":scope > .node [data-testid=node-counts]")).to_have_text(
        f"{counts['orgs']} 个组织 · {counts['members']} 名党员")
    expect(tree).not_to_contain_text(town.name)
    links = tree.locator("a").evaluate_all("els => els.map(a => a.getAttribute('href'))")
    visible_ids = {int(re.search(r"/orgs/(\d+)/", href).group(1)) for href in links}
    assert visible_ids <= set(Organization.objects.filter(prefix_q("path", branch.path)).values_list("pk", flat=True))
    shot(page, "secretary_tree")

    # Roster: exactly the branch's current members.
    page.get_by_role("link", name="党员信息库").click()
    rows = page.get_by_test_id("member-table").locator("tbody tr")
    expect(rows).to_have_count(own_current.count())
    shown = Counter(rows.locator("td:first-child a").all_inner_texts())
    assert shown == Counter(own_current.values_list("name", flat=True))
    expect(page.get_by_test_id("member-table").locator("tbody")).not_to_contain_text(town.name)
    shot(page, "secretary_members")

    # Filtering the roster by another organization's id yields nothing rather than its members.
    sibling = Organization.objects.get_children(town).exclude(pk=branch.pk).filter(kind="branch").first()
    assert Member.objects.filter(organization=sibling).exists()
    page.goto(f"/members/?org={sibling.pk}")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_text("没有符合条件的党员。")

    # Another branch's page, the township above, the district root: all "not found", in Chinese.
    response = page.goto(f"/orgs/{sibling.pk}/")
    assert response.status == 404
    expect(page.locator("main")).to_contain_text(NOT_FOUND)
    expect(page.locator("main")).not_to_contain_text(sibling.name)
    shot(page, "not_found")
    missing_org = Organization.objects.order_by("-pk").first().pk + 1000
    missing_member = Member.objects.order_by("-pk").first().pk + 1000
    not_found_body = _body(page.request.get(f"/orgs/{missing_org}/"))
    assert NOT_FOUND in not_found_body

    for org in (town, Organization.objects.get(depth=1), sibling):
        for url in (f"/orgs/{org.pk}/", f"/orgs/{org.pk}/children/", f"/orgs/{org.pk}/warnings/"):
            response = page.request.get(url)
            assert response.status == 404, url
            assert org.name not in response.text()
        # The refusal looks exactly like a missing organization: existence does not leak.
        assert _body(page.request.get(f"/orgs/{org.pk}/")) == not_found_body

    # Guess member IDs around the branch's own: only the branch's members open.
    own_ids = set(own.values_list("pk", flat=True))
    guesses = range(min(own_ids) - 5, max(own_ids) + 6)
    outside = [pk for pk in guesses if pk not in own_ids and Member.objects.filter(pk=pk).exists()]
    assert outside, "the guesses should include other branches' members"
    missing_member_body = _body(page.request.get(f"/members/{missing_member}/"))
    for pk in guesses:
        response = page.request.get(f"/members/{pk}/")
        if pk in own_ids:
            assert response.status == 200, pk
        else:
            assert response.status == 404, pk
            assert _body(response) == missing_member_body
    other = Member.objects.get(pk=outside[0])
    response = page.goto(f"/members/{other.pk}/")
    assert response.status == 404
    expect(page.locator("main")).not_to_contain_text(other.name)
    for url in (f"/members/{other.pk}/edit/",):
        assert page.request.get(url).status == 404, url
    csrf = {"X-CSRFToken": next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")}
    assert page.request.post(f"/members/{other.pk}/reveal-id/", headers=csrf).status == 404

    # Their own member opens, with the ID masked (a secretary may not unmask).
    mine = own_current.first()
    page.goto(f"/members/{mine.pk}/")
    expect(page.locator("h1")).to_contain_text(mine.name)
    expect(page.get_by_test_id("id-number")).to_have_text(mine.id_masked)
    expect(page.get_by_test_id("reveal-id")).to_have_count(0)
    response = page.request.post(f"/members/{mine.pk}/reveal-id/", headers=csrf)
    assert response.status == 403 and mine.id_number not in response.text()
