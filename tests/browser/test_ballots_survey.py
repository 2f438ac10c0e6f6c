"""群众满意度测评 in the browser, as the external evaluator (第三方测评员): they sign in and land on the surveys (their
navigation holds nothing else), open a survey prepared through the services, make a batch of codes for a village,
print its sheet of tear-off slips (A4), type paper answer sheets in a row from the keyboard (the form empties after
each, counting the sheets only; a code used twice is refused), are refused a member list, and after the close see the
results per village with the small village shown as 样本不足."""

import re

import pytest
from playwright.sync_api import expect

from apps.access.models import Role
from apps.ballots import ballot_services, services
from apps.ballots.models import PollKind
from tests.browser.conftest import PHONE
from tests.browser.test_phone import _no_horizontal_scroll
from tests.factories import PASSWORD, Tree, make_user

SHEETS = 5


@pytest.fixture
def survey(transactional_db):
    tree = Tree()
    make_user("evaluator", Role.SURVEY_EVALUATOR, tree.district)
    p = services.poll_create(actor=None, organization=tree.district, kind=PollKind.SURVEY,
                             data={"year": 2026, "title": "2026年度群众满意度测评"})
    services.subject_add(actor=None, poll=p, name="甲村", organization=tree.branch_a)
    b = services.subject_add(actor=None, poll=p, name="乙村", organization=tree.branch_b)
    p = services.poll_open(actor=None, poll=p)
    # 乙村: two residents answered by phone (too few to be shown)
    services.phones_add(actor=None, poll=p, subject=b, numbers=["13900000001", "13900000002"])
    for phone in ("13900000001", "13900000002"):
        ballot_services.ballot_cast_by_phone(poll=p, phone=phone, ratings=_ratings(p, b, 2))
    return {"tree": tree, "poll": p}


def _ratings(p, subject, option):
    return {f"{subject.pk}:{i.pk}": option for i in p.items.filter(kind="rating")}


def test_evaluator_runs_a_survey(survey, page, new_page, login, shot):
    p, tree = survey["poll"], survey["tree"]
    login(page, "evaluator", PASSWORD)
    expect(page).to_have_url(re.compile(r"/ballots/surveys/$"))
    nav = page.locator("#mainnav ul.navbar-nav.me-auto > li")
    expect(nav).to_have_count(1)
    expect(nav).to_contain_text("满意度测评")
    page.get_by_role("link", name="2026年度群众满意度测评").click()
    expect(page.get_by_test_id("survey-status")).to_contain_text("测评中")

    # a batch of codes for 甲村
    page.get_by_role("link", name="测评码批次").click()
    page.locator("select[name=subject]").select_option(label="甲村")
    page.locator("input[name=size]").fill("6")
    page.get_by_test_id("batch-form").get_by_role("button", name="生成").click()
    expect(page.locator(".alert-success")).to_contain_text("已生成第1批测评码，共6个")
    expect(page.get_by_test_id("batches")).to_contain_text("甲村")

    # its sheet: six slips, 第1批 · 甲村, the code spaced, how to answer; A4 in print
    page.get_by_test_id("print-batch-1").click()
    slips = page.get_by_test_id("slip")
    expect(slips).to_have_count(6)
    expect(slips.first).to_contain_text("第1批 · 甲村")
    expect(slips.first).to_contain_text("/vote/")
    codes = [c.strip() for c in page.get_by_test_id("slip-code").all_inner_texts()]
    assert all(re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", c) for c in codes), codes
    assert not any(c in page.url or c.replace("-", "") in page.url for c in codes)
    links = page.evaluate("() => [...document.querySelectorAll('a[href], img[src]')].map(e => e.href || e.src).join(' ')")
    assert not any(c in links or c.replace("-", "") in links for c in codes)
    shot(page, "survey-sheet")
    page.emulate_media(media="print")
    expect(page.locator("nav.app-navbar")).to_be_hidden()
    expect(page.get_by_test_id("print-button")).to_be_hidden()
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1
    shot(page, "survey-sheet-print")
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 1280, "height": 900})

    # paper sheets typed in a row: code, Tab, grade, Tab … Enter
    page.goto(f"/ballots/surveys/{p.pk}/")
    page.get_by_test_id("tab-paper").click()
    expect(page.get_by_test_id("entered")).to_contain_text("0 张")
    for n, code in enumerate(codes[:SHEETS], start=1):
        expect(page.locator("input[name=code]")).to_be_focused()
        page.keyboard.type(code.lower())
        for grade in ("1", "1", "2", "1"):
            page.keyboard.press("Tab")
            page.keyboard.type(grade)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.get_by_test_id("entered")).to_contain_text(f"{n} 张")
        expect(page.locator("input[name=code]")).to_have_value("")
    assert not any(c in page.content() for c in codes)
    # the same code again: refused, the count kept
    page.locator("input[name=code]").fill(codes[0])
    for i, box in enumerate(page.locator("input[inputmode=numeric]").all()):
        box.fill("1" if i else "3")
    page.get_by_test_id("paper-save").click()
    expect(page.locator(".alert-danger")).to_contain_text("只能使用一次")
    expect(page.locator("input[name=entered]")).to_have_value(str(SHEETS))
    shot(page, "survey-paper-entry")

    # nothing else of the platform
    response = page.goto("/members/")
    assert response.status == 403
    expect(page.locator("main")).to_contain_text("满意度测评")
    assert page.goto(f"/members/{tree.member_a.pk}/").status in (403, 404)

    # results only after the close
    page.goto(f"/ballots/surveys/{p.pk}/results/")
    expect(page.get_by_test_id("not-counted")).to_be_visible()
    services.poll_close(actor=None, poll=p)
    page.reload()
    villages = page.get_by_test_id("villages")
    expect(villages.locator("tbody tr").first).to_contain_text("甲村")
    expect(villages.locator("tbody tr").first).to_contain_text(str(SHEETS))
    expect(villages.locator("tbody tr").nth(1)).to_contain_text("乙村")
    expect(villages.locator("tbody tr").nth(1)).to_contain_text("样本不足")
    expect(page.get_by_test_id("overall-excludes")).to_be_visible()
    assert tree.member_a.name not in page.content()
    shot(page, "survey-results")

    phone = new_page(**PHONE)
    login(phone, "evaluator", PASSWORD)
    phone.goto(f"/ballots/surveys/{p.pk}/results/")
    expect(phone.get_by_test_id("villages")).to_be_visible()
    _no_horizontal_scroll(phone)
    shot(phone, "survey-results-phone")
