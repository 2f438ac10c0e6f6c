"""Issue 15's transfers and letters in the browser: the demo secretary sends a member of the branch to another branch
of the township; the township administrator (the receiver's side) rejects it with a reason, the secretary sees the
reason and sends it again, the township accepts; the member's page names the receiving branch and the receiver's dues
sheet lists them. The 组织关系介绍信 page fits a phone (390 px) and prints its three parts on one A4 page."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.access.models import RoleAssignment
from apps.members.models import Member, MemberStatus
from apps.membership.transfer_models import IntroductionLetter, Transfer, TransferStatus
from tests.browser.conftest import PHONE, SCREENSHOTS
from tests.browser.test_print import A4_POINTS, _pages, _pdf_text, _words_past_the_right_margin

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_transfer_is_sent_rejected_resent_and_accepted(demo, new_page, login, shot):
    branch = RoleAssignment.objects.select_related("organization").get(user__username="secretary").organization
    busy = Transfer.objects.filter(status__in=(TransferStatus.SENT, TransferStatus.REJECTED)).values("member_id")
    member = (Member.objects.filter(organization=branch, status=MemberStatus.NORMAL).exclude(pk__in=busy)
              .exclude(user__username="member").order_by("pk").first())
    receiver = (type(branch).objects.filter(path__startswith=branch.path[:8], kind="branch", is_active=True)
                .exclude(pk=branch.pk).order_by("path").first())
    secretary = new_page(viewport={"width": 1280, "height": 900})
    town = new_page(viewport={"width": 1280, "height": 900})
    login(secretary, "secretary")
    login(town, "town_admin")

    # Sent: the member found by name, the receiving branch by its code.
    secretary.goto("/membership/transfers/new/")
    secretary.locator("#member-q").fill(member.name)
    with secretary.expect_navigation():
        secretary.get_by_role("button", name="查找").click()
    secretary.get_by_test_id("member-matches").get_by_role("link", name=member.name).first.click()
    expect(secretary.locator("main")).to_contain_text("党费交至")
    secretary.locator("[name=to_organization]").fill(receiver.code)
    secretary.locator("[name=reason]").fill("到邻村合作社工作")
    with secretary.expect_navigation():
        secretary.get_by_role("button", name="发出").click()
    expect(secretary.locator("main")).to_contain_text("已发出组织关系转接")
    transfer = Transfer.objects.get(member=member, status=TransferStatus.SENT)
    url = f"/membership/transfers/{transfer.pk}/"

    # Rejected by the receiver's side with its reason.
    town.goto("/membership/transfers/?view=in")
    expect(town.get_by_test_id("transfers")).to_contain_text(member.name)
    town.goto(url)
    town.locator("[name=reason]").fill("本人尚未在我村落户，请核实后重新发出")
    with town.expect_navigation():
        town.get_by_role("button", name="退回").click()
    expect(town.locator("main")).to_contain_text("已退回转出党组织")

    # The sender reads the reason and sends it again.
    secretary.goto(url)
    expect(secretary.get_by_test_id("transfer")).to_contain_text("本人尚未在我村落户，请核实后重新发出")
    expect(secretary.locator("main h1")).to_contain_text("已退回")
    shot(secretary, "membership_transfer_rejected")
    with secretary.expect_navigation():
        secretary.get_by_role("button", name="重新发出").click()
    expect(secretary.locator("main")).to_contain_text("已重新发出")
    expect(secretary.get_by_test_id("transfer")).to_contain_text("第2次发出")

    # Accepted: the member is the receiving branch's, on their page and on its dues sheet.
    town.goto(url)
    with town.expect_navigation():
        town.get_by_role("button", name="接收").click()
    expect(town.locator("main")).to_contain_text("已接收，该党员已转入本组织")
    shot(town, "membership_transfer_accepted")
    town.goto(f"/members/{member.pk}/")
    expect(town.locator("main")).to_contain_text(receiver.name)
    # The receiver's dues sheet picks them up from the next month (the sender collected this one).
    this_month = timezone.localdate().replace(day=1)
    next_month = (this_month + timedelta(days=32)).replace(day=1)
    town.goto(f"/dues/sheet/?org={receiver.pk}&month={this_month:%Y-%m}")
    expect(town.locator(f"[data-testid=sheet-row][data-member='{member.pk}']")).to_have_count(0)
    town.goto(f"/dues/sheet/?org={receiver.pk}&month={next_month:%Y-%m}")
    expect(town.locator(f"[data-testid=sheet-row][data-member='{member.pk}']")).to_have_count(1)
    # The sending branch no longer holds them.
    secretary.goto(f"/members/{member.pk}/")
    expect(secretary.locator("main")).not_to_contain_text("本人尚未在我村落户")


def test_the_introduction_letter_fits_a_phone_and_prints_on_a4(demo, new_page, login, shot):
    letter = IntroductionLetter.objects.filter(receipt_on__isnull=True).order_by("issued_on").first()
    phone = new_page(**PHONE)
    login(phone, "town_admin")
    phone.goto(f"/membership/letters/{letter.pk}/")
    expect(phone.locator("main")).to_contain_text("超期未回")  # the demo's letter past its month without the 回执
    expect(phone.locator(".letter-main")).to_contain_text(letter.member.name)
    overflow = phone.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"{overflow}px wider than the phone"
    shot(phone, "membership_letter_phone")

    page = new_page(viewport={"width": 1280, "height": 900})
    login(page, "town_admin")
    page.goto(f"/membership/letters/{letter.pk}/")
    page.emulate_media(media="print")
    try:
        for selector in ("nav.app-navbar", "main form", "main .btn"):
            assert not [el for el in page.locator(selector).all() if el.is_visible()], selector
        pdf = page.pdf(path=str(SCREENSHOTS / "print_membership_letter.pdf"), prefer_css_page_size=True)
        page.screenshot(path=str(SCREENSHOTS / "print_membership_letter.png"), full_page=True)
    finally:
        page.emulate_media(media="screen")
    count, size = _pages(pdf)
    assert (count, size) == (1, A4_POINTS), (count, size)  # 存根, letter and 回执 on one sheet
    text = _pdf_text(SCREENSHOTS / "print_membership_letter.pdf")
    assert text.count(letter.number) == 3 and "存根" in text and "回执" in text
    assert not _words_past_the_right_margin(SCREENSHOTS / "print_membership_letter.pdf")
