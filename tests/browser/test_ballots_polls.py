"""民主测评 in the browser: the district administrator creates a 双向考核 of a township, adds its committee as the
subject, a branch's members on paper and an invited representative, opens the vote (its confirmation dialog), prints
the sheet of code slips (2 × 5 on A4, dashed cut lines, no code in any address), closes the vote after some ballots
(cast through the service with the slips' codes: the voting pages are another surface) and reads the results and the
turnout, reconciled; the results page prints on A4 and fits a 390 px phone."""

import pytest
from django.db.models import Count, Q
from playwright.sync_api import expect

from apps.ballots import ballot_services, codes, services
from apps.ballots.models import ItemKind, Poll
from apps.members.models import CURRENT_STATUSES
from apps.orgs.models import Organization
from tests.browser.conftest import PHONE
from tests.browser.test_phone import _no_horizontal_scroll
from tests.browser.test_print import _check_print_view

TITLE = "2026年度镇党委班子双向考核"


def _township_and_branch():
    """A township and, under it, a branch with a few current members."""
    branches = (Organization.objects.filter(kind="branch", is_active=True)
                .annotate(n=Count("members", filter=Q(members__status__in=CURRENT_STATUSES)))
                .filter(n__gte=2).order_by("n", "path"))
    for branch in branches:
        above = [branch.path[:i] for i in range(4, len(branch.path), 4)]
        town = Organization.objects.filter(path__in=above, kind="committee").order_by("-depth").first()
        if town is not None and town.depth > 1:
            return town, branch
    pytest.skip("no township with a branch in the demo")


def _pick(scope, field, org):
    """The organization picker: type the code, choose the match (shown with its parent path)."""
    scope.locator(f"input[name='{field}']").fill(org.code)
    scope.locator(f'[data-org-option][data-pk="{org.pk}"]').click()
    expect(scope.locator(f"input[name='{field}_pk']")).to_have_value(str(org.pk))


@pytest.mark.django_db(transaction=True)
def test_two_way_poll_from_set_up_to_results(demo, page, new_page, login, shot):
    town, branch = _township_and_branch()
    login(page, "district_admin")
    page.get_by_role("link", name="民主测评").first.click()
    expect(page.get_by_test_id("polls")).to_be_visible()
    page.get_by_test_id("new-poll").click()
    page.locator("select[name=kind]").select_option("two_way")
    _pick(page.get_by_test_id("poll-form"), "organization", town)
    page.locator("input[name=title]").fill(TITLE)
    page.locator("input[name=anonymous_slots]").fill("2")
    page.get_by_test_id("poll-save").click()
    expect(page.locator(".alert-success")).to_contain_text("已创建测评")
    poll = Poll.objects.get(title=TITLE)

    _pick(page.get_by_test_id("subject-form"), "organization", town)
    page.get_by_test_id("subject-form").get_by_role("button", name="添加测评对象").click()
    expect(page.get_by_test_id("subjects")).to_contain_text(town.name)
    members = page.get_by_test_id("members-form")
    _pick(members, "members-organization", branch)
    members.locator("select[name='members-channel']").select_option("paper")
    members.get_by_role("button", name="加入名单").click()
    expect(page.locator(".alert-success")).to_contain_text("已加入")
    voter = page.get_by_test_id("voter-form")
    voter.locator("select[name='voter-kind']").select_option("invited")
    voter.locator("input[name='voter-name']").fill("特邀代表王五")
    voter.get_by_role("button", name="加入名单").click()
    expect(page.get_by_test_id("voters")).to_contain_text("特邀代表王五")
    shot(page, "ballots-poll-draft")

    page.once("dialog", lambda dialog: dialog.accept())  # 开始测评 asks first
    page.get_by_test_id("step-open").click()
    expect(page.locator(".alert-success")).to_contain_text("已开始测评")
    expect(page.get_by_test_id("fingerprint")).to_be_visible()
    poll.refresh_from_db()
    assert poll.eligible_count == poll.voters.count() + 2

    page.get_by_test_id("slips-link").click()
    plain = services.slip_codes(poll)
    expect(page.get_by_test_id("slip")).to_have_count(len(plain))
    expect(page.get_by_test_id("slips")).to_contain_text(codes.spaced(plain[0]))
    expect(page.get_by_test_id("slips")).to_contain_text("一码一票")
    html = page.content()
    assert not any(code in html for code in plain)  # spaced on paper, never bare (no address, no QR carries one)
    shot(page, "ballots-slips")
    page.emulate_media(media="print")
    border = page.locator(".slip").first.evaluate("el => getComputedStyle(el).borderTopStyle")
    assert border == "dashed"
    columns = page.locator(".slip-sheet").first.evaluate("el => getComputedStyle(el).gridTemplateColumns.split(' ').length")
    assert columns == 2
    page.pdf(path="var/screenshots/print_ballots_slips.pdf", prefer_css_page_size=True)
    page.emulate_media(media="screen")

    ratings = [0, 0, 1, 2]
    for code, option in zip(plain, ratings, strict=False):
        text_item = poll.items.get(kind=ItemKind.TEXT)
        subject = poll.subjects.get()
        ballot_services.ballot_cast(poll=poll, code=code, texts={f"{subject.pk}:{text_item.pk}": "希望多下基层"},
                             ratings={f"{subject.pk}:{i.pk}": option for i in poll.items.filter(kind=ItemKind.RATING)})

    page.goto(poll.get_absolute_url())
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("step-close").click()
    expect(page.locator(".alert-success")).to_contain_text("已结束并计票")
    page.get_by_test_id("results-link").click()
    expect(page.get_by_test_id("results")).to_contain_text(town.name)
    expect(page.get_by_test_id("results")).to_contain_text("希望多下基层")
    expect(page.get_by_test_id("reconciled")).to_contain_text("✓")
    expect(page.get_by_test_id("turnout")).to_contain_text(str(len(ratings)))
    shot(page, "ballots-results")
    _check_print_view(page, "ballots_results", TITLE, town.name)

    phone = new_page(**PHONE)
    login(phone, "district_admin")
    phone.goto(f"/ballots/{poll.pk}/results/")
    expect(phone.get_by_test_id("results")).to_be_visible()
    _no_horizontal_scroll(phone)
    shot(phone, "ballots-results-phone")
    phone.goto(poll.get_absolute_url())
    expect(phone.get_by_test_id("fingerprint")).to_be_visible()
    _no_horizontal_scroll(phone)
    shot(phone, "ballots-poll-phone")
