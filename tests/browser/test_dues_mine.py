"""我的党费 in the browser: the demo member opens their own dues from the navigation and sees their standard, what
they owe this month and their own payments only; another member's dues page is not theirs to open."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.accounts.models import User
from apps.dues.models import DuesPayment
from apps.members.models import Member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_sees_their_own_payments_only(demo, page, login, shot):
    me = User.objects.select_related("member").get(username="member").member
    own = list(DuesPayment.objects.filter(member=me).order_by("-month"))
    assert own
    login(page, "member")
    page.get_by_test_id("nav-dues-mine").click()
    assert page.url.endswith("/dues/mine/")
    expect(page.locator("main h1")).to_have_text("我的党费")
    summary = page.get_by_test_id("dues-summary")
    expect(summary).to_contain_text("党费标准")
    expect(summary).to_contain_text(f"{timezone.localdate():%Y年%m月}应缴")
    expect(summary.get_by_test_id("behind")).to_have_text("0")
    expect(page.get_by_test_id("behind-warning")).to_have_count(0)
    expect(summary.get_by_test_id("due-now")).not_to_contain_text("已缴")  # this month not yet paid
    rows = page.get_by_test_id("payments").locator("tbody tr")
    expect(rows).to_have_count(len(own))
    shown = [r.locator("td").first.inner_text() for r in rows.all()]
    assert sorted(shown) == sorted(f"{p.month:%Y年%m月}" for p in own)
    amounts = [r.locator("td").nth(2).inner_text() for r in rows.all()]
    assert sorted(amounts) == sorted(str(p.amount) for p in own)
    expect(page.get_by_test_id("void-link")).to_have_count(0)  # a member reads, never voids
    expect(page.get_by_test_id("nav-dues")).to_have_count(0)  # no branch sheet for a member
    expect(page.get_by_test_id("dues-tabs")).to_have_count(0)
    shot(page, "dues_mine")

    # Someone else's dues: not found for the member.
    other = Member.objects.filter(organization=me.organization).exclude(pk=me.pk).order_by("pk").first()
    for url in (f"/dues/payments/member/{other.pk}/", f"/dues/members/{other.pk}/", "/dues/sheet/"):
        response = page.goto(url)
        assert response.status in (403, 404), (url, response.status)
    response = page.goto(f"/dues/members/{me.pk}/")
    assert response.status == 200
    expect(page.locator("main h1")).to_contain_text(f"{me.name}的党费")
