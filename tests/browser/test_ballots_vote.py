"""民主测评 in the browser: voters cast ballots with the codes of their paper slips — one on a 390 px phone, with no
sideways scrolling — a second use of a code is refused with its reason; a member signed in reveals their own code
once on 我的测评码 (confirmed first) and votes with it straight away; the poll is counted and published, and the
public page shows the result and the reconciled turnout (and prints on A4)."""

import pytest
from playwright.sync_api import expect

from apps.ballots import publicity_services, services
from apps.ballots.models import Code, CodeState, QueuedBallot
from apps.ballots.tests.poll_helpers import open_two_way
from apps.records.defaults import ensure_default_types
from tests.browser.conftest import PHONE
from tests.browser.test_phone import _no_horizontal_scroll
from tests.browser.test_print import _check_print_view
from tests.factories import PASSWORD, Tree


@pytest.fixture
def tree(transactional_db):
    ensure_default_types()  # the data migration's rows are gone after a transactional test's flush
    return Tree()


def _fill_ballot(page, grade, comment=""):
    """Every rating group answered with `grade` (a label of the scale), the comment typed."""
    groups = page.locator("[data-testid=ballot-form] fieldset")
    for n in range(groups.count()):
        groups.nth(n).locator("label", has_text=grade).first.click()
    if comment:
        page.locator("[data-testid=ballot-form] textarea").first.fill(comment)


def _enter_code(page, code):
    page.goto("/vote/")
    page.get_by_label("测评码").fill(code)
    page.get_by_test_id("code-submit").click()


def test_voters_cast_ballots_and_the_result_is_published(tree, new_page, login, shot):
    poll = open_two_way(tree)  # 3 members online (张三 among them), 1 invited, 1 anonymous slot: 2 slips
    slips = services.slip_codes(poll)
    assert len(slips) == 2

    # A voter on a phone: the slip's code, the ballot, thanks.
    phone = new_page(**PHONE)
    _enter_code(phone, f"{slips[0][:4]}-{slips[0][4:]}".lower())
    expect(phone.get_by_test_id("ballot-form")).to_contain_text("甲村党支部委员会")
    _no_horizontal_scroll(phone)
    phone.get_by_test_id("ballot-submit").click()  # nothing chosen: the summary lists what is missing
    expect(phone.locator("[data-error-summary]")).to_contain_text("甲村党支部委员会 · 贯彻上级决策部署：请选择一个等次")
    _fill_ballot(phone, "好", "希望多组织入户走访")
    shot(phone, "ballots-vote-ballot-phone")
    phone.get_by_test_id("ballot-submit").click()
    expect(phone.get_by_test_id("vote-done")).to_contain_text("投票成功")
    assert slips[0] not in phone.url
    shot(phone, "ballots-vote-done-phone")

    # A second voter with the other slip; then the first slip again: refused, with the reason.
    desk = new_page(viewport={"width": 1280, "height": 900})
    _enter_code(desk, slips[1])
    _fill_ballot(desk, "较好")
    desk.get_by_test_id("ballot-submit").click()
    expect(desk.get_by_test_id("vote-done")).to_be_visible()
    _enter_code(phone, slips[0])
    expect(phone.get_by_test_id("code-form")).to_contain_text("该测评码已经投过票")
    _no_horizontal_scroll(phone)
    shot(phone, "ballots-vote-used-code-phone")

    # A member signs in, reveals their code once (confirmed), and votes with it.
    member = new_page(**PHONE)
    login(member, "member_a", PASSWORD)
    member.goto("/vote/mine/")
    expect(member.get_by_test_id("my-polls")).to_contain_text(poll.title)
    member.once("dialog", lambda dialog: dialog.accept())  # the code is shown only once: asked first
    member.get_by_test_id("reveal").click()
    code = member.get_by_test_id("code").inner_text().replace("-", "")
    assert len(code) == 8
    _no_horizontal_scroll(member)
    shot(member, "ballots-vote-my-code-phone")
    member.get_by_test_id("vote-now").click()
    _fill_ballot(member, "一般")
    member.get_by_test_id("ballot-submit").click()
    expect(member.get_by_test_id("vote-done")).to_be_visible()
    member.goto("/vote/mine/")
    expect(member.get_by_test_id("no-polls")).to_be_visible()  # gone: never shown again
    assert QueuedBallot.objects.filter(poll=poll).count() == 3
    assert Code.objects.filter(poll=poll, state=CodeState.USED).count() == 3

    # Counted and published: the public page shows the result and the turnout, no comment.
    poll = services.poll_close(actor=None, poll=poll)
    poll = publicity_services.poll_publish(actor=tree.users["district_admin"], poll=poll, note="测评结果经核对无误，现予公示。")
    visitor = new_page(viewport={"width": 1280, "height": 900})
    visitor.goto("/publicity/")
    visitor.get_by_role("link", name=poll.title).click()
    expect(visitor.get_by_test_id("score")).to_have_text("80.00")  # (100 + 80 + 60) / 3
    expect(visitor.get_by_test_id("good-rate")).to_have_text("66.67%")
    expect(visitor.get_by_test_id("ballots")).to_have_text("3")
    expect(visitor.get_by_test_id("reconciled")).to_contain_text("一致")
    expect(visitor.get_by_test_id("fingerprint")).to_have_text(poll.eligible_fingerprint)
    expect(visitor.get_by_test_id("result-note")).to_contain_text("现予公示")
    expect(visitor.locator("main")).not_to_contain_text("希望多组织入户走访")
    shot(visitor, "ballots-publicity")
    _check_print_view(visitor, "ballots_publicity", "结果公示", "甲镇党委")
    public_phone = new_page(**PHONE)
    public_phone.goto(visitor.url)
    expect(public_phone.get_by_test_id("public-subject")).to_be_visible()
    _no_horizontal_scroll(public_phone)
    shot(public_phone, "ballots-publicity-phone")
